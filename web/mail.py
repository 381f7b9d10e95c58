"""Sending e-mail: through SMTP when `MAIL_SERVER` is set, else written to the log (development and tests)."""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("imready.mail")
outbox: deque[EmailMessage] = deque(maxlen=100)  # the last messages of the log backend, newest last (for tests)


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "imready@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        outbox.append(message)
        log.info("mail to %s: %s\n%s", to, subject, body)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)), timeout=20) as smtp:
        if config.get("MAIL_STARTTLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)

"""Mail: every message is recorded, then delivered by the queue, retried with a growing delay while the mail
server is away, and marked sent, bounced (the server refused the address: retrying cannot help) or failed.

Bodies hold links that open accounts and assessments (reset, confirmation, invitation, campaign links, whose
tokens are otherwise kept only as hashes), so a body is stored encrypted with a key derived from the app's secret
key, which is never in the database, and erased once the message is sent, bounced or failed: a copy of the database
holds no usable link. The log keeps who, what subject, when, and what became of it.

Without `MAIL_SERVER` messages are written to the log and kept in `outbox` (development and tests).
"""

from __future__ import annotations

import base64
import logging
import smtplib
from collections import deque
from email.message import EmailMessage
from email.utils import make_msgid

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from huey.exceptions import RetryTask
from sqlmodel import Session

from jobs.queue import engine, task
from storage.tables import MailMessage, utcnow

log = logging.getLogger("imready.mail")
outbox: deque[EmailMessage] = deque(maxlen=500)  # the last messages of the log backend, newest last (for tests)
# A mail server that is down or busy is tried again after 1, 2, 4, 8, 16 and 32 minutes (about an hour in all),
# then the message is marked failed and listed; an address the server refuses is not tried again.
RETRIES = 6
FIRST_RETRY_SECONDS = 60
BACKOFF = 2
SMTP_TIMEOUT_SECONDS = 20
# Many messages at once (a campaign's invitations) go in chunks, one queued job and one connection per chunk: a job
# per message would cost a queue write each (about 5 ms), 4 minutes for 50,000 invitations.
CHUNK = 200


def sealed(body: str) -> str:
    """A body as stored: encrypted (Fernet: AES and an HMAC) with the key derived from the secret key."""
    return _fernet().encrypt(body.encode()).decode("ascii")


def opened(stored: str) -> str:
    """A stored body in clear; InvalidToken when the secret key has changed since it was stored."""
    return _fernet().decrypt(stored.encode("ascii")).decode()


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"imready mail bodies").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def send(to: str, subject: str, body: str, *, kind: str = "account", ref: str = "") -> int:
    """Record a plain-text message and put its delivery on the queue; returns the message's id."""
    with Session(engine(), expire_on_commit=False) as session:
        message = MailMessage(to=to, subject=subject[:300], body=sealed(body), kind=kind, ref=ref)
        session.add(message)
        session.commit()
    deliver(message.id)
    return message.id


def send_many(messages: list[dict], *, kind: str) -> list[int]:
    """Record many messages in one transaction and queue each (campaign invitations): `messages` hold to, subject,
    body and ref."""
    with Session(engine(), expire_on_commit=False) as session:
        fernet = _fernet()
        rows = [MailMessage(to=m["to"], subject=m["subject"][:300], body=fernet.encrypt(m["body"].encode()).decode(),
                            kind=kind, ref=m.get("ref", "")) for m in messages]  # fmt: skip
        session.add_all(rows)
        session.commit()
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        deliver_many(ids[start:start + CHUNK])
    return ids


def retry_delay(attempts: int) -> int:
    """Seconds to wait before the next try, after `attempts` tries: 60, 120, 240..."""
    return FIRST_RETRY_SECONDS * BACKOFF ** (attempts - 1)


class Refused(Exception):
    """The mail server refused the message for good (a 5xx answer): it bounced."""


@task()
def deliver(message_id: int) -> None:
    """Deliver one recorded message; after a temporary failure the queue tries again later (RetryTask)."""
    with Session(engine(), expire_on_commit=False) as session, Post() as post:
        delay = _deliver_one(session, post, message_id)
    if delay is not None:
        raise RetryTask(delay=delay)


@task()
def deliver_many(message_ids: list[int]) -> None:
    """Deliver a chunk of recorded messages over one connection to the mail server (campaign invitations); each
    that fails for a while is queued again on its own, with the same delays as a single message."""
    with Session(engine(), expire_on_commit=False) as session, Post() as post:
        for message_id in message_ids:
            delay = _deliver_one(session, post, message_id)
            if delay is not None:
                deliver.schedule((message_id,), delay=delay)


def _deliver_one(session: Session, post: Post, message_id: int) -> int | None:
    """Try one message and record what became of it; the seconds to wait before trying again, or None."""
    message = session.get(MailMessage, message_id)
    if message is None or message.status in ("sent", "bounced"):
        return None  # deleted with its enterprise, or delivered by an earlier try
    message.attempts += 1
    delay = None
    try:
        post.send(_email(message))
    except InvalidToken:
        message.status, message.error = "failed", "the secret key changed since the message was queued: not readable"
    except Refused as error:
        message.status, message.error = "bounced", str(error)[:500]
    except (OSError, smtplib.SMTPException) as error:
        post.reset()
        last = message.attempts > RETRIES
        message.status, message.error = ("failed" if last else "queued"), f"{type(error).__name__}: {error}"[:500]
        log.warning("mail %s to %s not delivered (attempt %s): %s", message.id, message.to, message.attempts, error)
        delay = None if last else retry_delay(message.attempts)
    else:
        message.status, message.error, message.sent_at = "sent", "", utcnow()
    if message.status != "queued":
        message.body = ""  # delivered or given up: the links it held are not kept
    session.add(message)
    session.commit()
    return delay


def _email(message: MailMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config.get("MAIL_FROM", "imready@localhost")
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"imready.{message.id}")
    email.set_content(opened(message.body))
    return email


class Post:
    """The way out: a connection to the mail server, opened at the first message and kept for the next ones (or the
    log, without MAIL_SERVER)."""

    def __init__(self):
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Post:
        return self

    def __exit__(self, *_exc) -> None:
        self.reset()

    def reset(self) -> None:
        """Drop the connection (after a failure: the next message opens a new one)."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None

    def send(self, email: EmailMessage) -> None:
        """Hand one message over; `Refused` when the server refuses it for good."""
        if not self.config.get("MAIL_SERVER"):
            outbox.append(email)
            log.info("mail to %s: %s\n%s", email["To"], email["Subject"], email.get_content())
            return
        try:
            self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise Refused("; ".join(f"{code} {text.decode(errors='replace')}"
                                        for code, text in error.recipients.values())) from error  # fmt: skip
            raise
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            if 500 <= error.smtp_code < 600:
                raise Refused(f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}") from error
            raise

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is None:
            config = self.config
            smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)), timeout=SMTP_TIMEOUT_SECONDS)
            if config.get("MAIL_STARTTLS", True):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            self.smtp = smtp
        return self.smtp

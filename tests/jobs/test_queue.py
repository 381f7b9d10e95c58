"""The queue on its real storage (a SQLite file beside the database, or PostgreSQL's tables when the tests run on
PostgreSQL): mail waits for a worker, a mail server that is away is tried again after growing delays and the
message marked failed at the end, an address the server refuses is marked bounced and never tried again, a worker
process drains the queue, and a report batch whose worker is killed mid-way is finished by the next worker."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import inspect
from sqlmodel import Session, select

from factories import ROOT, drain
from jobs import mail
from jobs.queue import queue
from storage.tables import Assessment, MailMessage, ReportBatch


def message(app, message_id: int) -> MailMessage:
    with Session(app.extensions["db_engine"]) as session:
        return session.get(MailMessage, message_id)


def test_mail_waits_on_the_queue_until_a_worker_takes_it(queued_app):
    app = queued_app
    before = len(mail.outbox)
    with app.app_context():
        message_id = mail.send("owner@example.org", "Hello", "Body text")
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert queue.storage_url.endswith(".queue.db") and os.path.isfile(queue.storage_url.removeprefix("sqlite:///"))
    else:  # the queue's tables live in the application's own PostgreSQL database
        assert {"queue_task", "queue_schedule"} <= set(inspect(app.extensions["db_engine"]).get_table_names())
    assert queue.pending_count() == 1 and len(mail.outbox) == before
    assert (message(app, message_id).status, message(app, message_id).attempts) == ("queued", 0)
    assert drain(app) == 1
    stored = message(app, message_id)
    assert (stored.status, stored.attempts, stored.error) == ("sent", 1, "") and stored.sent_at is not None
    assert mail.outbox[-1]["To"] == "owner@example.org" and mail.outbox[-1]["Subject"] == "Hello"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_is_away_is_tried_again_after_growing_delays_then_the_message_fails(queued_app):
    app = queued_app
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_STARTTLS=False)  # nobody listens there
    with app.app_context():
        message_id = mail.send("owner@example.org", "Hello", "Body")
        ran_at = datetime.utcnow()  # noqa: DTZ003 - Huey's times are naive UTC
        queue.execute(queue.dequeue(), timestamp=ran_at)
        delays = []
        while (scheduled := queue.scheduled()):
            (task,) = scheduled
            delays.append(round((task.eta - ran_at).total_seconds() / 60))
            stored = message(app, message_id)
            assert (stored.status, stored.attempts) == ("queued", len(delays))
            assert "ConnectionRefusedError" in stored.error
            (due,) = queue.read_schedule(task.eta)  # the worker takes it when it is due (here, at once)
            ran_at = datetime.utcnow()  # noqa: DTZ003
            queue.execute(due, timestamp=due.eta)
    # RETRIES = 6 tries after the first, the first a minute later, each delay twice the one before
    assert delays == [1, 2, 4, 8, 16, 32]
    stored = message(app, message_id)
    assert (stored.status, stored.attempts) == ("failed", 7) and "ConnectionRefusedError" in stored.error


class RefusingHandler:
    """A mail server that refuses one address for good (550) and takes every other message."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address.startswith("gone@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 Message accepted"


def test_an_address_the_server_refuses_is_marked_bounced_and_not_tried_again(queued_app):
    app = queued_app
    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_STARTTLS=False)
        with app.app_context():
            gone = mail.send("gone@example.org", "Invitation", "Please answer")
            fine = mail.send("here@example.org", "Invitation", "Please answer")
        assert drain(app) == 2
    finally:
        controller.stop()
    assert message(app, gone).status == "bounced" and "550" in message(app, gone).error
    assert message(app, fine).status == "sent"
    assert queue.scheduled_count() == 0  # the bounce is final: no retry waits
    assert [recipients for recipients, _content in handler.received] == [["here@example.org"]]


def worker(app, tmp_path, *extra_env) -> subprocess.Popen:
    """`flask --app app worker` in its own process, on the test's database and instance folder."""
    env = {**os.environ, "IMREADY_DATABASE_URL": app.config["DATABASE_URL"], "IMREADY_INSTANCE_PATH": app.instance_path,
           "IMREADY_SECRET_KEY": app.config["SECRET_KEY"], "IMREADY_BENCHMARK_MIN_GROUP": "5", **dict(extra_env)}
    with open(tmp_path / f"worker-{time.monotonic_ns()}.log", "wb") as log:  # the process keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "1"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := condition()):
            return value
        time.sleep(0.3)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.mark.slow
def test_a_worker_process_sends_what_the_web_queued(queued_app, tmp_path):
    app = queued_app
    with app.app_context():
        message_id = mail.send("owner@example.org", "Hello", "Body")
    process = worker(app, tmp_path)
    try:
        wait_for(lambda: message(app, message_id).status == "sent", 90, "the worker to send the message")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) is not None


@pytest.mark.slow
@pytest.mark.parametrize("database_url", [pytest.param((12, 3), id="demo-12-3")], indirect=True)
def test_a_batch_whose_worker_is_killed_is_finished_by_the_next_worker(queued_app, tmp_path, demo_population):
    app = queued_app
    from assessment.roadmap import Settings
    from jobs import batches
    from reports.batch import create_batch
    from reports.enterprise_report import Branding

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        tokens = demo_population(12, 3).tokens[:4]
        ids = [session.exec(select(Assessment.id).where(Assessment.token == token)).one() for token in tokens]
        batch = create_batch(session=session, assessment_ids=ids, language="en", settings=Settings(),
                             branding=Branding("Northbridge", "#336699", None))  # fmt: skip
        batches.start(batch.id)

    def state():
        with Session(app.extensions["db_engine"]) as session:
            return session.get(ReportBatch, batch.id)

    first = worker(app, tmp_path)
    try:
        wait_for(lambda: state().done >= 1, 180, "the first report")
    finally:
        first.send_signal(signal.SIGKILL)  # as the machine's out-of-memory killer or a power cut would
        first.wait(timeout=30)
    assert state().status == "running" and state().done < len(ids)
    second = worker(app, tmp_path, ("IMREADY_REPORT_BATCH_STALLED_SECONDS", "5"))
    try:
        wait_for(lambda: state().status == "done", 300, "the second worker to finish the batch")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    finished = state()
    assert finished.runs == 2 and finished.failures == []
    with open(finished.path, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert sorted(int(name[:6]) for name in archive.namelist()) == sorted(ids)


def test_many_messages_go_in_chunks_over_one_connection_each_bounce_kept_apart(queued_app, monkeypatch):
    app = queued_app
    monkeypatch.setattr(mail, "CHUNK", 3)
    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_STARTTLS=False)
        addresses = ["a@example.org", "gone@example.org", "c@example.org", "d@example.org", "e@example.org"]
        with app.app_context():
            ids = mail.send_many([{"to": to, "subject": "Invitation", "body": "Answer", "ref": f"member:{n}"}
                                  for n, to in enumerate(addresses)], kind="campaign")  # fmt: skip
        assert queue.pending_count() == 2  # 5 messages in chunks of 3: two jobs
        assert drain(app) == 2
    finally:
        controller.stop()
    assert [message(app, i).status for i in ids] == ["sent", "bounced", "sent", "sent", "sent"]
    assert [message(app, i).ref for i in ids] == [f"member:{n}" for n in range(5)]
    assert sorted(r[0] for r, _content in handler.received) == sorted(set(addresses) - {"gone@example.org"})


def every_text_in(app) -> str:
    """Every value of every row of every table, as one text: what a stolen copy of the database shows."""
    from sqlmodel import SQLModel

    with app.extensions["db_engine"].connect() as connection:
        return "\n".join(repr(tuple(row)) for table in SQLModel.metadata.sorted_tables
                         for row in connection.execute(table.select()))  # fmt: skip


def test_a_copy_of_the_database_holds_no_link_from_a_mail_queued_or_sent(queued_app):
    app = queued_app
    app.config["WTF_CSRF_ENABLED"] = False
    from factories import make_user

    make_user(app, "enterprise", email="owner@example.org")
    client = app.test_client()
    assert client.post("/account/reset", data={"email": "owner@example.org"}).status_code in (200, 302)
    with Session(app.extensions["db_engine"]) as session:
        (queued,) = session.exec(select(MailMessage)).all()
    assert queued.status == "queued" and queued.body and "/account/reset/" not in queued.body
    drain(app)
    link = mail.outbox[-1].get_content().split("/account/reset/")[1].split()[0]
    assert len(link) > 20
    dump = every_text_in(app)
    assert link not in dump and "/account/reset/" not in dump  # neither while queued (sealed) nor after (erased)
    with Session(app.extensions["db_engine"]) as session:
        (sent,) = session.exec(select(MailMessage)).all()
    assert (sent.status, sent.body, sent.to) == ("sent", "", "owner@example.org")
    assert client.get(f"/account/reset/{link}").status_code == 200  # the mailed link itself works


def test_a_queued_body_cannot_be_read_without_the_secret_key(queued_app):
    app = queued_app
    with app.app_context():
        message_id = mail.send("owner@example.org", "Link", "https://example.org/c/secret-token-123")
        stored = message(app, message_id).body
        assert "secret-token-123" not in stored and mail.opened(stored).endswith("secret-token-123")
        app.config["SECRET_KEY"] = "another key of more than thirty-two characters"
        drain(app)
    assert (message(app, message_id).status, message(app, message_id).body) == ("failed", "")
    assert "secret key changed" in message(app, message_id).error


def test_the_administrator_sees_every_mail_and_what_became_of_it_never_its_text(queued_app):
    app = queued_app
    from factories import client_as, make_user

    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_STARTTLS=False)
        with app.app_context():
            mail.send("gone@example.org", "Invitation to the 2026 survey", "https://example.org/c/token-one")
            mail.send("here@example.org", "Invitation to the 2026 survey", "https://example.org/c/token-two")
            mail.send("later@example.org", "Reminder", "https://example.org/c/token-three")
        with app.app_context():
            queue.execute(queue.dequeue())
            queue.execute(queue.dequeue())  # the third waits
    finally:
        controller.stop()
    admin = client_as(app, make_user(app, "admin"))
    page = admin.get("/admin/mail").text
    assert "gone@example.org" in page and "here@example.org" in page and "later@example.org" in page
    assert "bounced: 1" in page and "sent: 1" in page and "waiting: 1" in page and "550 5.1.1" in page
    assert "token-" not in page  # no body is shown (nor kept)
    bounced = admin.get("/admin/mail?status=bounced").text
    assert "gone@example.org" in bounced and "here@example.org" not in bounced
    for role in ("consultant", "agency", "enterprise"):
        user = make_user(app, role, email=f"mail-{role}@example.org",
                         jurisdiction="370000" if role == "agency" else None)  # fmt: skip
        assert client_as(app, user).get("/admin/mail").status_code == 403

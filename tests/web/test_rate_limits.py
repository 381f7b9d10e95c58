"""Limits that hold across workers: sign-in attempts are counted in the database every worker shares, so an attacker
who spreads them over the workers gets the limit once, not once per worker; while the counts cannot be written, an
attempt gets the "try again" page, never a pass; and a consultant's invitation requests are limited per user.

The workers are real processes (spawned, as gunicorn's are separate processes): the limiter is one object per
process, so two apps made in one process would share its counts and hide the very fault tested here."""

from __future__ import annotations

import multiprocessing
import re
import secrets
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from factories import client_as, csrf_token, make_app, make_user
from jobs import mail
from web.invitations import INVITATION_REQUESTS_PER_HOUR

LIMIT = 3  # sign-in attempts per address per minute in these tests
ATTEMPTS = 8  # alternating between two workers: four through each
VICTIM = "user@example.org"
ANSWER_SECONDS = 120  # how long a worker may take to start (importing the app) or to answer


def sign_in_worker(url: str, instance: str, config: dict, pipe) -> None:
    """One worker process: its own app on the shared database. For each address it is sent, one sign-in attempt with
    a wrong password; it answers the response's status. None ends it."""
    app = make_app(url, instance, **config)
    try:
        client = app.test_client()
        token = csrf_token(client.get("/account/sign-in").text)
        pipe.send("ready")
        while (email := pipe.recv()) is not None:
            data = {"email": email, "password": "a wrong guess", "csrf_token": token}
            pipe.send(client.post("/account/sign-in", data=data).status_code)
    finally:
        app.extensions["db_engine"].dispose()


class Worker:
    """A worker process and the pipe to it."""

    def __init__(self, context, url: str, instance: str, config: dict) -> None:
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=sign_in_worker, args=(url, instance, config, theirs), daemon=True)
        self.process.start()

    def answer(self):
        """What the worker sends next."""
        assert self.pipe.poll(ANSWER_SECONDS), "the worker did not answer"
        return self.pipe.recv()

    def attempt(self, email: str) -> int:
        """The status of one sign-in attempt made through this worker."""
        self.pipe.send(email)
        return self.answer()

    def stop(self) -> None:
        """End the worker: asked to, or killed if it does not end."""
        if self.process.is_alive():
            self.pipe.send(None)
            self.process.join(ANSWER_SECONDS)
        if self.process.is_alive():
            self.process.kill()


@contextmanager
def two_workers(url: str, tmp_path, **config):
    """Two worker processes serving the database at `url` with the same secret key and `config`, as gunicorn runs
    them."""
    context = multiprocessing.get_context("spawn")
    config = {"SECRET_KEY": secrets.token_urlsafe(32), "SIGN_IN_LIMIT": f"{LIMIT} per minute", **config}
    workers = []
    try:
        for number in range(2):
            workers.append(Worker(context, url, str(tmp_path / f"worker-{number}"), config))
        assert [worker.answer() for worker in workers] == ["ready", "ready"]  # both started at once, as gunicorn's
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def attack(workers) -> list[int]:
    """Attempts on one account from one address, sent to the workers in turn."""
    return [workers[number % 2].attempt(VICTIM) for number in range(ATTEMPTS)]


@pytest.mark.slow  # two processes importing the app
def test_two_workers_on_one_database_allow_the_limit_once_between_them(app, database_url, tmp_path):
    make_user(app, "enterprise", email=VICTIM)
    with two_workers(database_url, tmp_path) as workers:  # the app's own setting: counts in the database
        statuses = attack(workers)
    # 8 attempts, 3 allowed in all: the first 3 are answered (wrong password, 401), the other 5 refused (429)
    assert statuses == [401] * LIMIT + [429] * (ATTEMPTS - LIMIT)


@pytest.mark.slow
def test_with_counts_kept_per_process_the_same_attack_gets_the_limit_from_each_worker(app, database_url, tmp_path):
    """The setting before counts were kept in the database, to show the workers above really count apart."""
    make_user(app, "enterprise", email=VICTIM)
    with two_workers(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://") as workers:
        statuses = attack(workers)
    # each worker allows 3 of its 4: 6 answered (401), then each refuses its fourth (429)
    assert statuses == [401] * (2 * LIMIT) + [429] * (ATTEMPTS - 2 * LIMIT)


def impatient_engine(url: str):
    """An engine on the test database that gives up waiting for a lock after half a second (the app's waits 30 s)."""
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": 0.5})
    return create_engine(url, connect_args={"options": "-c lock_timeout=500"}, pool_pre_ping=True)


@contextmanager
def counts_locked(url: str):
    """Another connection holds the lock that writing a count needs, as a stuck transaction would; reading the
    database stays possible (SQLite: its write lock; PostgreSQL: the counts' table, locked against writes)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.execute(text("LOCK TABLE ratelimitwindow IN EXCLUSIVE MODE"))
            yield
            transaction.rollback()
    finally:
        engine.dispose()


def test_while_counts_cannot_be_written_an_attempt_is_asked_to_try_again_not_let_through(app, database_url):
    make_user(app, "enterprise", email=VICTIM)
    app.extensions["db_engine"].dispose()
    app.extensions["db_engine"] = impatient_engine(database_url)
    client = app.test_client()
    data = {"email": VICTIM, "password": "a wrong guess", "csrf_token": csrf_token(client.get("/account/sign-in").text)}
    with counts_locked(database_url):
        refused = client.post("/account/sign-in", data=data)
    # not checked uncounted (that would be 401, the password checked) nor a crash (500): the "try again" page
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert "The database is not available for a moment" in refused.text and "Traceback" not in refused.text
    assert client.post("/account/sign-in", data=data).status_code == 401  # counted and checked once it can be


def start_client(app, survey, consultant, name: str) -> str:
    """A client of the consultant (an assessment it took while signed in), and the address of its invitation form."""
    survey.client = client_as(app, consultant)
    survey.start(name=name)
    workspace = survey.client.get("/workspace/").text
    return re.search(r'href="([^"]+)" id="invite-\d+"', workspace)[1]


def test_a_consultant_s_invitation_requests_are_limited_per_user(app, survey):
    """The attack: a consultant's script floods an enterprise's users (here the administrators, as the client has
    no user of its own) with requests to invite addresses."""
    consultant, other = make_user(app, "consultant"), make_user(app, "consultant", email="other@example.org")
    admin = make_user(app, "admin")
    flooded, others = start_client(app, survey, consultant, "Lotus Ceramics"), start_client(app, survey, other, "Jade")
    flooder = client_as(app, consultant)
    token = csrf_token(flooder.get(flooded).text)
    mail.outbox.clear()
    statuses = [flooder.post(flooded, data={"csrf_token": token, "email": f"person{number}@example.org"}).status_code
                for number in range(INVITATION_REQUESTS_PER_HOUR + 1)]  # fmt: skip
    # 20 requests sent (302), the 21st refused (429) and mailed to nobody: 20 requests reached the administrator
    assert statuses == [302] * INVITATION_REQUESTS_PER_HOUR + [429]
    assert sum(message["To"] == admin.email for message in mail.outbox) == INVITATION_REQUESTS_PER_HOUR
    refused = flooder.post(flooded, data={"csrf_token": token, "email": "one-more@example.org"})
    assert refused.status_code == 429 and "too many attempts in a short time" in refused.text
    # counted per user, not per address: the other consultant, from the same address, still asks for its client
    colleague = client_as(app, other)
    asked = colleague.post(others, data={"csrf_token": csrf_token(colleague.get(others).text),
                                         "email": "buyer@jade.example"})  # fmt: skip
    assert asked.status_code == 302 and "buyer@jade.example" in mail.outbox[-1].get_content()

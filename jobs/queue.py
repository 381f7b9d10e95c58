"""The queue itself: one Huey instance whose storage follows the app's database, and the worker that drains it.

Tasks are declared with `task` or `periodic` below; each runs inside an application context, with the app of the
process (the worker's, or in immediate mode the one that enqueued it). With `QUEUE_IMMEDIATE` (tests, and the
command line's one-off runs) a task runs at once in the caller's process, on an in-memory queue.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, PostgresStorage, SqliteStorage
from sqlalchemy.engine import make_url

log = logging.getLogger("imready.jobs")
QUEUE_NAME = "imready"
TABLE_PREFIX = "queue"  # PostgreSQL: queue_task, queue_schedule, queue_kv, queue_counter (outside our migrations)


class AppQueue(Huey):
    """A Huey whose storage is chosen from a database URL when the app starts (None: in memory, immediate)."""

    storage_url: str | None = None

    def get_storage(self, **kwargs):
        return storage_for(self.name, self.storage_url)

    def configure(self, storage_url: str | None) -> None:
        """Use the storage for `storage_url`; None runs every task at once in the caller (immediate mode)."""
        if storage_url == self.storage_url and (storage_url is None) == self.immediate:
            return
        self.storage_url = storage_url
        self._immediate = storage_url is None
        self.storage = self.create_storage()


def storage_for(name: str, url: str | None):
    """Huey's storage for a database URL: SQLite's file beside the database, or PostgreSQL's tables in it."""
    if url is None:
        return MemoryStorage(name)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SqliteStorage(name, filename=str(Path(parsed.database or "imready.db")))
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    # its tables are made by `prepare`, so that an app started while the database is away still starts
    return PostgresStorage(name, dsn=dsn, table_prefix=TABLE_PREFIX, create_tables=False)


def queue_url(database_url: str) -> str:
    """Where the queue of an app on `database_url` is kept: a SQLite file beside a SQLite database (its own file,
    so a long batch never holds the data's write lock), or the same PostgreSQL database."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite":
        return database_url
    database = Path(parsed.database or "imready.db")
    return f"sqlite:///{database.with_name(database.stem + '.queue.db')}"


queue = AppQueue(QUEUE_NAME, results=False, immediate=True)
_worker_app: Flask | None = None  # the app of a worker process, for tasks run outside any request


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage (or run tasks at once with QUEUE_IMMEDIATE)."""
    app.config.setdefault("QUEUE_IMMEDIATE", False)
    app.config.setdefault("QUEUE_URL", None)  # None: beside the database (queue_url)
    if app.config["QUEUE_IMMEDIATE"]:
        queue.configure(None)
    else:
        queue.configure(app.config["QUEUE_URL"] or queue_url(app.config["DATABASE_URL"]))
        prepare()
    app.extensions["queue"] = queue


def prepare(*, required: bool = False) -> None:
    """Create the queue's tables if they are missing. The web app starts without them while the database is away
    (its pages say so); a worker (`required`) does not."""
    if queue.immediate or not isinstance(queue.storage, PostgresStorage):
        return
    try:
        queue.storage.initialize_schema()
    except Exception:
        if required:
            raise
        log.warning("the queue's tables could not be checked now (is the database away?)", exc_info=True)


def serve(app: Flask) -> None:
    """Remember the worker's app: tasks run outside a request use it."""
    global _worker_app
    _worker_app = app


def _in_app(function):
    """Run a task inside an application context: the caller's in immediate mode, else the worker's."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("a queued task ran outside a worker: start it with `flask --app app worker`")
        with _worker_app.app_context():
            return function(*args, **kwargs)

    return run


def task(**options):
    """Declare a queued task (Huey's options: retries, retry_delay, retry_backoff, context, ...)."""

    def decorate(function):
        return queue.task(name=_name(function), **options)(_in_app(function))

    return decorate


def periodic(schedule, **options):
    """Declare a task the worker runs on a schedule (a huey.crontab)."""

    def decorate(function):
        return queue.periodic_task(schedule, name=_name(function), **options)(_in_app(function))

    return decorate


def _name(function) -> str:
    """A task's name on the queue (Huey puts the module before it)."""
    return function.__qualname__


def engine():
    """The database engine of the app the task runs in."""
    return current_app.extensions["db_engine"]

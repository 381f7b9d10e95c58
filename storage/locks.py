"""Locks that one worker takes so that others skip the same work (a release, a round of reminders), across processes
and machines, and that go away with the process holding them: a worker killed mid-way leaves nothing to wait out.

PostgreSQL: a session advisory lock on a connection of its own, which the server drops when that connection ends.
SQLite (one machine): an exclusive lock on a file beside the database, which the system drops with the process.
A database in memory is one process's: a lock of that process.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

_in_memory: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def lock_key(name: str) -> int:
    """The advisory lock key (a signed 64-bit number) of a lock's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Take the lock `name` unless someone holds it: yields True (held until the block ends) or False (held
    elsewhere; the block should leave the work to its holder). Never waits."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            key = lock_key(name)
            held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
            connection.commit()  # the lock is the session's, not the transaction's
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _guard:
            lock = _in_memory.setdefault(name, threading.Lock())
        held = lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                lock.release()
        return
    with open(f"{database}.{name}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

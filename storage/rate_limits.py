"""Rate-limit counts kept in the app's database, which every worker and machine shares: a storage for the `limits`
library behind Flask-Limiter, named by the URI `database://`.

The fixed-window strategy counts each key (a limit and whom it counts, e.g. an address) in a window that opens at
the key's first hit and ends `expiry` seconds later. One upsert (INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING,
on PostgreSQL and on SQLite from 3.35) adds a hit and reads the count back in the same statement, so workers counting
the same key at once each see the others' hits. Whenever a window opens, the windows that have ended are deleted: an
indexed range delete, so the table holds about the live windows only.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app
from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from storage.tables import RateLimitWindow

STORAGE_URI = "database://"  # the app's own database (Flask-Limiter's RATELIMIT_STORAGE_URI)
KEY_LENGTH = 255  # keys up to RateLimitWindow.key's length are stored as they are, longer ones as their hash
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # the databases the app runs on
WINDOWS = RateLimitWindow.__table__


class DatabaseStorage(Storage):
    """Fixed-window counts in the RateLimitWindow table of `engine`, or of the current app's database: one limiter
    serves every app a process makes, each counting in its own database."""

    STORAGE_SCHEME = [STORAGE_URI.removesuffix("://")]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, engine: Engine | None = None,
                 **options) -> None:  # fmt: skip
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @property
    def engine(self) -> Engine:
        """The database the counts are kept in."""
        return self._engine or current_app.extensions["db_engine"]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits to the key's window, opening a new one of `expiry` seconds if it has none or it ended;
        the window's hits afterwards."""
        now = time.time()
        insert = UPSERTS[self.engine.dialect.name](WINDOWS)
        ended = WINDOWS.c.expires_at <= now
        upsert = insert.values(key=stored_key(key), expires_at=now + expiry, hits=amount).on_conflict_do_update(
            index_elements=[WINDOWS.c.key],
            set_={"hits": case((ended, insert.excluded.hits), else_=WINDOWS.c.hits + insert.excluded.hits),
                  "expires_at": case((ended, insert.excluded.expires_at), else_=WINDOWS.c.expires_at)},
        ).returning(WINDOWS.c.hits)  # fmt: skip
        with self.engine.begin() as connection:
            hits = connection.execute(upsert).scalar_one()
        if hits == amount:  # a window opened; its own transaction, so no two workers wait on each other's rows
            with self.engine.begin() as connection:
                connection.execute(delete(WINDOWS).where(WINDOWS.c.expires_at <= now))
        return hits

    def get(self, key: str) -> int:
        """The hits of the key's current window (0 if it has none)."""
        return self._current(key, WINDOWS.c.hits) or 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (now if it has none)."""
        return self._current(key, WINDOWS.c.expires_at) or time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; how many windows there were."""
        with self.engine.begin() as connection:
            return connection.execute(delete(WINDOWS)).rowcount

    def clear(self, key: str) -> None:
        """Forget the key's count."""
        with self.engine.begin() as connection:
            connection.execute(delete(WINDOWS).where(WINDOWS.c.key == stored_key(key)))

    def _current(self, key: str, column):
        """`column` of the key's window if it has not ended, else None."""
        query = select(column).where(WINDOWS.c.key == stored_key(key), WINDOWS.c.expires_at > time.time())
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()


def stored_key(key: str) -> str:
    """The key as stored: itself, or if longer than the column its SHA-256 (keys are addresses, user ids and
    endpoint names, far shorter, but a longer one must not fail the request)."""
    return key if len(key) <= KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()

"""Rate-limit counts in the database (storage/rate_limits.py), on SQLite and on PostgreSQL: hits made at once through
many connections are all counted, each seeing a count of its own; a window ends when it says; ended windows are
deleted when a new one opens; the `limits` library finds the storage by its URI and limits through it."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlmodel import Session, select

from storage import rate_limits
from storage.db import make_engine
from storage.rate_limits import KEY_LENGTH, DatabaseStorage
from storage.tables import RateLimitWindow

KEY = "LIMITER/203.0.113.7/accounts.sign_in/10/1/minute"  # as Flask-Limiter names a key
START = 1_800_000_000.0  # the test clock's start, in seconds since 1970


class Clock:
    """The time the storage reads, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def time(self) -> float:
        return self.now


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def counts(engine) -> DatabaseStorage:
    return DatabaseStorage(rate_limits.STORAGE_URI, engine=engine)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limits, "time", clock)
    return clock


def stored(engine) -> dict[str, tuple[float, int]]:
    """Every window in the table: key -> (end, hits)."""
    with Session(engine) as session:
        return {row.key: (row.expires_at, row.hits) for row in session.exec(select(RateLimitWindow))}


def test_hits_made_at_once_through_many_connections_are_each_counted_once(counts, engine):
    """The race a read-then-write would lose: 8 workers' connections hitting one key 25 times each at once."""
    threads, hits = 8, 25
    seen: list[int] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        for _ in range(hits):
            seen.append(counts.incr(KEY, 60))

    runners = [threading.Thread(target=worker) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    # 8 × 25 = 200 hits: every count from 1 to 200 seen exactly once, and 200 stored
    assert sorted(seen) == list(range(1, threads * hits + 1))
    assert counts.get(KEY) == threads * hits


def test_a_window_counts_until_it_ends_then_a_new_one_opens(counts, clock):
    assert [counts.incr(KEY, 60) for _ in range(3)] == [1, 2, 3]
    assert counts.incr(KEY, 60, amount=2) == 5
    assert counts.get_expiry(KEY) == START + 60  # the window opened at the first hit, for 60 s
    clock.now = START + 59.5
    assert counts.get(KEY) == 5 and counts.incr(KEY, 60) == 6  # a hit inside the window keeps its end
    assert counts.get_expiry(KEY) == START + 60
    clock.now = START + 60
    assert counts.get(KEY) == 0 and counts.get_expiry(KEY) == START + 60  # ended: nothing counted, ends "now"
    assert counts.incr(KEY, 60) == 1 and counts.get_expiry(KEY) == START + 120


def test_ended_windows_are_deleted_when_a_window_opens(counts, engine, clock):
    counts.incr("minute", 60)
    counts.incr("hour", 3600)
    clock.now = START + 61
    counts.incr("hour", 3600)  # a hit in a live window deletes nothing
    assert set(stored(engine)) == {"minute", "hour"}
    counts.incr("day", 86400)  # a window opens: the minute's, ended at START + 60, is deleted
    assert stored(engine) == {"hour": (START + 3600, 2), "day": (START + 61 + 86400, 1)}


def test_keys_longer_than_the_column_are_counted_apart_by_their_hash(counts, engine):
    long, longer = "k" * (KEY_LENGTH + 1), "k" * (KEY_LENGTH + 2)
    assert [counts.incr(long, 60), counts.incr(long, 60), counts.incr(longer, 60)] == [1, 2, 1]
    assert counts.get(long) == 2 and counts.get(longer) == 1
    assert all(len(key) <= KEY_LENGTH for key in stored(engine))


def test_clear_forgets_one_key_and_reset_every_key(counts, engine):
    counts.incr("a", 60)
    counts.incr("a", 60)
    counts.incr("b", 60)
    counts.clear("a")
    assert counts.get("a") == 0 and counts.get("b") == 1
    assert counts.reset() == 1 and stored(engine) == {}


@pytest.mark.parametrize("url", ["sqlite:////no-such-folder/imready.db", "postgresql+psycopg://postgres@127.0.0.1:1/x"])
def test_check_says_whether_the_database_answers(counts, url):
    assert counts.check()
    unreachable = make_engine(url)
    try:
        assert not DatabaseStorage(rate_limits.STORAGE_URI, engine=unreachable).check()
    finally:
        unreachable.dispose()


def test_the_fixed_window_strategy_limits_through_the_storage_its_uri_names(engine):
    storage = storage_from_string("database://", engine=engine)
    assert isinstance(storage, DatabaseStorage)
    limiter, limit = FixedWindowRateLimiter(storage), parse("2 per minute")
    # 2 hits allowed from 203.0.113.7, the third refused; another address counts apart
    assert [limiter.hit(limit, "203.0.113.7") for _ in range(3)] == [True, True, False]
    assert limiter.hit(limit, "198.51.100.1") and not limiter.test(limit, "203.0.113.7")
    assert limiter.get_window_stats(limit, "203.0.113.7").remaining == 0

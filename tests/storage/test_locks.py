"""The locks that let one worker do a piece of work while the others skip it (storage/locks.py), on the real
database of either engine: held once at a time, and gone with a holder that is killed, so that a worker dying
mid-release never blocks the next one. And the jobs that take them run on the queue's real storage (the queue's
own locks worked only in memory: on SQLite and PostgreSQL they refused to be taken at all)."""

from __future__ import annotations

import subprocess
import sys
import time

from sqlmodel import Session

from factories import ROOT
from jobs import campaigns as campaign_jobs
from jobs import releases as release_jobs
from storage.db import make_engine
from storage.locks import exclusive
from storage.releases import releases

HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from storage.db import make_engine
from storage.locks import exclusive
with exclusive(make_engine({url!r}), "work") as held:
    print("held" if held else "refused", flush=True)
    time.sleep(600)
"""


def test_a_lock_is_held_once_at_a_time_and_free_again_after(database_url):
    engine = make_engine(database_url)
    with exclusive(engine, "work") as first:
        with exclusive(engine, "work") as second, exclusive(engine, "other work") as other:
            assert (first, second, other) == (True, False, True)
    with exclusive(engine, "work") as again:
        assert again
    engine.dispose()


def test_a_holder_that_is_killed_leaves_no_lock_behind(database_url):
    engine = make_engine(database_url)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), url=database_url)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with exclusive(engine, "work") as held:
            assert not held  # another process holds it
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    deadline = time.monotonic() + 30
    while True:  # the database notices the dead holder's connection go (PostgreSQL) at once or nearly
        with exclusive(engine, "work") as held:
            if held or time.monotonic() > deadline:
                break
        time.sleep(0.2)
    assert held
    engine.dispose()


def test_the_worker_publishes_a_release_and_sends_reminders_on_the_real_queue_storage(queued_app):
    with queued_app.app_context():
        release_jobs.publish.call_local("administrator")
        campaign_jobs.send_reminders.call_local()  # no campaign runs: nothing to send, and no error
        with Session(queued_app.extensions["db_engine"]) as session:
            assert [release.trigger for release in releases(session=session)] == ["administrator"]
        # while another worker makes a release, this one skips its own
        with exclusive(queued_app.extensions["db_engine"], release_jobs.RELEASE_LOCK):
            release_jobs.publish.call_local("administrator")
        with Session(queued_app.extensions["db_engine"]) as session:
            assert len(releases(session=session)) == 1

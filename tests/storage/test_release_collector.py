"""A release pauses Python's cycle collector while it is made (storage/releases.py, for speed) and always leaves
it as it found it: running afterwards, even when the release fails, and paused if a caller had paused it."""

from __future__ import annotations

import gc

import pytest

import storage.releases as releases
from factories import on_demo_population
from storage.releases import make_release

K = 5


@pytest.fixture
def collector():
    """The collector's state restored after the test, whatever the test did to it."""
    running = gc.isenabled()
    yield
    if running:
        gc.enable()
    else:
        gc.disable()


@on_demo_population(60, seed=3)
def test_the_collector_runs_again_after_a_release(app, db, collector, monkeypatch):
    seen = []
    real = releases._make_release

    def watched(**options):  # the real release, noting whether the collector runs while it is made
        seen.append(gc.isenabled())
        return real(**options)

    monkeypatch.setattr(releases, "_make_release", watched)
    release = make_release(session=db, catalog=app.extensions["questionnaires"], k=K)
    assert release.cells > 0
    assert seen and not any(seen)  # paused while the release was made
    assert gc.isenabled()


@on_demo_population(60, seed=3)
def test_the_collector_runs_again_after_a_failed_release(app, db, collector):
    with pytest.raises(AttributeError):
        make_release(session=db, catalog=None, k=K)  # no catalog to read the entries' questionnaires: it fails
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(app, db, collector):
    gc.disable()
    make_release(session=db, catalog=app.extensions["questionnaires"], k=K)
    assert not gc.isenabled()

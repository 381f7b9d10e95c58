"""The queue's tests share an app on the real queue storage (factories.drain runs what waits on it)."""

from __future__ import annotations

import pytest

from factories import make_app
from jobs.queue import queue


@pytest.fixture
def queued_app(database_url, tmp_path):
    """The app with a real queue (not run at once), on this test's own database; the queue put back after."""
    app = make_app(database_url, tmp_path / "instance", QUEUE_IMMEDIATE=False)
    yield app
    queue.storage.close()
    queue.configure(None)
    app.extensions["db_engine"].dispose()


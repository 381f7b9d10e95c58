"""Benchmark entries recorded on the queue: the survey's submit button returns with the enterprise's own result,
and its entry (what the next release counts) is recorded by the worker right after."""

from __future__ import annotations

import logging

from flask import current_app
from sqlmodel import Session

from jobs.queue import engine, task
from storage.statistics import record_submitted

log = logging.getLogger(__name__)


# Retried: an entry lost to a passing database fault would leave the submission out of every release.
@task(retries=5, retry_delay=30)
def record_entry(assessment_id: int, trust: str) -> None:
    """Make a submitted assessment its enterprise's benchmark entry for the period (unless a later one is)."""
    with Session(engine(), expire_on_commit=False) as session:
        record_submitted(session=session, catalog=current_app.extensions["questionnaires"],
                         assessment_id=assessment_id, trust=trust)


def queue_entry(assessment_id: int, trust: str) -> None:
    """Put the recording of a submission's entry on the queue; record it at once if the queue cannot take it (a
    submission must never be left out of the statistics)."""
    try:
        record_entry(assessment_id, trust)
    except Exception:
        log.warning("the queue did not take the entry of assessment %s; recorded at once", assessment_id,
                    exc_info=True)
        record_entry.call_local(assessment_id, trust)

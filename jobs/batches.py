"""Report batches on the queue: each run claims its batch, records every report as it goes, and a batch whose run
stops moving (its worker killed or replaced) is put back on the queue and resumed from the first report not done."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app
from huey import crontab
from sqlmodel import Session

from jobs.queue import engine, periodic, task
from reports.batch import STALLED_AFTER, BatchWriteError, ClaimLost, claim, run_batch, stalled
from storage.tables import ReportBatch, utcnow

log = logging.getLogger(__name__)


def start(batch_id: int) -> None:
    """Put a recorded batch on the queue."""
    run(batch_id)


@task()
def run(batch_id: int) -> None:
    """Claim the batch and render what is left of it; nothing if another run holds it or it is finished."""
    runner = uuid.uuid4().hex
    with Session(engine(), expire_on_commit=False) as session:
        batch = claim(session=session, batch_id=batch_id, runner=runner, stalled_after=_stalled_after())
        if batch is None:
            return
        try:
            run_batch(session=session, catalog=current_app.extensions["questionnaires"], batch=batch,
                      folder=Path(current_app.instance_path) / "reports", runner=runner)  # fmt: skip
        except ClaimLost:
            log.warning("report batch %s was taken over by another run", batch_id)
        except BatchWriteError:  # already recorded as failed, with the reason
            log.exception("report batch %s could not be written", batch_id)
        except Exception:
            log.exception("report batch %s failed", batch_id)
            session.rollback()
            batch = session.get(ReportBatch, batch_id)
            batch.status, batch.error, batch.claimed_by, batch.finished_at = "failed", "unexpected", "", utcnow()
            session.add(batch)
            session.commit()


@periodic(crontab(minute="*"))
def resume_stalled() -> None:
    """Every minute: put back on the queue each batch whose run has stopped moving, or that never started."""
    with Session(engine(), expire_on_commit=False) as session:
        for batch_id in stalled(session=session, stalled_after=_stalled_after()):
            log.warning("report batch %s stalled: queued again", batch_id)
            run(batch_id)


def _stalled_after() -> timedelta:
    """How long a run may go without progress before another takes over (REPORT_BATCH_STALLED_SECONDS shortens it
    for tests that kill a worker)."""
    seconds = current_app.config.get("REPORT_BATCH_STALLED_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else STALLED_AFTER

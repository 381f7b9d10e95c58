"""Agencies' regional reports on the queue: the request records what to print and returns; a worker prints the PDF
into the instance folder, where only the user who asked may fetch it."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import current_app
from huey import crontab
from sqlalchemy import func, update
from sqlmodel import Session, select

from assessment.regional.comparison import Selection
from jobs.queue import engine, periodic, task
from reports.regional_report import print_queued, selection_to_json
from storage.tables import RegionalReportJob, utcnow

log = logging.getLogger(__name__)

# An analyst waits for a report or two; more unfinished ones from one user would only fill the workers' queue (a page
# elsewhere could otherwise make a signed-in analyst's browser ask again and again).
OPEN_PER_USER = 3
# The largest regional report (all 370 regions, in Chinese) prints in under a minute; a run silent for this long has
# lost its worker.
STALLED_AFTER = timedelta(minutes=10)
# Printed reports are kept a week for their owner to download, then deleted: they hold the agency's working figures,
# and the page can print them again at any time.
KEPT_FOR = timedelta(days=7)
UNFINISHED = ("queued", "running")


def open_reports(*, session: Session, user_id: int) -> int:
    """How many of the user's regional reports are waiting or printing."""
    return session.exec(select(func.count()).select_from(RegionalReportJob).where(
        RegionalReportJob.user_id == user_id, RegionalReportJob.status.in_(UNFINISHED))).one()  # fmt: skip


def queue_report(*, session: Session, user_id: int, selection: Selection, language: str, jurisdiction: str | None,
                 verified_only: bool, weighted: bool) -> RegionalReportJob:  # fmt: skip
    """Record a regional report to print and put it on the queue."""
    job = RegionalReportJob(user_id=user_id, language=language, selection=selection_to_json(selection),
                            jurisdiction=jurisdiction, verified_only=verified_only, weighted=weighted)  # fmt: skip
    session.add(job)
    session.commit()
    session.refresh(job)
    run(job.id)
    return job


def folder() -> Path:
    """Where printed regional reports are kept."""
    return Path(current_app.instance_path) / "regional-reports"


@task()
def run(job_id: int) -> None:
    """Print a queued regional report; nothing if another run took it already."""
    with Session(engine(), expire_on_commit=False) as session:
        taken = session.execute(update(RegionalReportJob)
                                .where(RegionalReportJob.id == job_id, RegionalReportJob.status == "queued")
                                .values(status="running", started_at=utcnow())).rowcount  # fmt: skip
        session.commit()
        job = session.get(RegionalReportJob, job_id)
        if not taken or job is None:
            return
        try:
            pdf, name = print_queued(session=session, catalog=current_app.extensions["questionnaires"], job=job,
                                     k=current_app.config["BENCHMARK_MIN_GROUP"],
                                     browser=current_app.config["CHROMIUM_PATH"])  # fmt: skip
            path = folder() / f"regional-report-{job.id}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")  # a run killed mid-write leaves no half file
            temporary.write_bytes(pdf)
            os.replace(temporary, path)
            job.status, job.path, job.file_name = "done", str(path), name
        except Exception:
            log.exception("regional report %s failed", job_id)
            session.rollback()
            job = session.get(RegionalReportJob, job_id)
            job.status = "failed"
        job.finished_at = utcnow()
        session.add(job)
        session.commit()


@periodic(crontab(minute="*/5"))
def tidy() -> None:
    """Every five minutes: a run silent past STALLED_AFTER is marked failed (its worker died), and the PDFs of reports
    finished before KEPT_FOR are deleted."""
    now = utcnow()
    with Session(engine()) as session:
        stalled = session.exec(select(RegionalReportJob).where(RegionalReportJob.status == "running",
                                                               RegionalReportJob.started_at < now - STALLED_AFTER))
        for job in stalled:
            log.warning("regional report %s stalled: marked failed", job.id)
            job.status, job.finished_at = "failed", now
            session.add(job)
        old = session.exec(select(RegionalReportJob).where(RegionalReportJob.status == "done",
                                                           RegionalReportJob.finished_at < now - KEPT_FOR))
        for job in old:
            if job.path:  # Path("") is the working folder
                Path(job.path).unlink(missing_ok=True)
            job.status, job.path = "expired", ""
            session.add(job)
        session.commit()

"""Agencies' regional reports on the queue: the request records what to print and returns; a worker prints the PDF
into the instance folder, where only the user who asked may fetch it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlmodel import Session

from assessment.regional.comparison import Selection
from jobs.queue import engine, task
from reports.regional_report import print_queued, selection_to_json
from storage.tables import RegionalReportJob, utcnow

log = logging.getLogger(__name__)


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
                                .values(status="running")).rowcount  # fmt: skip
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

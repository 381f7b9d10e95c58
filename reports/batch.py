"""Enterprise reports in batches: many assessments rendered one after another into one ZIP.

A batch is a row of `ReportBatch`: which assessments, the language, the plan settings and the branding. `run_batch`
renders them in order, writes each PDF into the ZIP as soon as it is ready, and records its progress after every
report, so a page can show a progress bar and the command line a running count. A report that fails is listed
with its reason, in the batch and in the ZIP's `failed.txt`, and the others go on.

The web app runs batches on one background thread per process (`submit`); `flask reports batch` runs one in the
foreground.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session, select

from assessment.roadmap import Settings, Target
from assessment.scoring import Result
from reports.enterprise_report import Branding, gather, render_report
from storage.tables import Assessment, Enterprise, ReportBatch

log = logging.getLogger(__name__)
Progress = Callable[[ReportBatch, str, str | None], None]  # batch, enterprise name, error or None


def settings_to_json(settings: Settings) -> dict:
    """Plan settings as stored with a batch."""
    return {
        "target": str(settings.default),
        "targets": {dimension: str(target) for dimension, target in settings.targets.items()},
        "goals": sorted(settings.goals),
    }


def settings_from_json(data: dict) -> Settings:
    """Plan settings stored with a batch."""
    return Settings(
        default=Target.parse(data.get("target", "next_level")),
        targets={dimension: Target.parse(text) for dimension, text in data.get("targets", {}).items()},
        goals=frozenset(data.get("goals", [])),
    )


def create_batch(
    *, session: Session, assessment_ids: list[int], language: str, settings: Settings, branding: Branding,
    user_id: int | None = None,
) -> ReportBatch:
    """Record a batch to run."""
    batch = ReportBatch(
        user_id=user_id,
        language=language,
        settings=settings_to_json(settings),
        brand_name=branding.name,
        brand_colour=branding.colour,
        assessment_ids=list(assessment_ids),
    )
    session.add(batch)
    session.commit()
    session.refresh(batch)
    return batch


def file_name(enterprise: Enterprise | None, assessment_id: int, language: str) -> str:
    """A report's name in the ZIP: the assessment id and the enterprise's name, safe on every file system."""
    name = re.sub(r"[^\w.-]+", "-", enterprise.name if enterprise else "unknown", flags=re.UNICODE).strip("-")
    return f"{assessment_id:06d}-{name[:60] or 'enterprise'}-{language}.pdf"


# Why a batch's ZIP could not be written, by the code stored in `ReportBatch.error` (for the command line; pages say
# it translated, as they do the other codes "unexpected" and "interrupted": web/batches.py).
WRITE_ERRORS = {
    "disk_full": "The disk is full: the ZIP could not be written and nothing was kept. Free some space on the server, "
                 "or ask for fewer reports, and start the batch again.",
    "write": "The ZIP could not be written ({reason}); nothing was kept. Start the batch again.",
}
# A running batch records its progress after every report, which takes seconds; one that has not moved for this
# long was running in a process that has gone (a restarted or replaced worker).
STALLED_AFTER = timedelta(minutes=10)


def mark_if_interrupted(*, session: Session, batch: ReportBatch, now: datetime | None = None) -> ReportBatch:
    """Mark a running batch that stopped moving as failed ("interrupted"), so that nobody waits for it forever."""
    moved = batch.updated_at or batch.created_at
    if moved is not None and moved.tzinfo is None:
        moved = moved.replace(tzinfo=UTC)  # SQLite gives back naive times; they are stored in UTC
    if batch.status == "running" and moved is not None and (now or datetime.now(UTC)) - moved > STALLED_AFTER:
        batch.status, batch.error, batch.finished_at = "failed", "interrupted", now or datetime.now(UTC)
        session.add(batch)
        session.commit()
    return batch


class BatchWriteError(OSError):
    """The batch's ZIP could not be written (the disk is full, or the folder cannot be written to)."""


def run_batch(*, session: Session, catalog, batch: ReportBatch, folder: Path, progress: Progress | None = None,
              logo: bytes | None = None) -> ReportBatch:  # fmt: skip
    """Render every report of a batch into `folder`/batch-<id>.zip; return the finished batch.

    The ZIP is written under a temporary name and renamed once complete, so a ZIP that could not be written whole
    (a full disk) is never offered: the batch is marked failed with the reason, the partial file removed, and
    `BatchWriteError` raised."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"batch-{batch.id}.zip"
    partial_path = folder / f"batch-{batch.id}.zip.part"
    settings = settings_from_json(batch.settings)
    branding = Branding(batch.brand_name, batch.brand_colour, logo)
    batch.status, batch.path, batch.done, batch.failures, batch.error = "running", "", 0, [], ""
    batch.updated_at = datetime.now(UTC)
    session.add(batch)
    session.commit()
    failures = []
    try:
        with zipfile.ZipFile(partial_path, "w", compression=zipfile.ZIP_STORED) as archive:
            for assessment_id in batch.assessment_ids:
                enterprise, error, rendered = None, None, None
                try:
                    assessment = session.get(Assessment, assessment_id)
                    if assessment is None or assessment.status != "submitted":
                        raise LookupError("no submitted assessment with this id")
                    enterprise = session.get(Enterprise, assessment.enterprise_id)
                    rendered = _render_one(session=session, catalog=catalog, assessment=assessment,
                                           language=batch.language, settings=settings, branding=branding)  # fmt: skip
                except Exception as failure:  # noqa: BLE001 - one broken report must not stop the batch
                    session.rollback()
                    log.exception("report of assessment %s failed", assessment_id)
                    error = f"{type(failure).__name__}: {failure}"
                    failures.append({"id": assessment_id, "name": enterprise.name if enterprise else "",
                                     "error": error})  # fmt: skip
                if rendered is not None:  # outside the report's own failures: a full disk ends the batch
                    archive.writestr(file_name(enterprise, assessment_id, batch.language), rendered)
                batch.done += 1
                batch.failures = list(failures)
                batch.updated_at = datetime.now(UTC)
                session.add(batch)
                session.commit()
                if progress:
                    progress(batch, enterprise.name if enterprise else str(assessment_id), error)
            if failures:
                lines = [f"{item['id']}\t{item['name']}\t{item['error']}" for item in failures]
                archive.writestr("failed.txt", "assessment\tenterprise\treason\n" + "\n".join(lines) + "\n")
        os.replace(partial_path, path)
    except OSError as error:
        partial_path.unlink(missing_ok=True)
        session.rollback()
        batch.status, batch.error = "failed", "disk_full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "write"
        batch.finished_at = datetime.now(UTC)
        session.add(batch)
        session.commit()
        raise BatchWriteError(error.errno, WRITE_ERRORS[batch.error].format(reason=error.strerror or error)) from error
    batch.status, batch.path = "done", str(path)
    batch.finished_at = datetime.now(UTC)
    session.add(batch)
    session.commit()
    return batch


def _render_one(*, session: Session, catalog, assessment: Assessment, language: str, settings: Settings,
                branding: Branding) -> bytes:  # fmt: skip
    """One submitted assessment's report as PDF bytes."""
    questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
    if questionnaire is None:
        raise LookupError(f"questionnaire {assessment.questionnaire_id} is not installed")
    result = Result.from_dict(questionnaire, assessment.result)
    data = gather(session=session, catalog=catalog, assessment=assessment, settings=settings, result=result)
    return render_report(data, language, branding).pdf


_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-batch")


def submit(app: Flask, batch_id: int, logo: bytes | None = None):
    """Run a batch on the process's background thread; returns the future."""
    return _executor.submit(_run_in_app, app, batch_id, logo)


def _run_in_app(app: Flask, batch_id: int, logo: bytes | None) -> None:
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        batch = session.get(ReportBatch, batch_id)
        try:
            run_batch(session=session, catalog=app.extensions["questionnaires"], batch=batch,
                      folder=Path(app.instance_path) / "reports", logo=logo)  # fmt: skip
        except BatchWriteError:  # already recorded as failed, with the reason
            log.exception("report batch %s could not be written", batch_id)
        except Exception:
            log.exception("report batch %s failed", batch_id)
            session.rollback()
            batch = session.get(ReportBatch, batch_id)
            batch.status, batch.error = "failed", "unexpected"
            session.add(batch)
            session.commit()


def latest_assessments(*, session: Session, questionnaire_id: str, region_prefix: str = "", name: str = "",
                       limit: int = 200, consultant_id: int | None = None,
                       ) -> tuple[list[tuple[Assessment, Enterprise]], int]:  # fmt: skip
    """Each enterprise's latest submitted assessment of a questionnaire, filtered by region and name; with the count
    of all matches (the list holds at most `limit`)."""
    query = (
        select(Assessment, Enterprise)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(Assessment.questionnaire_id == questionnaire_id, Assessment.status == "submitted")
        .order_by(Enterprise.name, Assessment.submitted_at.desc(), Assessment.id.desc())
    )
    if region_prefix:
        query = query.where(Enterprise.region_code.startswith(region_prefix))
    if name:
        query = query.where(Enterprise.name.contains(name))
    if consultant_id is not None:
        query = query.where(Enterprise.consultant_id == consultant_id)
    latest, seen = [], set()
    for assessment, enterprise in session.exec(query):
        if enterprise.id not in seen:
            seen.add(enterprise.id)
            latest.append((assessment, enterprise))
    return latest[:limit], len(latest)

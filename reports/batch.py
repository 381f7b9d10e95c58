"""Enterprise reports in batches: many assessments rendered one after another into one ZIP.

A batch is a row of `ReportBatch`: which assessments, the language, the plan settings and the branding. `run_batch`
renders them in order, writes each PDF into the ZIP as soon as it is ready, and records its progress after every
report, so a page can show a progress bar and the command line a running count. A report that fails is listed
with its reason, in the batch and in the ZIP's `failed.txt`, and the others go on. The next report's charts are
drawn by the browser while the current one prints.

The web app puts batches on the queue (jobs/batches.py), where a worker claims each and another resumes it if that
worker dies; `flask reports batch` runs one in the foreground.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from assessment.roadmap import Settings, Target
from assessment.scoring import Result
from reports.enterprise_report import Branding, ReportData, gather, render_report, start_report_charts
from reports.pdf import PendingCharts
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
        brand_logo=branding.logo,
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
# long was running in a worker that has gone (killed, restarted, replaced), and another run takes it over.
STALLED_AFTER = timedelta(minutes=3)
# A batch whose runs keep ending mid-way (a report that kills its worker each time) is given up after this many.
MAX_RUNS = 3


class BatchWriteError(OSError):
    """The batch's ZIP could not be written (the disk is full, or the folder cannot be written to)."""


class ClaimLost(RuntimeError):
    """Another run took the batch over (this one had stalled): this run stops without touching it."""


def claim(*, session: Session, batch_id: int, runner: str, now: datetime | None = None,
          stalled_after: timedelta = STALLED_AFTER) -> ReportBatch | None:  # fmt: skip
    """Take a queued batch, or a running one that stalled, for `runner`; None when another run holds it or it is
    finished. A batch started MAX_RUNS times already is marked failed ("interrupted") instead."""
    now = now or datetime.now(UTC)
    taken = session.execute(
        update(ReportBatch)
        .where(ReportBatch.id == batch_id, ReportBatch.status.in_(("queued", "running")),
               or_(ReportBatch.claimed_by == "", ReportBatch.updated_at.is_(None),
                   ReportBatch.updated_at < now - stalled_after))
        .values(claimed_by=runner, status="running", updated_at=now, runs=ReportBatch.runs + 1)
    ).rowcount
    session.commit()
    batch = session.get(ReportBatch, batch_id)
    if not taken or batch is None:
        return None
    session.refresh(batch)
    if batch.runs > MAX_RUNS:
        batch.status, batch.error, batch.finished_at, batch.claimed_by = "failed", "interrupted", now, ""
        session.add(batch)
        session.commit()
        return None
    return batch


def stalled(*, session: Session, now: datetime | None = None, stalled_after: timedelta = STALLED_AFTER) -> list[int]:
    """Batches waiting or running that have not moved for `stalled_after`: their run is lost (or never queued)."""
    now = now or datetime.now(UTC)
    return list(session.exec(select(ReportBatch.id).where(
        ReportBatch.status.in_(("queued", "running")),
        or_(ReportBatch.updated_at < now - stalled_after,
            and_(ReportBatch.updated_at.is_(None), ReportBatch.created_at < now - stalled_after)),
    )))


def run_batch(*, session: Session, catalog, batch: ReportBatch, folder: Path, progress: Progress | None = None,
              runner: str = "") -> ReportBatch:  # fmt: skip
    """Render every report of a batch into `folder`/batch-<id>.zip; return the finished batch.

    Each report is kept in `folder`/batch-<id>/ as soon as it is rendered, and the progress recorded, so a run that
    ends mid-way (its worker killed) is resumed by the next from the first report not done. With `runner` (a queued
    run that claimed the batch), every step checks the batch is still this run's and raises `ClaimLost` if another
    took it over. The ZIP is written under a temporary name and renamed once complete, so a ZIP that could not be
    written whole (a full disk) is never offered: the batch is marked failed with the reason, the partial files
    removed, and `BatchWriteError` raised."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"batch-{batch.id}.zip"
    partial_path = folder / f"batch-{batch.id}.zip.part"
    parts = folder / f"batch-{batch.id}"
    settings = settings_from_json(batch.settings)
    branding = Branding(batch.brand_name, batch.brand_colour, batch.brand_logo)
    if not runner:  # run in the foreground (the command line): from the start
        batch.status, batch.done, batch.failures = "running", 0, []
    batch.path, batch.error, batch.updated_at = "", "", datetime.now(UTC)
    _save(session, batch, runner)
    failures = list(batch.failures)
    try:
        parts.mkdir(exist_ok=True)
        todo = batch.assessment_ids[batch.done:]
        upcoming = _prepare(session=session, catalog=catalog, assessment_id=todo[0], language=batch.language,
                            settings=settings) if todo else None  # fmt: skip
        for position, assessment_id in enumerate(todo):
            current, error = upcoming, None
            enterprise = current.enterprise
            # the next report's charts are drawn while this one prints
            upcoming = _prepare(session=session, catalog=catalog, assessment_id=todo[position + 1],
                                language=batch.language, settings=settings) if position + 1 < len(todo) else None
            try:
                if current.problem is not None:
                    raise current.problem
                rendered = render_report(current.data, batch.language, branding, pending=current.charts).pdf
            except Exception as failure:  # noqa: BLE001 - one broken report must not stop the batch
                session.rollback()
                log.error("report of assessment %s failed", assessment_id, exc_info=failure)
                error = f"{type(failure).__name__}: {failure}"
                failures.append({"id": assessment_id, "name": enterprise.name if enterprise else "",
                                 "error": error})  # fmt: skip
            else:  # outside the report's own failures: a full disk ends the batch
                _write_whole(parts / file_name(enterprise, assessment_id, batch.language), rendered)
            batch.done += 1
            batch.failures = list(failures)
            batch.updated_at = datetime.now(UTC)
            _save(session, batch, runner)
            if progress:
                progress(batch, enterprise.name if enterprise else str(assessment_id), error)
        _zip(parts, partial_path, batch, failures)
        os.replace(partial_path, path)
        shutil.rmtree(parts, ignore_errors=True)
    except OSError as error:
        partial_path.unlink(missing_ok=True)
        shutil.rmtree(parts, ignore_errors=True)
        session.rollback()
        batch.status, batch.error = "failed", "disk_full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "write"
        batch.finished_at = datetime.now(UTC)
        _save(session, batch, runner)
        raise BatchWriteError(error.errno, WRITE_ERRORS[batch.error].format(reason=error.strerror or error)) from error
    batch.status, batch.path, batch.claimed_by = "done", str(path), ""
    batch.finished_at = datetime.now(UTC)
    _save(session, batch, runner)
    return batch


def _save(session: Session, batch: ReportBatch, runner: str) -> None:
    """Commit the batch's progress; with a runner, only while the batch is still that run's."""
    if runner:
        holder = session.execute(select(ReportBatch.claimed_by).where(ReportBatch.id == batch.id)
                                 .execution_options(populate_existing=True)).scalar_one_or_none()  # fmt: skip
        if holder not in (runner, ""):
            session.rollback()
            raise ClaimLost(f"report batch {batch.id} was taken over by another run")
    session.add(batch)
    session.commit()


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file under a temporary name and rename it: a run killed mid-write leaves no half file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _zip(parts: Path, path: Path, batch: ReportBatch, failures: list[dict]) -> None:
    """The batch's ZIP from the reports kept in `parts`, in the batch's order, with `failed.txt` if any failed."""
    by_id = {int(name.name[:6]): name for name in parts.glob("*.pdf")}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for assessment_id in batch.assessment_ids:
            if assessment_id in by_id:
                archive.write(by_id[assessment_id], by_id[assessment_id].name)
        if failures:
            lines = [f"{item['id']}\t{item['name']}\t{item['error']}" for item in failures]
            archive.writestr("failed.txt", "assessment\tenterprise\treason\n" + "\n".join(lines) + "\n")


@dataclass(frozen=True)
class Prepared:
    """One report of a batch made ready to print: its data and its charts started, or the problem that stops it."""

    enterprise: Enterprise | None
    data: ReportData | None = None
    charts: PendingCharts | None = None
    problem: Exception | None = None


def _prepare(*, session: Session, catalog, assessment_id: int, language: str, settings: Settings) -> Prepared:
    """Gather a submitted assessment's report and start drawing its charts; a problem is kept for its turn."""
    enterprise = None
    try:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None or assessment.status != "submitted":
            raise LookupError("no submitted assessment with this id")
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
        if questionnaire is None:
            raise LookupError(f"questionnaire {assessment.questionnaire_id} is not installed")
        result = Result.from_dict(questionnaire, assessment.result)
        data = gather(session=session, catalog=catalog, assessment=assessment, settings=settings, result=result)
        return Prepared(enterprise, data, start_report_charts(data, language))
    except Exception as problem:  # noqa: BLE001 - reported as the report's failure when its turn comes
        session.rollback()
        return Prepared(enterprise, problem=problem)


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

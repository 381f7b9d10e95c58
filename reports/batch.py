"""Enterprise reports in batches: many assessments rendered one after another into one ZIP.

A batch is a row of `ReportBatch`: which assessments, the language, the plan settings and the branding. `run_batch`
renders them in order, writes each PDF into the ZIP as soon as it is ready, and records its progress after every
report, so a page can show a progress bar and the command line a running count. A report that fails is listed
with its reason, in the batch and in the ZIP's `failed.txt`, and the others go on.

The web app runs batches on one background thread per process (`submit`); `flask reports batch` runs one in the
foreground.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlmodel import Session, select

from assessment.models import Assessment, Enterprise, ReportBatch
from assessment.roadmap import Settings, Target
from assessment.web.results import result_from_json
from reports.enterprise_report import Branding, gather, render_report

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


def run_batch(*, session: Session, catalog, batch: ReportBatch, folder: Path, progress: Progress | None = None,
              logo: bytes | None = None) -> ReportBatch:  # fmt: skip
    """Render every report of a batch into `folder`/batch-<id>.zip; return the finished batch."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"batch-{batch.id}.zip"
    settings = settings_from_json(batch.settings)
    branding = Branding(batch.brand_name, batch.brand_colour, logo)
    batch.status, batch.path, batch.done, batch.failures = "running", str(path), 0, []
    session.add(batch)
    session.commit()
    failures = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for assessment_id in batch.assessment_ids:
            enterprise, error = None, None
            try:
                assessment = session.get(Assessment, assessment_id)
                if assessment is None or assessment.status != "submitted":
                    raise LookupError("no submitted assessment with this id")
                enterprise = session.get(Enterprise, assessment.enterprise_id)
                questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
                if questionnaire is None:
                    raise LookupError(f"questionnaire {assessment.questionnaire_id} is not installed")
                result = result_from_json(questionnaire, assessment.result)
                data = gather(session=session, catalog=catalog, assessment=assessment, settings=settings,
                              result=result)  # fmt: skip
                rendered = render_report(data, batch.language, branding)
                archive.writestr(file_name(enterprise, assessment_id, batch.language), rendered.pdf)
            except Exception as failure:  # noqa: BLE001 - one broken report must not stop the batch
                session.rollback()
                log.exception("report of assessment %s failed", assessment_id)
                error = f"{type(failure).__name__}: {failure}"
                failures.append({"id": assessment_id, "name": enterprise.name if enterprise else "", "error": error})
            batch.done += 1
            batch.failures = list(failures)
            session.add(batch)
            session.commit()
            if progress:
                progress(batch, enterprise.name if enterprise else str(assessment_id), error)
        if failures:
            lines = [f"{item['id']}\t{item['name']}\t{item['error']}" for item in failures]
            archive.writestr("failed.txt", "assessment\tenterprise\treason\n" + "\n".join(lines) + "\n")
    batch.status = "done"
    batch.finished_at = datetime.now(UTC)
    session.add(batch)
    session.commit()
    return batch


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
        except Exception:  # the ZIP could not be written at all
            log.exception("report batch %s failed", batch_id)
            session.rollback()
            batch = session.get(ReportBatch, batch_id)
            batch.status = "failed"
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

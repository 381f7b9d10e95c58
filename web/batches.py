"""Report batches for consultants and administrators: pick enterprises, render their reports in the background,
watch the progress bar, download one ZIP. A consultant picks among its clients and sees its own batches only.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from assessment.classifications import load_regions
from jobs import batches as jobs_batches
from questionnaires.vocabulary import GOALS
from reports.batch import create_batch, latest_assessments
from reports.enterprise_report import GOAL_NAMES, Branding, BrandingError
from storage.db import get_session, parse_id
from storage.tables import Assessment, Enterprise, ReportBatch
from web.access import record, role_required
from web.catalog import get_catalog
from web.i18n import current_language
from web.report_settings import ReportForm, logo_upload, saved_branding, saved_logo, settings_from, target_choices

bp = Blueprint("batches", __name__, url_prefix="/reports")
MAX_NAME = 200  # the longest enterprise name (Enterprise.name)


@bp.route("/batches", methods=["GET", "POST"])
@role_required("consultant", "admin")
def index():
    """Choose enterprises (by questionnaire, province and name) and start a batch; list earlier batches."""
    lang = current_language()
    catalog = get_catalog()
    questionnaires = [catalog.get(qid) for qid in catalog.ids()]
    values = request.form if request.method == "POST" else request.args
    db = get_session()
    used = set(db.exec(select(Assessment.questionnaire_id).where(Assessment.status == "submitted").distinct()))
    default = next((q for q in questionnaires if q.id in used), questionnaires[0])
    chosen = catalog.get(values.get("q", "")) or default
    region = values.get("region", "")
    name = values.get("name", "").strip()
    prefix = _region_prefix(region)
    consultant = current_user.id if current_user.role == "consultant" else None
    settings, problems = settings_from(values, chosen)
    if len(name) > MAX_NAME:  # no enterprise's name is longer (and SQLite refuses so long a pattern)
        problems.append(_("Name: at most %(count)s characters; no enterprise has a longer name.", count=MAX_NAME))
        rows, total = [], 0
    else:
        rows, total = latest_assessments(session=db, questionnaire_id=chosen.id, region_prefix=prefix, name=name,
                                         consultant_id=consultant)  # fmt: skip
    form = ReportForm(language=lang, **saved_branding())
    offered = {assessment.id for assessment, _enterprise in rows}
    selected = [parse_id(v) for v in request.form.getlist("assessment") if parse_id(v) in offered]
    if request.method == "POST" and form.validate():
        logo = logo_upload(form.brand_logo.data) or saved_logo()
        try:
            branding = Branding(form.brand_name.data or "", form.brand_colour.data or "#2f6f9f", logo or None)
        except BrandingError as error:
            getattr(form, error.field).errors = [str(error)]
            branding = None
        if not selected:
            problems.append(_("Tick at least one enterprise."))
        elif branding is not None and not problems:
            batch = create_batch(session=db, assessment_ids=selected, language=form.language.data,
                                 settings=settings, branding=branding, user_id=current_user.id)  # fmt: skip
            record("export", detail=f"report batch {batch.id}: {len(selected)} assessments")
            jobs_batches.start(batch.id)
            return redirect(url_for(".show", batch_id=batch.id))
    mine = select(ReportBatch).order_by(ReportBatch.id.desc()).limit(20)
    if consultant is not None:
        mine = mine.where(ReportBatch.user_id == consultant)
    batches = db.exec(mine).all()
    names = enterprise_names(db, [i for batch in batches for i in batch.assessment_ids])
    status = 400 if request.method == "POST" else 200
    return render_template(
        "reports/batches.html",
        questionnaires=questionnaires,
        chosen=chosen,
        region=region,
        name=name,
        regions=[("", _("All regions"))] + load_regions().choices(lang),
        region_names=dict(load_regions().choices(lang)),
        rows=rows,
        total=total,
        selected=set(selected) if request.method == "POST" else None,
        settings=settings,
        problems=problems,
        form=form,
        targets=target_choices(lang),
        goals=[(goal, GOAL_NAMES[goal]()) for goal in GOALS],
        batches=batches,
        contents={batch.id: sorted({names[i] for i in batch.assessment_ids if i in names}) for batch in batches},
        saved_logo=saved_logo() is not None,
    ), status


@bp.get("/batches/<int:batch_id>")
@role_required("consultant", "admin")
def show(batch_id: int):
    """A batch's progress bar (updated by the page's script) and, once done, its download and failures."""
    db = get_session()
    batch = own_batch(db, batch_id)
    names = enterprise_names(db, batch.assessment_ids)
    return render_template("reports/batch.html", batch=batch, error=failure_reason(batch),
                           names=sorted({names[i] for i in batch.assessment_ids if i in names}))  # fmt: skip


@bp.get("/batches/<int:batch_id>/progress.json")
@role_required("consultant", "admin")
def progress(batch_id: int):
    """How far a batch has got."""
    db = get_session()
    batch = own_batch(db, batch_id)
    db.refresh(batch)
    return jsonify(
        status=batch.status,
        done=batch.done,
        total=len(batch.assessment_ids),
        failures=batch.failures,
        download=url_for(".download", batch_id=batch.id) if batch.status == "done" else None,
        error=failure_reason(batch),
    )


@bp.get("/batches/<int:batch_id>/download")
@role_required("consultant", "admin")
def download(batch_id: int):
    """The batch's ZIP."""
    batch = own_batch(get_session(), batch_id)
    if batch.status != "done" or not Path(batch.path).is_file():
        abort(404)
    return send_file(batch.path, mimetype="application/zip", as_attachment=True,
                     download_name=f"imready-reports-{batch.id}.zip")  # fmt: skip


def failure_reason(batch: ReportBatch) -> str | None:
    """Why a failed batch has no ZIP, in the user's language."""
    if batch.status != "failed":
        return None
    if batch.error == "disk_full":
        return _("The disk of the server is full: the ZIP could not be written and nothing was kept. Ask your "
                 "administrator to free some space, or choose fewer enterprises, and start the batch again.")
    if batch.error == "interrupted":
        return _("The batch was started several times and each time its background worker ended before it was "
                 "done; nothing was kept. Ask your administrator to look at the worker's log, then start it again.")
    if batch.error == "write":
        return _("The ZIP could not be written on the server; nothing was kept. Start the batch again.")
    return _("The batch stopped on an unexpected error; nothing was kept. Start the batch again.")


def enterprise_names(db, assessment_ids: list[int]) -> dict[int, str]:
    """The name of each assessment's enterprise, in one query (a batch lists assessments, a person reads names)."""
    if not assessment_ids:
        return {}
    query = (select(Assessment.id, Enterprise.name).join(Enterprise, Enterprise.id == Assessment.enterprise_id)
             .where(col(Assessment.id).in_(set(assessment_ids))))  # fmt: skip
    return dict(db.exec(query).all())


def own_batch(db, batch_id: int) -> ReportBatch:
    """A batch the current user may see (a consultant its own), or 404."""
    batch = db.get(ReportBatch, batch_id)
    if batch is None or (current_user.role == "consultant" and batch.user_id != current_user.id):
        abort(404)
    return batch


def _region_prefix(code: str) -> str:
    """The code prefix shared by a region and the cities in it: 37 for a province, 3701 for a city."""
    regions = load_regions()
    if code not in regions or code == regions.country.code:
        return ""
    return code[:2] if regions.get(code).level == "province" else code[:4]

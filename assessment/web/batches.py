"""Report batches for consultants and administrators: pick enterprises, render their reports in the background,
watch the progress bar, download one ZIP.

Until accounts exist, the pages ask for the administrator password set in `IMREADY_ADMIN_PASSWORD`; without one
configured they are closed.
"""

from __future__ import annotations

import hmac
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import PasswordField

from assessment.classifications import load_regions
from assessment.db import get_session
from assessment.i18n import current_language
from assessment.models import Assessment, ReportBatch
from assessment.web.catalog import get_catalog
from assessment.web.roadmap import MAX_LOGO_BYTES, ReportForm, settings_from, target_choices
from questionnaires.schema import GOALS
from reports.batch import create_batch, latest_assessments, submit
from reports.enterprise_report import GOAL_NAMES, Branding, BrandingError

bp = Blueprint("batches", __name__, url_prefix="/reports")


class SignInForm(FlaskForm):
    """The administrator password."""

    password = PasswordField(_l("Administrator password"))


def admin_required(view):
    """Let the view run for a signed-in administrator; send others to sign in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_app.config.get("ADMIN_PASSWORD"):
            return render_template("reports/closed.html"), 403
        if not session.get("admin"):
            return redirect(url_for("batches.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in as administrator with the configured password."""
    configured = current_app.config.get("ADMIN_PASSWORD")
    if not configured:
        return render_template("reports/closed.html"), 403
    form = SignInForm()
    if form.validate_on_submit():
        given = (form.password.data or "").encode()
        if hmac.compare_digest(given, str(configured).encode()):
            session["admin"] = True
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for(".index"))
        form.password.errors = [_("That is not the administrator password.")]
    return render_template("reports/sign_in.html", form=form), 200 if not form.errors else 401


@bp.post("/sign-out")
def sign_out():
    """Forget the administrator sign-in."""
    form = FlaskForm()
    if form.validate_on_submit():
        session.pop("admin", None)
    return redirect(url_for("site.index"))


@bp.route("/batches", methods=["GET", "POST"])
@admin_required
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
    rows, total = latest_assessments(session=db, questionnaire_id=chosen.id, region_prefix=prefix, name=name)
    settings, problems = settings_from(values, chosen)
    form = ReportForm(language=lang)
    selected = [int(v) for v in request.form.getlist("assessment") if v.isdigit()]
    if request.method == "POST" and form.validate():
        logo = form.brand_logo.data.read() if form.brand_logo.data else None
        try:
            if logo is not None and len(logo) > MAX_LOGO_BYTES:
                raise BrandingError("brand_logo", _("The logo is larger than 512 KB."))
            branding = Branding(form.brand_name.data or "", form.brand_colour.data or "#2f6f9f", logo or None)
        except BrandingError as error:
            getattr(form, error.field).errors = [str(error)]
            branding = None
        if not selected:
            problems.append(_("Tick at least one enterprise."))
        elif branding is not None:
            batch = create_batch(session=db, assessment_ids=selected, language=form.language.data,
                                 settings=settings, branding=branding)  # fmt: skip
            submit(current_app._get_current_object(), batch.id, branding.logo)
            return redirect(url_for(".show", batch_id=batch.id))
    batches = db.exec(select(ReportBatch).order_by(ReportBatch.id.desc()).limit(20)).all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "reports/batches.html",
        questionnaires=questionnaires,
        chosen=chosen,
        region=region,
        name=name,
        regions=[("", _("All regions"))] + load_regions().choices(lang),
        rows=rows,
        total=total,
        selected=set(selected) if request.method == "POST" else None,
        settings=settings,
        problems=problems,
        form=form,
        targets=target_choices(lang),
        goals=[(goal, GOAL_NAMES[goal]()) for goal in GOALS],
        batches=batches,
    ), status


@bp.get("/batches/<int:batch_id>")
@admin_required
def show(batch_id: int):
    """A batch's progress bar (updated by the page's script) and, once done, its download and failures."""
    batch = get_session().get(ReportBatch, batch_id) or abort(404)
    return render_template("reports/batch.html", batch=batch)


@bp.get("/batches/<int:batch_id>/progress.json")
@admin_required
def progress(batch_id: int):
    """How far a batch has got."""
    db = get_session()
    batch = db.get(ReportBatch, batch_id) or abort(404)
    db.refresh(batch)
    return jsonify(
        status=batch.status,
        done=batch.done,
        total=len(batch.assessment_ids),
        failures=batch.failures,
        download=url_for(".download", batch_id=batch.id) if batch.status == "done" else None,
    )


@bp.get("/batches/<int:batch_id>/download")
@admin_required
def download(batch_id: int):
    """The batch's ZIP."""
    batch = get_session().get(ReportBatch, batch_id) or abort(404)
    if batch.status != "done" or not Path(batch.path).is_file():
        abort(404)
    return send_file(batch.path, mimetype="application/zip", as_attachment=True,
                     download_name=f"imready-reports-{batch.id}.zip")  # fmt: skip


def _region_prefix(code: str) -> str:
    """The code prefix shared by a region and the cities in it: 37 for a province, 3701 for a city."""
    regions = load_regions()
    if code not in regions or code == regions.country.code:
        return ""
    return code[:2] if regions.get(code).level == "province" else code[:4]

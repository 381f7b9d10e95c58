"""The roadmap page of a submitted assessment, and its PDF report in the user's language.

The plan's settings (a target per dimension, business goals) travel in the query string, so a plan can be
bookmarked and shared with whoever holds the resume link; the PDF form posts them with the branding.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from assessment.roadmap import Settings, Target
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import GOALS, PARADIGMS, paradigm_name
from reports.enterprise_report import (
    GOAL_NAMES,
    PARADIGM_WORK,
    TARGET_NAMES,
    Branding,
    BrandingError,
    Wording,
    figures,
    gather,
    render_report,
)
from storage.db import get_session
from web.access import record
from web.catalog import get_catalog
from web.history import done_steps
from web.i18n import current_language
from web.survey import open_assessment

bp = Blueprint("roadmap", __name__)
MAX_LOGO_BYTES = 512 * 1024


class ReportForm(FlaskForm):
    """The PDF download: language and optional branding (settings of the plan come along as hidden fields)."""

    language = SelectField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("zh", "中文")])
    brand_name = StringField(_l("Prepared by (optional)"), validators=[Optional(), Length(max=120)])
    brand_colour = StringField(
        _l("Brand colour"),
        default="#2f6f9f",
        validators=[Optional(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use the form #2f6f9f."))],
    )
    brand_logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB; optional)"))


def saved_branding() -> dict:
    """A signed-in consultant's saved branding, as the report form's defaults."""
    if current_user.is_authenticated and current_user.role == "consultant":
        return {"brand_name": current_user.brand_name, "brand_colour": current_user.brand_colour}
    return {}


def saved_logo() -> bytes | None:
    """A signed-in consultant's saved logo, printed when no other is uploaded."""
    if current_user.is_authenticated and current_user.role == "consultant":
        return current_user.brand_logo
    return None


def target_choices(lang: str) -> list[tuple[str, str]]:
    """The targets a dimension can take, as (value, label)."""
    choices = [(kind, TARGET_NAMES[kind]()) for kind in ("next_level", "upper_quartile", "best_in_class")]
    choices += [(f"paradigm:{p}", _("reach %(paradigm)s", paradigm=paradigm_name(p, lang))) for p in PARADIGMS]
    return choices


def settings_from(values: MultiDict, questionnaire: Questionnaire) -> tuple[Settings, list[str]]:
    """The plan settings in a query or form: `target`, `target_<dimension>` and any number of `goal`.

    Unknown values are named in the problems and replaced by the default, so the page still shows a plan."""
    problems = []

    def parse(name: str) -> Target | None:
        raw = values.get(name, "")
        if not raw:
            return None
        try:
            return Target.parse(raw)
        except ValueError:
            problems.append(_("%(field)s: '%(value)s' is not a target.", field=name, value=raw))
            return None

    default = parse("target") or Target()
    targets = {}
    for dimension in questionnaire.dimensions:
        chosen = parse(f"target_{dimension.id}")
        if chosen is not None:
            targets[dimension.id] = chosen
    goals = []
    for goal in values.getlist("goal"):
        if goal in GOALS:
            goals.append(goal)
        else:
            problems.append(_("goal: '%(value)s' is not a business goal.", value=goal))
    return Settings(default=default, targets=targets, goals=frozenset(goals)), problems


def _load(token: str):
    assessment, questionnaire = open_assessment(token)
    if assessment.status != "submitted":
        return None, None, None
    return assessment, questionnaire, Result.from_dict(questionnaire, assessment.result)


@bp.get("/a/<token>/roadmap")
def show(token: str):
    """The plan for the chosen targets and goals, with its charts and the PDF download."""
    assessment, questionnaire, result = _load(token)
    if assessment is None:
        return redirect(url_for("survey.review", token=token))
    lang = current_language()
    settings, problems = settings_from(request.args, questionnaire)
    data = gather(session=get_session(), catalog=get_catalog(), assessment=assessment, settings=settings, result=result)
    form = ReportForm(language=lang, **saved_branding())
    return _page(token, questionnaire, data, settings, problems, form, lang)


@bp.post("/a/<token>/report.pdf")
def report(token: str):
    """The PDF report; a bad branding field shows the page again with the message and every choice kept."""
    assessment, questionnaire, result = _load(token)
    if assessment is None:
        return redirect(url_for("survey.review", token=token))
    settings, problems = settings_from(request.form, questionnaire)
    form = ReportForm()
    lang = form.language.data if form.language.data in current_app.config["LANGUAGES"] else current_language()
    branding = None
    if form.validate():
        logo = (form.brand_logo.data.read() if form.brand_logo.data else None) or saved_logo()
        if logo is not None and len(logo) > MAX_LOGO_BYTES:
            form.brand_logo.errors = [_("The logo is larger than 512 KB.")]
        else:
            try:
                branding = Branding(form.brand_name.data or "", form.brand_colour.data or "#2f6f9f", logo or None)
            except BrandingError as error:
                getattr(form, error.field).errors = [str(error)]
    data = gather(session=get_session(), catalog=get_catalog(), assessment=assessment, settings=settings, result=result)
    if branding is None or problems:  # the plan asked for is not the one that would be printed
        return _page(token, questionnaire, data, settings, problems, form, current_language()), 400
    rendered = render_report(data, lang, branding)
    record("export", enterprise_id=assessment.enterprise_id, assessment_id=assessment.id, detail=f"PDF report ({lang})")
    filename = f"imready-report-{assessment.id}-{lang}.pdf"
    return Response(
        rendered.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _page(token, questionnaire, data, settings, problems, form, lang):
    charts = {name: figure.to_json() for name, (figure, _size) in figures(data, lang).items()}
    hidden = [("target", str(settings.default))]
    hidden += [(f"target_{dimension}", str(target)) for dimension, target in settings.targets.items()]
    hidden += [("goal", goal) for goal in sorted(settings.goals)]
    return render_template(
        "results/roadmap.html",
        token=token,
        q=questionnaire,
        data=data,
        plan=data.plan,
        settings=settings,
        problems=problems,
        form=form,
        hidden=hidden,
        charts=charts,
        targets=target_choices(lang),
        goals=[(goal, GOAL_NAMES[goal]()) for goal in GOALS],
        names={d.id: d.name.get(lang) for d in questionnaire.dimensions},
        paradigm_names={p: paradigm_name(p, lang) for p in PARADIGMS},
        paradigm_work={p: PARADIGM_WORK[p]() for p in PARADIGMS},
        fmt=Wording(questionnaire, lang),
        done=done_steps(data.enterprise, questionnaire.id),
    )

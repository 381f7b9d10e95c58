"""The roadmap page of a submitted assessment, and its PDF report in the user's language.

The plan's settings (a target per dimension, business goals) travel in the query string, so a plan can be
bookmarked and shared with whoever holds the resume link; the PDF form posts them with the branding.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from assessment.scoring import Result
from questionnaires.vocabulary import GOALS, PARADIGMS, paradigm_name
from reports.enterprise_report import (
    GOAL_NAMES,
    PARADIGM_WORK,
    Branding,
    BrandingError,
    Wording,
    figures,
    gather,
    in_place_rows,
    render_report,
)
from reports.figures import figure_json
from storage.access import can_see_enterprise
from storage.actions import done_steps
from storage.db import get_session, parse_id
from storage.statistics import published_release
from web.access import record
from web.catalog import get_catalog, open_assessment
from web.i18n import current_language
from web.report_settings import ReportForm, logo_upload, saved_branding, saved_logo, settings_from, target_choices

bp = Blueprint("roadmap", __name__)
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
    data = gather(session=get_session(), catalog=get_catalog(), assessment=assessment, settings=settings, result=result,
                  release=_release(request.args))
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
        logo = logo_upload(form.brand_logo.data) or saved_logo()
        try:
            branding = Branding(form.brand_name.data or "", form.brand_colour.data or "#2f6f9f", logo or None)
        except BrandingError as error:
            getattr(form, error.field).errors = [str(error)]
    data = gather(session=get_session(), catalog=get_catalog(), assessment=assessment, settings=settings, result=result,
                  release=_release(request.form))
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


def _release(values):
    """The statistics release the results page showed (its link carries it), else the latest: the upper quartile
    and best in class the plan aims at are the ones the results page showed."""
    return published_release(session=get_session(), release_id=parse_id(values.get("release", "")))


def _page(token, questionnaire, data, settings, problems, form, lang):
    charts = {name: figure_json(figure) for name, (figure, _size) in figures(data, lang).items()}
    release = data.compared.release_id if data.compared else None
    hidden = [("release", str(release))] if release else []  # the PDF is printed with the same figures
    hidden += [("target", str(settings.default))]
    hidden += [(f"target_{dimension}", str(target)) for dimension, target in settings.targets.items()]
    hidden += [("goal", goal) for goal in sorted(settings.goals)]
    return render_template(
        "results/roadmap.html",
        token=token,
        release=release,
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
        in_place=in_place_rows(questionnaire, data.plan, data.result, lang),
        done=(done_steps(session=get_session(), enterprise_id=data.enterprise.id, questionnaire_id=questionnaire.id)
              if can_see_enterprise(current_user, data.enterprise) else None),  # others see neither marks nor forms
    )

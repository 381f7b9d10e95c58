"""The results page: scores, levels and the explanation of how the answers produced them."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_industries, load_regions
from assessment.cohorts.groups import CohortComparison
from assessment.published import publications
from assessment.scoring import NodeResult, Result
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import paradigm_name
from reports.display import describe_answer, describe_cohort, describe_standing, format_score, format_share
from reports.figures import comparison_chart, dimension_radar, figure_json, paradigm_bars, you_label
from reports.standard import level_name, overall_title, standard_view
from storage.access import acts_for_enterprise, can_see_enterprise
from storage.db import get_session, parse_id
from storage.kpis import kpi_changes
from storage.reference_data import published_benchmarks
from storage.statistics import comparison, published_release
from storage.tables import AssessmentComment, Enterprise
from storage.verification import agency_requested, standing
from web.access import record
from web.catalog import open_assessment
from web.i18n import current_language

bp = Blueprint("results", __name__)


@bp.get("/a/<token>/results")
def show(token: str):
    """Overall, paradigm and dimension scores with levels, charts and the trace behind each score."""
    assessment, questionnaire = open_assessment(token)
    if assessment.status != "submitted":
        return redirect(url_for("survey.review", token=token))
    lang = current_language()
    result = Result.from_dict(questionnaire, assessment.result)
    session = get_session()
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    record("view", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="results")
    # the release the roadmap linked back with, else the latest: both pages show the same group figures
    release = published_release(session=session, release_id=parse_id(request.args.get("release", "")))
    compared = comparison(session=session, assessment=assessment, result=result, questionnaire=questionnaire,
                          release=release)
    region_path = " / ".join(r.name(lang) for r in load_regions().path(enterprise.region_code)[1:])
    industry = load_industries()[enterprise.industry_code]
    return render_template(
        "results/show.html",
        q=questionnaire,
        assessment=assessment,
        enterprise=enterprise,
        region_path=region_path,
        industry=industry.name(lang),
        industry_type=INDUSTRY_TYPE_LABELS[enterprise.industry_type][lang],
        size=SIZE_LABELS[enterprise.size_class][lang],
        result=result,
        overall=result.overall(questionnaire),
        paradigms=[(p, paradigm_name(p, lang), node) for p, node in result.paradigms(questionnaire).items()],
        dimensions=[(d, result.nodes[d.id]) for d in questionnaire.dimensions],
        radar=figure_json(dimension_radar(questionnaire, result, lang, enterprise.name)),
        bars=figure_json(paradigm_bars(questionnaire, result, lang)) if questionnaire.has_paradigms else None,
        top=format_score(questionnaire.score_tops[questionnaire.overall_node.id], 0),
        level_name=lambda node: level_name(questionnaire, node.id, node.level, lang),
        explain=lambda node: explain(questionnaire, result, node, lang),
        format_score=format_score,
        format_share=format_share,
        **comparison_view(questionnaire, compared, lang),
        standard=standard_view(questionnaire, result, publications(published_benchmarks(session=session)), lang),
        overall_title=overall_title(questionnaire),
        comments=session.exec(select(AssessmentComment).where(AssessmentComment.assessment_id == assessment.id)
                              .order_by(AssessmentComment.id)).all(),  # fmt: skip
        kpi_changes=kpi_changes(session=session, assessment=assessment),  # the enterprise's own KPIs
        standing_text=describe_standing(standing(session=session, assessment=assessment), lang),
        agency_requested=agency_requested(session=session, assessment=assessment),
        may_request_review=acts_for_enterprise(current_user, enterprise),
        may_comment=current_user.is_authenticated and current_user.role in ("consultant", "admin")
        and can_see_enterprise(current_user, enterprise),
    )


def comparison_view(questionnaire: Questionnaire, compared: CohortComparison | None, lang: str) -> dict:
    """What the results page shows of the enterprise's comparison with its cohort: rows, charts and wording."""
    if compared is None:
        return {"compared": None, "k": current_app.config["BENCHMARK_MIN_GROUP"]}
    labels = {"middle": _("Middle half of the group (Q1–Q3)"), "median": _("Median"),
              "best": _("Best in class (90th percentile)"), "you": you_label()}
    paradigm_rows = [(paradigm_name(p, lang), compared.nodes[node.id])
                     for p, node in questionnaire.paradigm_nodes.items() if node.id in compared.nodes]
    dimension_rows = [(d.name.get(lang), compared.nodes[d.id]) for d in questionnaire.dimensions
                      if d.id in compared.nodes]
    overall = compared.nodes.get(questionnaire.overall_node.id)
    standard = questionnaire.standard_node
    standard_row = (compared.nodes.get(standard.id) if standard is not None and standard.kind == "standard"
                    else None)
    return {
        "compared": compared,
        "k": current_app.config["BENCHMARK_MIN_GROUP"],
        "cohort_name": describe_cohort(compared.cohort, lang),
        "passed_names": [describe_cohort(cohort, lang) for cohort in compared.passed],
        # (name, figures, decimals, unit): paradigms are percentages, the rest scores on 0-5
        "comparison_rows": ([(overall_title(questionnaire), overall, 2, "")] if overall else [])
        + ([(_("CMMM level") if standard.standard == "CMMM" else standard.standard, standard_row, 2, "")]
           if standard_row else [])
        + [(name, row, 0, " %") for name, row in paradigm_rows] + [(name, row, 2, "") for name, row in dimension_rows],
        "paradigm_comparison": figure_json(comparison_chart(paradigm_rows, 100, " %", labels)) if paradigm_rows
        else None,
        "dimension_comparison": figure_json(comparison_chart(dimension_rows, dimension_top(questionnaire), "", labels)),
    }


def dimension_top(questionnaire: Questionnaire) -> float:
    """The top of the dimensions' common axis: 5 for levels, 100 for 0-100 scores."""
    return max(questionnaire.score_tops[dimension.id] for dimension in questionnaire.dimensions)


def explain(questionnaire: Questionnaire, result: Result, node: NodeResult, lang: str, depth: int = 0) -> list[dict]:
    """Each input of a node as a row a person can read: what it is, its value, its weight and its share.

    Inputs that are item nodes are followed by their own inputs, indented, down to the answers."""
    rows = []
    for item in node.trace:
        if item.ref in questionnaire.questions:
            question = questionnaire.questions[item.ref]
            label = question.text.get(lang)
            answer = describe_answer(question, result.answers.get(item.ref), lang)
        else:
            label = _node_label(questionnaire, item.ref, lang)
            answer = ""
        rows.append({"label": label, "answer": answer, "item": item, "depth": depth, "note": describe_note(item.note)})
        child = result.nodes.get(item.ref)
        if child is not None and child.kind == "item":
            rows.extend(explain(questionnaire, result, child, lang, depth + 1))
    return rows


# The fixed notes of the scoring engine, translated when shown: a results page shows a few hundred notes, and
# translating every one of these for each of them was a tenth of the page's time.
FIXED_NOTES = {
    "not applicable": _l("not applicable"),
    "hidden": _l("not asked (condition not met)"),
    "unanswered": _l("not answered"),
    "lowest": _l("lowest: sets the score"),
    "capped": _l("capped"),
}


def describe_note(note: str) -> str:
    """A trace note of the scoring engine in the user's language."""
    if not note:  # most rows carry none
        return note
    if note in FIXED_NOTES:
        return str(FIXED_NOTES[note])
    match = re.fullmatch(r"level (\d) met \(([\d.]+)\)", note)
    if match:
        return _("level %(level)s met (%(mean)s)", level=match[1], mean=match[2])
    match = re.fullmatch(r"level (\d) not met \(([\d.]+) < ([\d.]+)\)", note)
    if match:
        return _("level %(level)s not met (%(mean)s < %(threshold)s)", level=match[1], mean=match[2],
                 threshold=match[3])
    match = re.fullmatch(r"level (\d) not reached", note)
    if match:
        return _("level %(level)s not reached", level=match[1])
    return note


def _node_label(questionnaire: Questionnaire, node_id: str, lang: str) -> str:
    for dimension in questionnaire.dimensions:
        if dimension.id == node_id:
            return dimension.name.get(lang)
    node = questionnaire.nodes[node_id]
    if node.explanation:
        return node.explanation.get(lang).split(". ")[0].rstrip(".")
    return node_id

"""The API's operations: questionnaires, enterprises, assessments (create, answer, submit), results, comparisons and
the agencies' regional statistics. Who may see what is decided as on the pages (`can_see_enterprise`, an agency's
jurisdiction); views, exports and changes of an enterprise's data go to the audit log as the pages' do."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial

from flask import after_this_request, current_app, url_for
from sqlmodel import col, select

from assessment.answers import answer_to_json, parse_answers, unanswered
from assessment.classifications import load_industries, load_regions, size_class
from assessment.regional.comparison import Selection
from assessment.regional.selection import (
    follows,
    industry_scopes,
    lagging_bands,
    provinces_with_cities,
    selected_regions,
    size_scopes,
)
from assessment.scoring import Result
from questionnaires.export import export_questionnaire
from questionnaires.loader import Questionnaire
from reports.region_view import comparison_table
from reports.region_wording import table_wording, withheld_rule
from storage.access import can_see_enterprise, visible_enterprises, within_jurisdiction
from storage.assessments import AlreadySubmitted, load_answers, save_answers, start_reassessment
from storage.db import get_session
from storage.refresher import refresh_statistics
from storage.statistics import comparison as enterprise_comparison
from storage.statistics import stats_periods
from storage.submissions import submit as submit_answers
from storage.tables import Assessment, Enterprise
from web.api import schemas
from web.api.core import ApiError, api_user, audit, operation
from web.catalog import get_catalog
from web.i18n import current_language

OWN_DATA = ("enterprise", "consultant", "admin")  # the roles that see single enterprises (agencies see aggregates)
STATISTICS = ("agency", "admin")


def timestamp(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 with its zone (UTC; SQLite hands it back without one)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# ---- questionnaires


@operation("GET", "/questionnaires", summary="The questionnaires offered", response=schemas.QuestionnaireList,
           tag="questionnaires")
def list_questionnaires():
    """The newest version of every questionnaire (the one new assessments use), with the versions kept."""
    catalog = get_catalog()
    return {"questionnaires": [
        {"id": q.id, "version": q.version, "versions": catalog.versions(q.id),
         "title": {"en": q.definition.title.en, "zh": q.definition.title.zh},
         "description": {"en": q.definition.description.en, "zh": q.definition.description.zh},
         "estimated_minutes": q.definition.estimated_minutes, "questions": len(q.questions)}
        for q in catalog.latest()]}


@operation("GET", "/questionnaires/<questionnaire_id>", summary="One questionnaire, in the export format",
           response=schemas.Questionnaire, query=schemas.VersionQuery, errors=(404,), tag="questionnaires")
def get_questionnaire(questionnaire_id: str, query: schemas.VersionQuery):
    """Pages, questions, scales, bands and the scoring tree, as `flask questionnaires export` prints them."""
    questionnaire = get_catalog().get(questionnaire_id, query.version)
    if questionnaire is None:
        versions = get_catalog().versions(questionnaire_id)
        message = (f"Questionnaire '{questionnaire_id}' has no version {query.version}; it has "
                   f"{', '.join(versions)}." if versions else f"There is no questionnaire '{questionnaire_id}'.")
        raise ApiError(404, message)
    return export_questionnaire(questionnaire)


# ---- enterprises


def enterprise_data(enterprise: Enterprise) -> dict:
    return {"id": enterprise.id, "name": enterprise.name, "region_code": enterprise.region_code,
            "industry_code": enterprise.industry_code, "industry_type": enterprise.industry_type,
            "employees": enterprise.employees, "revenue_million_yuan": float(enterprise.revenue_million_yuan),
            "size_class": enterprise.size_class, "synthetic": enterprise.synthetic,
            "benchmark_consent": enterprise.benchmark_consent, "consultant_id": enterprise.consultant_id,
            "created_at": timestamp(enterprise.created_at)}


def visible_enterprise(enterprise_id: int) -> Enterprise:
    """The enterprise, if the token's user may see it; 404 alike for one that does not exist and one not theirs."""
    enterprise = get_session().get(Enterprise, enterprise_id)
    if enterprise is None or not can_see_enterprise(api_user(), enterprise):
        raise ApiError(404, f"There is no enterprise {enterprise_id} that this account may see.")
    return enterprise


@operation("GET", "/enterprises", summary="The enterprises this account may see", roles=OWN_DATA,
           response=schemas.EnterpriseList, tag="enterprises")
def list_enterprises():
    """An enterprise user's own enterprise, a consultant's clients, every enterprise for an administrator (at most
    500, by name), as the workspace page lists them."""
    enterprises = visible_enterprises(session=get_session(), user=api_user())
    return {"enterprises": [enterprise_data(enterprise) for enterprise in enterprises]}


@operation("POST", "/enterprises", summary="Add an enterprise", roles=OWN_DATA, body=schemas.EnterpriseCreate,
           response=schemas.Enterprise, status=201, tag="enterprises")
def create_enterprise(body: schemas.EnterpriseCreate):
    """A consultant's new enterprise becomes its client; an enterprise user's becomes its own (only while the
    account has none). The industry type follows from the division and the size class from employees and
    revenue, as on the profile page."""
    user, session = api_user(), get_session()
    if user.role == "enterprise" and user.enterprise_id is not None:
        raise ApiError(403, "This account already belongs to an enterprise.", code="has_enterprise")
    industry = load_industries()[body.industry_code]
    enterprise = Enterprise(name=body.name, region_code=body.region_code, industry_code=industry.code,
                            industry_type=industry.type, employees=body.employees,
                            revenue_million_yuan=body.revenue_million_yuan,
                            size_class=size_class(body.employees, body.revenue_million_yuan),
                            consultant_id=user.id if user.role == "consultant" else None)  # fmt: skip
    session.add(enterprise)
    session.flush()
    if user.role == "enterprise":
        user.enterprise_id = enterprise.id
        session.add(user)
    session.commit()
    audit("change", enterprise_id=enterprise.id, detail=f"enterprise created by {user.role}")
    return enterprise_data(enterprise), {"Location": url_for(".get_enterprise", enterprise_id=enterprise.id)}


@operation("GET", "/enterprises/<int:enterprise_id>", summary="One enterprise and its assessments", roles=OWN_DATA,
           response=schemas.EnterpriseDetail, tag="enterprises")
def get_enterprise(enterprise_id: int):
    """The profile and every assessment, newest first."""
    enterprise = visible_enterprise(enterprise_id)
    assessments = get_session().exec(select(Assessment).where(Assessment.enterprise_id == enterprise.id)
                                     .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())).all()
    audit("view", enterprise_id=enterprise.id, detail="enterprise")
    return {**enterprise_data(enterprise), "assessments": [
        {"id": a.id, "questionnaire_id": a.questionnaire_id, "questionnaire_version": a.questionnaire_version,
         "status": a.status, "created_at": timestamp(a.created_at), "submitted_at": timestamp(a.submitted_at),
         "overall_score": a.overall_score, "overall_level": a.overall_level} for a in assessments]}


# ---- assessments


def visible_assessment(assessment_id: int) -> tuple[Assessment, Questionnaire, Enterprise]:
    """The assessment with its pinned questionnaire version and its enterprise, if the user may see them."""
    session = get_session()
    assessment = session.get(Assessment, assessment_id)
    enterprise = session.get(Enterprise, assessment.enterprise_id) if assessment is not None else None
    if assessment is None or enterprise is None or not can_see_enterprise(api_user(), enterprise):
        raise ApiError(404, f"There is no assessment {assessment_id} that this account may see.")
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    if questionnaire is None:
        raise ApiError(404, f"Questionnaire {assessment.questionnaire_id} {assessment.questionnaire_version}, "
                            "which this assessment was made with, is no longer offered.")
    return assessment, questionnaire, enterprise


def assessment_data(assessment: Assessment, questionnaire: Questionnaire) -> dict:
    answers = load_answers(session=get_session(), assessment=assessment, questionnaire=questionnaire)
    return {"id": assessment.id, "enterprise_id": assessment.enterprise_id,
            "questionnaire_id": assessment.questionnaire_id, "questionnaire_version": assessment.questionnaire_version,
            "status": assessment.status, "created_at": timestamp(assessment.created_at),
            "updated_at": timestamp(assessment.updated_at), "submitted_at": timestamp(assessment.submitted_at),
            "overall_score": assessment.overall_score, "overall_level": assessment.overall_level,
            "answers": {question_id: answer_to_json(answers[question_id])
                        for question_id in questionnaire.questions if question_id in answers},
            "unanswered": unanswered(questionnaire, answers) if assessment.status == "draft" else []}


def already_submitted(assessment: Assessment) -> ApiError:
    return ApiError(422, f"Assessment {assessment.id} has been submitted; its answers can no longer change.",
                    code="already_submitted")


@operation("POST", "/assessments", summary="Start an assessment", roles=OWN_DATA, body=schemas.AssessmentCreate,
           response=schemas.Assessment, status=201, errors=(404,), tag="assessments")
def create_assessment(body: schemas.AssessmentCreate):
    """A draft assessment of an enterprise this account may see, on the newest version of the questionnaire."""
    enterprise = visible_enterprise(body.enterprise_id)
    questionnaire = get_catalog().get(body.questionnaire_id)
    if questionnaire is None:
        raise ApiError(404, f"There is no questionnaire '{body.questionnaire_id}'.",
                       fields={"questionnaire_id": f"one of {', '.join(get_catalog().ids())}"})
    assessment = start_reassessment(session=get_session(), enterprise=enterprise, questionnaire=questionnaire)
    audit("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
          detail=f"assessment started ({questionnaire.id} {questionnaire.version})")
    return assessment_data(assessment, questionnaire), {
        "Location": url_for(".get_assessment", assessment_id=assessment.id)}


@operation("GET", "/assessments/<int:assessment_id>", summary="One assessment with its answers", roles=OWN_DATA,
           response=schemas.Assessment, tag="assessments")
def get_assessment(assessment_id: int):
    """Its state, the saved answers and, while a draft, the questions still to answer."""
    assessment, questionnaire, enterprise = visible_assessment(assessment_id)
    audit("view", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="assessment")
    return assessment_data(assessment, questionnaire)


@operation("PUT", "/assessments/<int:assessment_id>/answers", summary="Save answers", roles=OWN_DATA,
           body=schemas.AnswersUpdate, response=schemas.Assessment, errors=(422,), tag="assessments")
def put_answers(assessment_id: int, body: schemas.AnswersUpdate):
    """Save some answers of a draft (`null` clears one); the others keep theirs. Each answer is checked as the
    survey checks it: the good ones are saved even when others are not, and the answer is then 422 naming, per
    question id, what is wrong. An answer to a question that the answers do not show (its `show_if` does not
    hold) is refused too."""
    assessment, questionnaire, enterprise = visible_assessment(assessment_id)
    if assessment.status != "draft":
        raise already_submitted(assessment)
    session = get_session()
    stored = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    cleared = [question_id for question_id, raw in body.answers.items() if raw is None]
    raw = {question_id: answer_to_json(answer) for question_id, answer in stored.items() if question_id not in cleared}
    given = {question_id: value for question_id, value in body.answers.items() if value is not None}
    parsed, problems = parse_answers(questionnaire, {**raw, **given}, complete=False)
    fields = {problem.question_id: problem.message for problem in problems}
    for question_id in given:
        if question_id not in parsed and question_id not in fields:
            fields[question_id] = "this question is not asked with these answers (its condition is not met)"
    changes = {question_id: parsed[question_id] for question_id in given if question_id in parsed}
    changes.update({question_id: None for question_id in cleared if question_id in questionnaire.questions})
    for question_id in cleared:
        if question_id not in questionnaire.questions:
            fields[question_id] = "no such question in this questionnaire"
    if changes:
        try:
            save_answers(session=session, assessment=assessment, answers=changes)
        except AlreadySubmitted:
            raise already_submitted(assessment) from None
        audit("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
              detail=f"answers to {len(changes)} questions")
    if fields:
        saved = f" The other {len(changes)} were saved." if changes else ""
        raise ApiError(422, f"{len(fields)} answers were not saved.{saved}", code="invalid_answers", fields=fields)
    return assessment_data(assessment, questionnaire)


@operation("POST", "/assessments/<int:assessment_id>/submit", summary="Submit a complete assessment",
           roles=OWN_DATA, response=schemas.Assessment, errors=(422,), tag="assessments")
def submit(assessment_id: int):
    """Score the answers with the enterprise's weight profile and pin the result; 422 lists the questions still
    unanswered. The enterprise counts in the benchmarks of the period from now on, as when submitted online."""
    assessment, questionnaire, enterprise = visible_assessment(assessment_id)
    if assessment.status != "draft":
        raise already_submitted(assessment)
    session = get_session()
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    missing = unanswered(questionnaire, answers)
    if missing:
        raise ApiError(422, f"{len(missing)} questions still need an answer.", code="incomplete",
                       fields=dict.fromkeys(missing, "no answer given"))
    submission = submit_answers(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers)
    if submission is None:
        raise already_submitted(assessment)
    audit("change", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="submitted")
    data = assessment_data(assessment, questionnaire)
    if submission.recorded is not None:
        # as the survey does: the statistics are brought up to date once the response has gone out
        app, recorded = current_app._get_current_object(), submission.recorded

        @after_this_request
        def _refresh_later(response):
            response.call_on_close(partial(refresh_statistics, app, questionnaire.id, recorded))
            return response

    return data


def submitted_result(assessment_id: int, detail: str):
    assessment, questionnaire, enterprise = visible_assessment(assessment_id)
    if assessment.status != "submitted" or assessment.result is None:
        raise ApiError(404, f"Assessment {assessment.id} has no result: it has not been submitted.",
                       code="not_submitted")
    audit("view", enterprise_id=enterprise.id, assessment_id=assessment.id, detail=detail)
    return assessment, questionnaire


@operation("GET", "/assessments/<int:assessment_id>/result", summary="The scored result", roles=OWN_DATA,
           response=schemas.Result, tag="results")
def get_result(assessment_id: int):
    """Overall, paradigm, dimension and item scores with levels and the trace of every input, as pinned at
    submission (the `flask score` JSON format)."""
    _assessment, _questionnaire = submitted_result(assessment_id, "results")
    return _assessment.result


@operation("GET", "/assessments/<int:assessment_id>/comparison", summary="The result against its cohort",
           roles=OWN_DATA, response=schemas.CohortComparisonOut, tag="results")
def get_comparison(assessment_id: int):
    """The closest published cohort of the submission's period (same city, division and size first, widening to
    the whole country), its size, and per score the percentile rank, quartiles and best in class. 404 while no
    cohort of at least k enterprises has been published."""
    assessment, questionnaire = submitted_result(assessment_id, "comparison")
    result = Result.from_dict(questionnaire, assessment.result)
    found = enterprise_comparison(session=get_session(), catalog=get_catalog(), assessment=assessment, result=result,
                                  questionnaire=questionnaire)
    if found is None:
        raise ApiError(404, "There is no published cohort of at least "
                            f"{current_app.config['BENCHMARK_MIN_GROUP']} enterprises to compare this assessment "
                            "with yet.", code="no_cohort")

    def cohort(c) -> dict:
        return {"questionnaire_id": c.questionnaire_id, "period": c.period, "region_code": c.region_code,
                "industry": c.industry, "size": c.size}

    return {"cohort": cohort(found.cohort), "kind": dict(zip(("region", "industry", "size"), found.kind, strict=True)),
            "count": found.count, "synthetic": found.synthetic,
            "nodes": {node_id: asdict(node) for node_id, node in found.nodes.items()},
            "passed": [cohort(c) for c in found.passed]}


# ---- regional statistics


def allowed_region(user) -> str | None:
    """The region an agency analyst may see; None: the whole country (as `access.jurisdiction` for the pages)."""
    if user.role == "agency" and user.jurisdiction != load_regions().country.code:
        return user.jurisdiction
    return None


def selection(query: schemas.RegionalQuery) -> tuple[Questionnaire, Selection]:
    """The query as the agencies page's selection, checked as its form is: values outside what the page offers are
    400 (naming the field), regions outside an agency's jurisdiction 403."""
    catalog, session, regions, allowed = get_catalog(), get_session(), load_regions(), allowed_region(api_user())
    periods_of = {q.id: stats_periods(session=session, questionnaire_id=q.id) for q in catalog.latest()}
    with_stats = [q for q in catalog.latest() if periods_of[q.id]]
    if query.questionnaire is not None:
        questionnaire = catalog.get(query.questionnaire)
        if questionnaire is None or not periods_of.get(questionnaire.id):
            offered = ", ".join(q.id for q in with_stats) or "none"
            raise ApiError(400, "No statistics for this questionnaire.",
                           fields={"questionnaire": f"one of the questionnaires with statistics: {offered}"})
    elif with_stats:
        questionnaire = with_stats[0]
    else:
        raise ApiError(404, "There are no statistics yet.", code="no_statistics")
    periods = periods_of[questionnaire.id]
    fields = {}
    period = query.period if query.period is not None else periods[-1]
    if period not in periods:
        fields["period"] = f"one of {', '.join(map(str, periods))}"
    elif query.base is not None and not follows(periods, period, query.base):
        fields["base"] = f"change is measured from the period just before {period}"
    if query.within is not None and query.within not in {p.code for p in provinces_with_cities(regions)}:
        fields["within"] = "the code of a province that has cities"
    unknown = [code for code in query.region if code not in regions]
    if unknown:
        fields["region"] = f"unknown region codes: {', '.join(unknown)}"
    if query.industry not in industry_scopes(load_industries()):
        fields["industry"] = "all, discrete, process or a GB/T 4754 manufacturing division"
    if query.size not in size_scopes():
        fields["size"] = f"one of {', '.join(size_scopes())}"
    bands = [band.level for band in lagging_bands(questionnaire)]
    if query.lag_level not in bands:
        fields["lag_level"] = f"one of {', '.join(map(str, bands))}"
    if query.lag_dimensions > len(questionnaire.dimensions):
        fields["lag_dimensions"] = f"1 to {len(questionnaire.dimensions)}"
    if fields:
        raise ApiError(400, "The selection is not valid.", fields=fields)
    asked = [*query.region, *([query.within] if query.within else [])]
    outside = [code for code in asked if not within_jurisdiction(code, allowed)]
    if outside:
        raise ApiError(403, f"Outside this account's jurisdiction ({allowed}): {', '.join(outside)}.",
                       code="outside_jurisdiction")
    codes, only_with_data = selected_regions(regions, chosen=query.region, within=query.within or "",
                                             jurisdiction=allowed)
    return questionnaire, Selection(
        questionnaire_id=questionnaire.id, period=period, region_codes=codes, base_period=query.base or 0,
        industry=query.industry, size=query.size, lagging_level=query.lag_level,
        lagging_dimensions=query.lag_dimensions, only_with_data=only_with_data)


@operation("GET", "/regions/statistics", summary="Regions compared (the agencies' table)", roles=STATISTICS,
           query=schemas.RegionalQuery, response=schemas.RegionalStatistics, errors=(404,), tag="regions")
def regional_statistics(query: schemas.RegionalQuery):
    """The table of the agencies' page for the same selection, built the same way: the figures of a group of fewer
    than k enterprises, and those that would let one be worked out, are null, and the row's `reason` says why. An
    agency analyst sees the regions of its jurisdiction only."""
    questionnaire, chosen = selection(query)
    lang, k = current_language(), current_app.config["BENCHMARK_MIN_GROUP"]
    words = table_wording(questionnaire, chosen, lang)
    table = comparison_table(session=get_session(), questionnaire=questionnaire, selection=chosen, lang=lang,
                             wording=words)
    reasons = {"small": words.withheld_small, "complementary": words.withheld_complementary}
    return {
        "questionnaire_id": questionnaire.id, "period": chosen.period, "base_period": chosen.base_period or None,
        "industry": chosen.industry, "size": chosen.size,
        "lagging": {"level": chosen.lagging_level, "dimensions": chosen.lagging_dimensions},
        "k": k, "withheld_rule": withheld_rule(k),
        "columns": [{"key": c.key, "group": c.group, "heading": c.heading, "label": c.label, "unit": c.unit,
                     "node": c.node, "level": c.level} for c in table.columns],
        "rows": [{"region_code": row.region_code, "region_name": row.region_name, "region_level": row.region_level,
                  "status": row.status, "reason": reasons.get(row.status), "change_status": row.change_status,
                  "change_reason": reasons.get(row.change_status), "synthetic": row.synthetic,
                  "cells": {column.key: cell.value for column, cell in zip(table.columns, row.cells, strict=True)},
                  "withheld": [column.key for column, cell in zip(table.columns, row.cells, strict=True)
                               if cell.withheld]}
                 for row in table.rows],
    }

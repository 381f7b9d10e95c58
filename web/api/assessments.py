"""The API's assessments: start, answer (each bad answer named), submit, and the result with its comparison.

Who may see an assessment is decided as on the pages (`can_see_enterprise`); views and changes go to the audit
log as the pages' do."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, url_for

from assessment.answers import answer_to_json, parse_answers, unanswered
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from storage.access import can_see_enterprise
from storage.assessments import AlreadySubmitted, load_answers, save_answers, start_reassessment
from storage.db import get_session
from storage.statistics import comparison as enterprise_comparison
from storage.submissions import submit as submit_answers
from storage.submissions import trust_of
from storage.tables import Assessment, Enterprise
from storage.verification import note_respondent, standing
from web.api import schemas
from web.api.core import OWN_DATA, ApiError, api_user, audit, operation, timestamp
from web.api.enterprises import visible_enterprise
from web.catalog import get_catalog


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
            "verification": schemas.verification_data(standing(session=get_session(), assessment=assessment)),
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
            save_answers(session=session, assessment=assessment, answers=changes, timed=True)
            note_respondent(session=session, assessment=assessment, user=api_user())
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
    note_respondent(session=session, assessment=assessment, user=api_user())
    submission = submit_answers(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers,
                                trust=trust_of(api_user()), user=api_user())
    if submission is None:
        raise already_submitted(assessment)
    audit("change", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="submitted")
    return assessment_data(assessment, questionnaire)


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
    found = enterprise_comparison(session=get_session(), assessment=assessment, result=result,
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
            "passed": [cohort(c) for c in found.passed],
            "release": {"id": found.release_id, "published_at": timestamp(found.released_at)}}

"""Review and sign-off: a consultant who serves the enterprise, or an agency assessor whose jurisdiction holds it,
accepts or returns each answer of a submitted assessment, then signs it off or returns it to the enterprise. Who may
is decided in storage/verification.py (`may_review`); anyone else gets 404, as if the assessment did not exist."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from assessment.answers import visible_questions
from reports.display import describe_answer, describe_standing
from reports.quality import describe_active_time, describe_flag
from storage.access import acts_for_enterprise
from storage.assessments import load_answers
from storage.db import get_session
from storage.evidence import evidence_of
from storage.quality import active_seconds_of, answered_side_by_side, flags_for
from storage.tables import Assessment, Enterprise, Evidence
from storage.verification import (
    DECISIONS,
    MAX_COMMENT,
    ReviewRefused,
    decide,
    decisions,
    may_review,
    request_agency_review,
    return_to_enterprise,
    review_queue,
    sign_off,
    standing,
    withdraw_agency_review,
)
from web.access import record, role_required
from web.catalog import get_catalog
from web.evidence_files import evidence_response
from web.i18n import current_language

bp = Blueprint("review", __name__, url_prefix="/review")
REVIEWERS = ("consultant", "agency")


class StepForm(FlaskForm):
    """A review step, naming the revision the reviewer saw (a form posted again after a resubmission is refused)."""

    revision = IntegerField(validators=[InputRequired()])


class DecisionForm(StepForm):
    """Accept or return one answer."""

    question_id = HiddenField(validators=[InputRequired(), Length(max=64)])
    decision = HiddenField(validators=[AnyOf(DECISIONS)])
    comment = TextAreaField(validators=[Optional(), Length(max=MAX_COMMENT)])


class ReturnForm(StepForm):
    """Return the assessment to the enterprise, with a word to it."""

    comment = StringField(validators=[Optional(), Length(max=2000)])


class RequestForm(FlaskForm):
    """The enterprise asks the agencies of its region to verify a submitted assessment, or takes the request back."""

    action = HiddenField(validators=[AnyOf(("ask", "withdraw"))])


@bp.post("/request/<token>")
@role_required("enterprise", "admin")
def request_review(token: str):
    """The enterprise's own user (or an administrator) lets the agencies of its region review this assessment."""
    session = get_session()
    assessment = session.exec(select(Assessment).where(Assessment.token == token)).first()
    enterprise = session.get(Enterprise, assessment.enterprise_id) if assessment else None
    if enterprise is None or not acts_for_enterprise(current_user, enterprise):
        abort(404)
    form = RequestForm()
    if not form.validate_on_submit():
        abort(400)
    address = request.remote_addr or ""
    if form.action.data == "withdraw":
        withdraw_agency_review(session=session, assessment=assessment, user=current_user, address=address)
        return redirect(url_for("results.show", token=token))
    try:
        request_agency_review(session=session, assessment=assessment, user=current_user, address=address)
    except ReviewRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("results.show", token=token))


@bp.get("/")
@role_required(*REVIEWERS)
def queue():
    """The submitted assessments this reviewer may review."""
    return render_template("review/queue.html", rows=review_queue(session=get_session(), user=current_user))


def _reviewable(assessment_id: int) -> tuple[Assessment, Enterprise]:
    """The assessment if the signed-in user may review it now; 404 otherwise (nothing tells it exists)."""
    session = get_session()
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not may_review(session=session, user=current_user, assessment=assessment):
        abort(404)
    return assessment, session.get(Enterprise, assessment.enterprise_id)


@bp.get("/<int:assessment_id>")
@role_required(*REVIEWERS)
def show(assessment_id: int):
    """Every answer shown to the respondent, with its evidence and the decision on it, and the sign-off."""
    assessment, enterprise = _reviewable(assessment_id)
    session = get_session()
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    if questionnaire is None:
        abort(404)
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    visible = visible_questions(questionnaire, answers)
    evidence = evidence_of(session=session, assessment=assessment, question_ids=visible)
    current = standing(session=session, assessment=assessment)
    decided = decisions(session=session, assessment=assessment, revision=current.revision)
    lang = current_language()
    pages = [{"dimension": dimension,
              "rows": [{"question": q, "answer": describe_answer(q, answers.get(q.id), lang),
                        "evidence": evidence.get(q.id, []), "decision": decided.get(q.id)}
                       for q in dimension.questions if q.id in visible]}
             for dimension in questionnaire.dimensions]  # fmt: skip
    record("view", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="review")
    flags = flags_for(session=session, assessment=assessment, questionnaire=questionnaire)
    side_by_side = answered_side_by_side(session=session, assessment=assessment)
    return render_template("review/show.html", q=questionnaire, assessment=assessment, enterprise=enterprise,
                           pages=pages, standing=current, form=StepForm(), decision_form=DecisionForm(),
                           return_form=ReturnForm(), standing_text=describe_standing(current, lang),
                           returned=any(d.decision == "returned" for d in decided.values()),
                           flags=[describe_flag(flag, questionnaire, lang) for flag in flags],
                           active_time=describe_active_time(active_seconds_of(assessment), side_by_side))


def _step(assessment_id: int, form_class):
    assessment, enterprise = _reviewable(assessment_id)
    form = form_class()
    if not form.validate_on_submit():
        abort(400)
    return assessment, form


def _refused(assessment_id: int, refused: ReviewRefused):
    messages = {
        "revision": _("The assessment changed since this page was shown; nothing was recorded. Here it is now."),
        "returned": _("Answers are returned: accept them or return the assessment to the enterprise."),
        "comment": _("Say why the answer is returned (at most %(count)s characters).", count=MAX_COMMENT),
    }
    flash(messages.get(refused.reason, _("This step cannot be taken now.")), "error")
    return redirect(url_for("review.show", assessment_id=assessment_id)), 303


@bp.post("/<int:assessment_id>/answer")
@role_required(*REVIEWERS)
def answer(assessment_id: int):
    """Accept or return one answer shown to the respondent."""
    assessment, form = _step(assessment_id, DecisionForm)
    session = get_session()
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    if form.question_id.data not in visible_questions(questionnaire, answers):
        abort(404)
    try:
        decide(session=session, assessment=assessment, reviewer=current_user, revision=form.revision.data,
               question_id=form.question_id.data, decision=form.decision.data, comment=form.comment.data or "",
               address=request.remote_addr or "")
    except ReviewRefused as refused:
        return _refused(assessment_id, refused)
    return redirect(url_for("review.show", assessment_id=assessment_id, _anchor=f"r-{form.question_id.data}"))


@bp.post("/<int:assessment_id>/sign-off")
@role_required(*REVIEWERS)
def verify(assessment_id: int):
    """Sign the assessment off: verified by this reviewer, now."""
    assessment, form = _step(assessment_id, StepForm)
    try:
        sign_off(session=get_session(), assessment=assessment, reviewer=current_user, revision=form.revision.data,
                 address=request.remote_addr or "")
    except ReviewRefused as refused:
        return _refused(assessment_id, refused)
    flash(_("The assessment is signed off as verified."), "success")
    return redirect(url_for("review.show", assessment_id=assessment_id))


@bp.post("/<int:assessment_id>/return")
@role_required(*REVIEWERS)
def send_back(assessment_id: int):
    """Return the assessment to the enterprise, which may revise and resubmit it."""
    assessment, form = _step(assessment_id, ReturnForm)
    try:
        return_to_enterprise(session=get_session(), assessment=assessment, reviewer=current_user,
                             revision=form.revision.data, comment=form.comment.data or "",
                             address=request.remote_addr or "")
    except ReviewRefused as refused:
        return _refused(assessment_id, refused)
    flash(_("The assessment was returned to the enterprise."), "success")
    return redirect(url_for("review.queue"))


@bp.get("/<int:assessment_id>/evidence/<int:evidence_id>")
@role_required(*REVIEWERS)
def evidence_file(assessment_id: int, evidence_id: int):
    """One evidence file of an assessment under review."""
    assessment, enterprise = _reviewable(assessment_id)
    session = get_session()
    evidence = session.get(Evidence, evidence_id)
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    if (evidence is None or evidence.assessment_id != assessment.id
            or evidence.question_id not in visible_questions(questionnaire, answers)):
        abort(404)  # evidence of a question hidden by its condition is not shown
    record("view", enterprise_id=enterprise.id, assessment_id=assessment.id, detail=f"evidence file {evidence.id}")
    return evidence_response(evidence)

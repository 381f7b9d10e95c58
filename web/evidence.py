"""Evidence on a survey page: files and links behind an answer, added from the page (which saves first), listed
under the question, and downloaded by whoever holds the assessment's resume link."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FileField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from assessment.answers import visible_questions
from storage.assessments import load_answers
from storage.db import get_session
from storage.evidence import (
    MAX_ASSESSMENT_BYTES,
    MAX_COMMENT,
    MAX_FILE_BYTES,
    MAX_URL,
    EvidenceRefused,
    add_file,
    add_link,
    evidence_folder,
    evidence_of,
    remove,
)
from storage.tables import Evidence
from storage.verification import note_respondent, returned_answers
from web.access import record
from web.catalog import open_assessment
from web.evidence_files import evidence_response

bp = Blueprint("evidence", __name__)
UPLOAD_ENDPOINT = "evidence.add"
FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart framing around one file
UPLOAD_LIMIT = MAX_FILE_BYTES + FORM_OVERHEAD  # the largest request an upload may be; every other, the app's limit


class EvidenceForm(FlaskForm):
    """One file or one link, with a comment."""

    upload = FileField(_l("File (PDF, PNG, JPEG, XLSX, DOCX or CSV)"))
    url = StringField(_l("Or a link (http or https)"), validators=[Optional(), Length(max=MAX_URL)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)])


class RemoveForm(FlaskForm):
    """Remove one piece of evidence (the CSRF token is the form)."""


@bp.url_value_preprocessor
def _allow_evidence_upload(endpoint: str | None, _values: dict | None) -> None:
    """Let an upload's request carry one file of up to MAX_FILE_BYTES; every other request keeps the app's limit.

    URL value preprocessors run before the app's `before_request` (where CSRFProtect reads the form)."""
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = UPLOAD_LIMIT


def _folder():
    return evidence_folder(current_app.instance_path)


def _draft_question(token: str, question_id: str):
    """The draft assessment of a resume link and one of its questions shown now; 404 for anything else."""
    assessment, questionnaire = open_assessment(token)
    if assessment.status != "draft":
        return abort(404)
    answers = load_answers(session=get_session(), assessment=assessment, questionnaire=questionnaire)
    if question_id not in questionnaire.questions or question_id not in visible_questions(questionnaire, answers):
        abort(404)  # a question hidden by its condition has no evidence to add
    return assessment, questionnaire, questionnaire.questions[question_id]


def _page_number(questionnaire, question_id: str) -> int:
    dimension = questionnaire.dimension_of[question_id]
    return next(n for n, d in enumerate(questionnaire.dimensions, start=1) if d.id == dimension)


@bp.get("/a/<token>/evidence/<question_id>")
def question(token: str, question_id: str):
    """The evidence of one answer, and the form to add more (the page's answers were saved on the way here)."""
    assessment, questionnaire, found = _draft_question(token, question_id)
    return _render(assessment, questionnaire, found, EvidenceForm())


def _render(assessment, questionnaire, found, form, status: int = 200):
    session = get_session()
    return render_template(
        "evidence/question.html", q=questionnaire, assessment=assessment, question=found, form=form,
        remove_form=RemoveForm(), number=_page_number(questionnaire, found.id),
        evidence=evidence_of(session=session, assessment=assessment, question_ids=[found.id]).get(found.id, []),
        returned=returned_answers(session=session, assessment=assessment).get(found.id),
        max_mb=MAX_FILE_BYTES // (1024 * 1024), total_mb=MAX_ASSESSMENT_BYTES // (1024 * 1024),
    ), status


@bp.post("/a/<token>/evidence/<question_id>")
def add(token: str, question_id: str):
    """Keep the file or link of the form as evidence of the answer, then go back to the question's page."""
    assessment, questionnaire, found = _draft_question(token, question_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _render(assessment, questionnaire, found, form, 400)
    session = get_session()
    upload = request.files.get(form.upload.name)
    user = current_user if current_user.is_authenticated else None
    try:
        if upload is not None and upload.filename:
            data = upload.stream.read(MAX_FILE_BYTES + 1)
            add_file(session=session, folder=_folder(), assessment=assessment, question_id=found.id,
                     filename=upload.filename, data=data, comment=form.comment.data or "", user=user,
                     address=request.remote_addr or "")
        elif (form.url.data or "").strip():
            add_link(session=session, assessment=assessment, question_id=found.id, url=form.url.data,
                     comment=form.comment.data or "", user=user, address=request.remote_addr or "")
        else:
            flash(_("Choose a file or enter a link."), "error")
            return _render(assessment, questionnaire, found, form, 400)
    except EvidenceRefused as refused:
        flash(_refusal(refused.reason), "error")
        return _render(assessment, questionnaire, found, form, 400)
    note_respondent(session=session, assessment=assessment, user=current_user)
    flash(_("The evidence was added."), "success")
    return redirect(url_for("survey.page", token=token, number=_page_number(questionnaire, found.id),
                            _anchor=f"q-{found.id}"))


def _refusal(reason: str) -> str:
    """Why evidence was refused, in the user's language."""
    return {
        "kind": _("This file is not a PDF, PNG, JPEG, XLSX, DOCX or CSV file."),
        "size": _("A file may have at most %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024)),
        "total": _("The files of one assessment may have at most %(mb)s MB together.",
                   mb=MAX_ASSESSMENT_BYTES // (1024 * 1024)),
        "empty": _("The file is empty."),
        "url": _("Enter a link that starts with http:// or https://."),
        "comment": _("The comment is too long."),
    }.get(reason, _("The evidence was not accepted."))


@bp.post("/a/<token>/evidence/<question_id>/<int:evidence_id>/remove")
def delete(token: str, question_id: str, evidence_id: int):
    """Remove one piece of evidence of a draft's answer."""
    assessment, questionnaire, found = _draft_question(token, question_id)
    if not RemoveForm().validate_on_submit():
        abort(400)
    session = get_session()
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.assessment_id != assessment.id or evidence.question_id != found.id:
        abort(404)
    remove(session=session, folder=_folder(), evidence=evidence,
           user=current_user if current_user.is_authenticated else None, address=request.remote_addr or "")
    flash(_("The evidence was removed."), "success")
    return redirect(url_for("evidence.question", token=token, question_id=found.id))


@bp.get("/a/<token>/evidence/file/<int:evidence_id>")
def download(token: str, evidence_id: int):
    """One evidence file of the assessment of a resume link, as an attachment."""
    assessment, _questionnaire = open_assessment(token)
    evidence = get_session().get(Evidence, evidence_id)
    if evidence is None or evidence.assessment_id != assessment.id:
        abort(404)
    record("view", enterprise_id=assessment.enterprise_id, assessment_id=assessment.id,
           detail=f"evidence file {evidence.id}")
    return evidence_response(evidence)


"""Pages of an assessment assigned to colleagues: the owner assigns and revokes them and sees who answered what and
when; a colleague's personal link lists their pages (the pages themselves are the survey's: web/survey.py). The
rules of assignments and links: storage/assignments.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice
from wtforms.validators import DataRequired, Length

from jobs import mail
from storage.assessments import load_answers
from storage.assignments import (
    LINK_LIFETIME,
    AssignmentRefused,
    assign_pages,
    assignments_of,
    held_pages,
    is_working,
    may_assign,
    open_link,
    revoke,
    saves_of,
)
from storage.db import get_session
from storage.tables import Assessment, Enterprise, PageAssignment
from web.access import record, role_required
from web.catalog import get_questionnaire_or_404
from web.forms import MultiCheckboxField, SubmitForm
from web.i18n import current_language
from web.links import external_url

bp = Blueprint("assignments", __name__)


class AssignForm(FlaskForm):
    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Length(max=254)])
    pages = MultiCheckboxField(_l("Pages to assign"), choices=[], validate_choice=False)


def _owned(assessment_id: int) -> Assessment:
    """The assessment, if the current user owns its pages; else 404 (whether it exists or not)."""
    assessment = get_session().get(Assessment, assessment_id)
    if assessment is None or not may_assign(current_user, assessment):
        abort(404)
    return assessment


@bp.route("/workspace/assessments/<int:assessment_id>/assignments", methods=["GET", "POST"])
@role_required("enterprise")
def index(assessment_id: int):
    """Assign pages to a colleague by e-mail; who holds which page, what they saved and when; revoke."""
    session = get_session()
    assessment = _owned(assessment_id)
    questionnaire = get_questionnaire_or_404(assessment.questionnaire_id, assessment.questionnaire_version)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    lang = current_language()
    held = held_pages(session=session, assessment=assessment)
    form = AssignForm()
    form.pages.choices = [SelectChoice(d.id, d.name.get(lang)) for d in questionnaire.dimensions
                          if d.id not in held]  # fmt: skip
    if assessment.status == "draft" and form.validate_on_submit():
        try:
            assignment, secret = assign_pages(session=session, assessment=assessment, questionnaire=questionnaire,
                                              email=form.email.data, pages=form.pages.data or [], by=current_user)
        except AssignmentRefused as refused:
            _show_refusal(form, refused)
        else:
            _mail_link(assignment, secret, enterprise, questionnaire, lang)
            record("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
                   detail=f"pages {', '.join(assignment.pages)} assigned to {assignment.email} "
                          f"(assignment {assignment.id})")  # fmt: skip
            flash(_("The pages were assigned; %(email)s received a link to them.", email=assignment.email), "info")
            return redirect(url_for("assignments.index", assessment_id=assessment.id))
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    saves = saves_of(session=session, assessment=assessment)
    names = {d.id: d.name.get(lang) for d in questionnaire.dimensions}
    pages = [{"number": n, "dimension": d, "name": names[d.id], "holder": held.get(d.id),
              "answered": sum(1 for question in d.questions if question.id in answers),
              "questions": len(d.questions)}
             for n, d in enumerate(questionnaire.dimensions, start=1)]  # fmt: skip
    return render_template(
        "assignments/index.html", assessment=assessment, enterprise=enterprise, form=form, pages=pages,
        assignments=assignments_of(session=session, assessment=assessment), saves=saves, names=names,
        is_working=is_working, when=lambda moment: format_datetime(moment, "yyyy-MM-dd HH:mm"),
        revoke_form=SubmitForm(),
    ), 400 if form.errors else 200


@bp.post("/workspace/assessments/<int:assessment_id>/assignments/<int:assignment_id>/revoke")
@role_required("enterprise")
def revoke_assignment(assessment_id: int, assignment_id: int):
    """Stop a colleague's link at once."""
    session = get_session()
    assessment = _owned(assessment_id)
    if not SubmitForm().validate_on_submit():
        abort(400)
    assignment = session.get(PageAssignment, assignment_id)
    if assignment is None or assignment.assessment_id != assessment.id:
        abort(404)
    revoke(session=session, assignment=assignment)
    record("change", enterprise_id=assessment.enterprise_id, assessment_id=assessment.id,
           detail=f"assignment {assignment.id} of {assignment.email} revoked")
    flash(_("The link of %(email)s no longer works.", email=assignment.email), "info")
    return redirect(url_for("assignments.index", assessment_id=assessment.id))


@bp.get("/colleague/<link>")
def colleague(link: str):
    """A colleague's personal link: the pages assigned to them, and which they have saved."""
    session = get_session()
    opened = open_link(session=session, secret=link)
    if opened is None:
        return render_template("assignments/invalid.html"), 404
    assessment = opened.assessment
    questionnaire = get_questionnaire_or_404(assessment.questionnaire_id, assessment.questionnaire_version)
    lang = current_language()
    saved = saves_of(session=session, assessment=assessment).get(opened.assignment.id, {})
    pages = [{"number": n, "name": d.name.get(lang), "saved": saved.get(d.id),
              "questions": len(d.questions)}
             for n, d in enumerate(questionnaire.dimensions, start=1) if d.id in opened.assignment.pages]  # fmt: skip
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    return render_template("assignments/colleague.html", link=link, pages=pages, enterprise=enterprise,
                           assignment=opened.assignment,
                           when=lambda moment: format_datetime(moment, "yyyy-MM-dd HH:mm"))  # fmt: skip


def _show_refusal(form: AssignForm, refused: AssignmentRefused) -> None:
    """Word a refused assignment next to the field it concerns."""
    if refused.reason == "email":
        form.email.errors = [_("This is not an e-mail address.")]
    elif refused.reason == "submitted":
        form.pages.errors = [_("This assessment was submitted; its pages can no longer be assigned.")]
    elif refused.reason == "taken":
        form.pages.errors = [_("A page you chose is already assigned to a colleague; revoke that link first.")]
    else:
        form.pages.errors = [_("Choose at least one page that is not assigned yet.")]


def _mail_link(assignment: PageAssignment, secret: str, enterprise: Enterprise, questionnaire, lang: str) -> None:
    """Mail the colleague their personal link (its secret is in no page and no log but the mail)."""
    names = [d.name.get(lang) for d in questionnaire.dimensions if d.id in assignment.pages]
    owner = f"{current_user.name} ({current_user.email})" if current_user.name else current_user.email
    mail.send(assignment.email, _("Pages of the %(name)s assessment for you to answer", name=enterprise.name),
              _("%(owner)s asks you to answer these pages of %(name)s's assessment: %(pages)s.\n\nOpen them with "
                "this personal link within %(days)s days (do not pass it on; it works only for these pages):"
                "\n\n%(link)s", owner=owner, name=enterprise.name, pages="; ".join(names),
                days=LINK_LIFETIME.days, link=external_url("assignments.colleague", link=secret)))  # fmt: skip

"""Taking a questionnaire: profile, one page per dimension saved as you go, resume link, review, submit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assessment.answers import Answer, parse_answer, unanswered, visible_questions
from assessment.classifications import load_industries, size_class
from jobs.statistics import queue_entry
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE
from reports.display import describe_answer, format_number
from storage.assessments import load_answers, save_answers, start_assessment
from storage.assignments import OpenedLink, open_link, record_save
from storage.db import get_session
from storage.evidence import evidence_of
from storage.submissions import submit as submit_answers
from storage.submissions import trust_of
from storage.tables import Enterprise, EnterpriseBase
from storage.verification import note_respondent, returned_answers, standing
from web.access import record
from web.catalog import get_questionnaire_or_404, open_assessment
from web.forms import NA_SUFFIX, ProfileForm, SubmitForm, page_form_class
from web.i18n import current_language

bp = Blueprint("survey", __name__)


@bp.route("/start/<questionnaire_id>", methods=["GET", "POST"])
def start(questionnaire_id: str):
    """The enterprise profile; saving it starts the assessment."""
    questionnaire = get_questionnaire_or_404(questionnaire_id)
    form = ProfileForm()
    form.fill_choices(current_language())
    if form.validate_on_submit():
        industry = load_industries()[form.industry.data]
        profile = EnterpriseBase(
            name=form.name.data.strip(),
            region_code=form.region.data,
            industry_code=industry.code,
            industry_type=industry.type,
            employees=form.employees.data,
            revenue_million_yuan=float(form.revenue.data),
            size_class=size_class(form.employees.data, float(form.revenue.data)),
        )
        session = get_session()
        assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
        assessment.language = current_language()  # its resume link opens in it, in any browser
        session.add(assessment)
        session.commit()
        link_to_account(session, assessment.enterprise_id)
        return redirect(url_for("survey.page", token=assessment.token, number=1))
    return render_template("survey/start.html", q=questionnaire, form=form)


def link_to_account(session, enterprise_id: int) -> None:
    """A signed-in consultant's new enterprise becomes its client; an enterprise user's, its own if it has none."""
    if not current_user.is_authenticated:
        return
    if current_user.role == "consultant":
        enterprise = session.get(Enterprise, enterprise_id)
        enterprise.consultant_id = current_user.id
        session.add(enterprise)
    elif current_user.role == "enterprise" and current_user.enterprise_id is None:
        current_user.enterprise_id = enterprise_id
        session.add(current_user)
    else:
        return
    session.commit()
    record("change", enterprise_id=enterprise_id, detail=f"enterprise created by {current_user.role}")


@bp.get("/a/<token>")
def resume(token: str):
    """Come back later: the first page with an unanswered question, the review, or the results."""
    assessment, questionnaire = open_assessment(token)
    if assessment.status == "submitted":
        return redirect(url_for("results.show", token=token))
    answers = load_answers(session=get_session(), assessment=assessment, questionnaire=questionnaire)
    missing = unanswered(questionnaire, answers)
    if not missing:
        return redirect(url_for("survey.review", token=token))
    first = questionnaire.dimension_of[missing[0]]
    number = next(n for n, dimension in enumerate(questionnaire.dimensions, start=1) if dimension.id == first)
    return redirect(url_for("survey.page", token=token, number=number))


@bp.route("/a/<token>/page/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int):
    """One dimension's questions; every valid answer is saved whatever button was pressed, and the page stays, its
    invalid answers marked, until they are corrected."""
    assessment, questionnaire = open_assessment(token)
    if assessment.status == "submitted":
        return redirect(url_for("results.show", token=token))
    if not 1 <= number <= len(questionnaire.dimensions):
        abort(404)
    return _page(assessment, questionnaire, number)


def _page(assessment, questionnaire: Questionnaire, number: int, colleague: OpenedLink | None = None,
          link: str = ""):  # fmt: skip
    """A page shown and saved for the owner of the resume link, or for a colleague given it (`colleague`, `link`)."""
    token = assessment.token
    session = get_session()
    lang = current_language()
    dimension = questionnaire.dimensions[number - 1]
    form_class = page_form_class(questionnaire, number - 1, lang)
    saved = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    errors: dict[str, str] = {}
    answers = saved  # what the progress counts: after a save, the answers as saved now
    if request.method == "POST":
        form = form_class()  # CSRFProtect has checked the token; parse_answer checks every answer below
        action = request.form.get("action", "next")
        merged, changes = dict(saved), {}
        for question in dimension.questions:
            raw = _raw_from_form(question, form)
            if raw is None:
                merged.pop(question.id, None)
                changes[question.id] = None
                continue
            try:
                merged[question.id] = changes[question.id] = parse_answer(question, raw)
            except ValueError:
                errors[question.id] = _error_message(question)
        if colleague is None:  # the owner's language is the one the resume link opens in
            assessment.language = lang
        save_answers(session=session, assessment=assessment, answers=changes, timed=True)
        answers = merged
        if colleague is not None:
            _record_colleague_save(colleague, dimension, merged)
        note_respondent(session=session, assessment=assessment, user=current_user)
        visible = visible_questions(questionnaire, merged)
        if action == "next":
            on_page = {question.id for question in dimension.questions}
            for question_id in unanswered(questionnaire, merged):
                if question_id in on_page and question_id not in errors:
                    errors[question_id] = _("Please answer this question.")
        if not errors:  # an invalid answer keeps the page whatever was pressed: marked in place, with what was typed
            if colleague is not None:
                return _after_colleague_save(colleague, link, questionnaire, number, action)
            return _after_save(token, number, action, len(questionnaire.dimensions))
        flash(_("Please correct the answers marked below. Your other answers are saved."), "error")
    else:
        form = form_class(formdata=None, data=_form_data(dimension.questions, saved))
        visible = visible_questions(questionnaire, saved)
    return render_template(
        "survey/page.html",
        q=questionnaire,
        assessment=assessment,
        dimension=dimension,
        number=number,
        form=form,
        errors=errors,
        visible=visible,
        progress=None if colleague else _progress(questionnaire, answers),  # a colleague sees their pages only
        colleague=colleague,
        enterprise_name=session.get(Enterprise, assessment.enterprise_id).name if colleague else "",
        colleague_numbers=_colleague_numbers(colleague, questionnaire) if colleague else [],
        # evidence and a reviewer's returned answers, of the questions shown (templates/evidence/_question.html)
        evidence=evidence_of(session=session, assessment=assessment, question_ids=visible),
        returned=returned_answers(session=session, assessment=assessment),
        requirement_levels=questionnaire.requirement_levels,
        requirement_names={level: band.name for level in range(1, 6)
                           if (band := questionnaire.requirement_level_name(level)) is not None},
    )


# A colleague's pages (storage/assignments.py): only the pages assigned, no resume link, no review, no submission.


@bp.route("/colleague/<link>/page/<int:number>", methods=["GET", "POST"])
def colleague_page(link: str, number: int):
    """One page assigned to a colleague, shown and saved through their personal link; any other page is refused."""
    opened = open_link(session=get_session(), secret=link)
    if opened is None:
        return render_template("assignments/invalid.html"), 404
    questionnaire = get_questionnaire_or_404(opened.assessment.questionnaire_id,
                                             opened.assessment.questionnaire_version)
    if number not in _colleague_numbers(opened, questionnaire):
        abort(404)  # not theirs: neither shown nor saved
    return _page(opened.assessment, questionnaire, number, colleague=opened, link=link)


def _colleague_numbers(colleague: OpenedLink, questionnaire: Questionnaire) -> list[int]:
    """The page numbers assigned to a colleague, in order."""
    return [n for n, dimension in enumerate(questionnaire.dimensions, start=1)
            if dimension.id in colleague.assignment.pages]  # fmt: skip


def _record_colleague_save(colleague: OpenedLink, dimension, answers: dict[str, Answer]) -> None:
    """Note the save for the owner's overview and in the audit log."""
    answered = sum(1 for question in dimension.questions if question.id in answers)
    record_save(session=get_session(), assignment=colleague.assignment, dimension_id=dimension.id, answered=answered)
    record("change", enterprise_id=colleague.assessment.enterprise_id, assessment_id=colleague.assessment.id,
           detail=f"page {dimension.id} saved by colleague {colleague.assignment.email} "
                  f"(assignment {colleague.assignment.id})")  # fmt: skip


def _after_colleague_save(colleague: OpenedLink, link: str, questionnaire: Questionnaire, number: int, action: str):
    """A colleague moves between their own pages; from the last, or on "finish later", to their list of pages."""
    numbers = _colleague_numbers(colleague, questionnaire)
    position = numbers.index(number)
    if action == "back" and position > 0:
        return redirect(url_for("survey.colleague_page", link=link, number=numbers[position - 1]))
    if action == "next" and position + 1 < len(numbers):
        return redirect(url_for("survey.colleague_page", link=link, number=numbers[position + 1]))
    return redirect(url_for("assignments.colleague", link=link))


def _after_save(token: str, number: int, action: str, pages: int):
    if action.startswith("evidence:"):  # the page is saved: now add evidence to one of its answers
        return redirect(url_for("evidence.question", token=token, question_id=action.removeprefix("evidence:")))
    if action == "back":
        return redirect(url_for("survey.page", token=token, number=max(1, number - 1)))
    if action == "exit":
        return redirect(url_for("survey.saved", token=token))
    if number < pages:
        return redirect(url_for("survey.page", token=token, number=number + 1))
    return redirect(url_for("survey.review", token=token))


def _raw_from_form(question, form) -> object | None:
    """The raw answer a page's form holds for one question; None when left empty."""
    field = form[question.id]
    if question.type in ("multiple", "number") and question.not_applicable and form[question.id + NA_SUFFIX].data:
        return NOT_APPLICABLE
    if question.type == "multiple":
        return list(field.data or [])
    value = field.data
    if isinstance(value, str):
        value = value.strip()
    return value if value not in (None, "") else None


def _form_data(questions, answers: dict[str, Answer]) -> dict:
    """Stored answers as form data, so a page shows what was saved."""
    data = {}
    for question in questions:
        answer = answers.get(question.id)
        if answer is None:
            continue
        if answer == NOT_APPLICABLE and question.type in ("multiple", "number"):
            data[question.id + NA_SUFFIX] = True
        elif question.type == "yesno" and answer != NOT_APPLICABLE:
            data[question.id] = "yes" if answer else "no"
        elif question.type == "multiple":
            data[question.id] = list(answer)
        elif question.type == "number" and answer != NOT_APPLICABLE:
            data[question.id] = format_number(answer)
        else:
            data[question.id] = str(answer)
    return data


def _error_message(question) -> str:
    """What is wrong with an answer that did not parse, in the user's language."""
    if question.type == "number":
        if question.integer:
            return _("Enter a whole number from %(min)s to %(max)s.", min=format_number(question.min),
                     max=format_number(question.max))
        return _("Enter a number from %(min)s to %(max)s.", min=format_number(question.min),
                 max=format_number(question.max))
    if question.type == "text":
        return _("This text is too long (at most %(count)s characters).", count=question.max_length)
    return _("Choose one of the answers offered.")


def _progress(questionnaire: Questionnaire, answers: dict[str, Answer]) -> int:
    """Percent of the shown questions answered (free text does not count either way)."""
    shown = [qid for qid in visible_questions(questionnaire, answers) if questionnaire.questions[qid].type != "text"]
    missing = len(unanswered(questionnaire, answers))
    return round(100 * (len(shown) - missing) / len(shown)) if shown else 100


@bp.get("/a/<token>/saved")
def saved(token: str):
    """Confirmation after 'save and finish later', with the resume link to keep."""
    assessment, questionnaire = open_assessment(token)
    return render_template("survey/saved.html", q=questionnaire, assessment=assessment)


@bp.get("/a/<token>/review")
def review(token: str):
    """Every answer on one page, the missing ones marked, and the submit button."""
    assessment, questionnaire = open_assessment(token)
    if assessment.status == "submitted":
        return redirect(url_for("results.show", token=token))
    answers = load_answers(session=get_session(), assessment=assessment, questionnaire=questionnaire)
    visible = visible_questions(questionnaire, answers)
    missing_ids = set(unanswered(questionnaire, answers))
    lang = current_language()
    pages = []
    for number, dimension in enumerate(questionnaire.dimensions, start=1):
        rows = [
            {
                "question": question,
                "answer": describe_answer(question, answers.get(question.id), lang),
                "missing": question.id in missing_ids,
            }
            for question in dimension.questions
            if question.id in visible
        ]
        pages.append({"number": number, "dimension": dimension, "rows": rows})
    session = get_session()
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    returned = returned_answers(session=session, assessment=assessment)  # a reviewer sent these back
    return render_template(
        "survey/review.html", q=questionnaire, assessment=assessment, enterprise=enterprise, pages=pages,
        missing=len(missing_ids), form=SubmitForm(),
        returned=[(row["question"], returned[row["question"].id].comment, page["number"]) for page in pages
                  for row in page["rows"] if row["question"].id in returned],
        standing=standing(session=session, assessment=assessment),
    )


@bp.post("/a/<token>/submit")
def submit(token: str):
    """Score the complete answers, pin the result to the questionnaire version, show the results."""
    assessment, questionnaire = open_assessment(token)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if assessment.status == "submitted":
        return redirect(url_for("results.show", token=token))
    session = get_session()
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    missing = unanswered(questionnaire, answers)
    if missing:
        flash(_("%(count)s questions still need an answer.", count=len(missing)), "error")
        return redirect(url_for("survey.review", token=token))
    # The enterprise sees its result at once; the statistics others see change only with the next release.
    note_respondent(session=session, assessment=assessment, user=current_user)
    submission = submit_answers(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers,
                                trust=trust_of(current_user), user=current_user, defer_entry=True)
    if submission is not None:  # its benchmark entry, for the next release, is recorded by the worker
        queue_entry(assessment.id, submission.trust)
    return redirect(url_for("results.show", token=token))

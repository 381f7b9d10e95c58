"""The signed-in home of enterprise users and consultants: the enterprises they may see and their assessments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import col, select

from assessment.classifications import load_industries, load_regions
from reports.display import STATUS_WORDS
from storage.access import can_see_enterprise, visible_enterprises
from storage.assessments import find_assessment
from storage.db import get_session
from storage.tables import Assessment, AssessmentComment, Enterprise
from storage.workspace import MAX_SEARCH, SORTS, STATUSES, VERIFIED, ClientQuery, client_page, region_prefix
from web.access import record, role_required
from web.catalog import get_catalog
from web.i18n import current_language

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


@bp.get("/")
@role_required("enterprise", "consultant", "admin")
def index():
    """An enterprise user's own assessments; for consultants and administrators, the table of client enterprises."""
    if current_user.role == "enterprise":
        return _own_assessments()
    lang = current_language()
    query, search_problem = _client_query(request.args)
    page = client_page(session=get_session(), user=current_user, query=query)
    catalog = get_catalog()
    regions, industries = load_regions(), load_industries()
    return render_template(
        "workspace/clients.html",
        page=page,
        query=query,
        args=request.args,
        search_problem=search_problem,
        region_names={row.enterprise.region_code: _region_name(regions, row.enterprise.region_code, lang)
                      for row in page.rows},  # fmt: skip
        industry_names={code: industry.name(lang) for code, industry in industries.items()},
        questionnaires=[(qid, catalog.get(qid).definition.title) for qid in catalog.ids()],
        region_choices=regions.choices(lang),
        statuses=STATUS_NAMES,
        verified_names=VERIFIED_NAMES,
    )


# What each status (reports/display.py, as everywhere) and verification state is called in the table and its filters.
STATUS_NAMES = {status: STATUS_WORDS[status] for status in STATUSES}
VERIFIED_NAMES = {"verified": _l("Verified"), "self_declared": _l("Self-declared")}


def _client_query(args) -> tuple[ClientQuery, str | None]:
    """The table's view from the GET parameters; an unknown value means no filter, a bad page the first page."""
    search = (args.get("search") or "").strip()
    problem = None
    if len(search) > MAX_SEARCH:
        problem = _("Search: at most %(count)s characters; no enterprise has a longer name.", count=MAX_SEARCH)
        search = ""
    catalog = get_catalog()
    industry = args.get("industry", "")
    questionnaire = args.get("questionnaire", "")
    query = ClientQuery(
        search=search,
        region_prefix=region_prefix(args.get("region", "")),
        industry=industry if industry in load_industries() else "",
        questionnaire=questionnaire if questionnaire in catalog.ids() else "",
        status=args.get("status", "") if args.get("status") in STATUSES else "",
        verified=args.get("verified", "") if args.get("verified") in VERIFIED else "",
        sort=args.get("sort", "name") if args.get("sort") in SORTS else "name",
        descending=args.get("dir") == "desc",
        page=_page_number(args.get("page", "")),
    )
    return query, problem


def _page_number(value: str) -> int:
    """A page number from the address: ASCII digits only ("²" is a digit to `isdigit`, not to `int`), at most six of
    them (the query clamps it to the last page)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 1


def _region_name(regions, code: str, lang: str) -> str:
    """A region's name with its province's ("Shandong / Jinan"); the code itself if the classification lacks it."""
    if code not in regions:
        return code
    return " / ".join(region.name(lang) for region in regions.path(code)[1:]) or regions.get(code).name(lang)


def _own_assessments():
    """An enterprise user's enterprise with its assessments, newest first."""
    enterprises = visible_enterprises(session=get_session(), user=current_user)
    ids = [e.id for e in enterprises]
    assessments: dict[int, list[Assessment]] = {i: [] for i in ids}
    if ids:
        query = select(Assessment).where(col(Assessment.enterprise_id).in_(ids)).order_by(
            col(Assessment.created_at).desc())
        for assessment in get_session().exec(query):
            assessments[assessment.enterprise_id].append(assessment)
    return render_template("workspace/index.html", enterprises=enterprises, assessments=assessments)


@bp.post("/claim/<token>")
@role_required("enterprise", "consultant")
def claim(token: str):
    """Link the enterprise of an assessment whose resume link the user holds: as its own, or as a client."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    session = get_session()
    assessment = find_assessment(session=session, token=token) or abort(404)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    if current_user.role == "enterprise":
        if current_user.enterprise_id not in (None, enterprise.id):
            flash(_("Your account already belongs to another enterprise."), "error")
            return redirect(url_for("results.show", token=token))
        if enterprise.consultant_id is not None and current_user.enterprise_id != enterprise.id:
            # A consultant holds its clients' resume links too: were the link enough, it could give a second account
            # of its own the enterprise's rights over its data. Those come from an invitation (web/invitations.py).
            flash(_("%(name)s is a consultant's client, so its resume link cannot make you its user: ask its own "
                    "user or an administrator for an invitation.", name=enterprise.name), "error")
            return redirect(url_for("results.show", token=token))
        current_user.enterprise_id = enterprise.id
        session.add(current_user)
    else:
        if enterprise.consultant_id not in (None, current_user.id):
            flash(_("This enterprise is already the client of another consultant."), "error")
            return redirect(url_for("results.show", token=token))
        enterprise.consultant_id = current_user.id
        session.add(enterprise)
    session.commit()
    record("change", enterprise_id=enterprise.id, assessment_id=assessment.id, detail=f"claimed by {current_user.role}")
    flash(_("%(name)s is now linked to your account.", name=enterprise.name), "info")
    return redirect(url_for(".index"))


@bp.post("/comment/<token>")
@role_required("consultant", "admin")
def comment(token: str):
    """Add a comment to a client's assessment; it is printed in the assessment's report."""
    session = get_session()
    assessment = find_assessment(session=session, token=token) or abort(404)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    if not can_see_enterprise(current_user, enterprise):
        abort(404)
    text = (request.form.get("text") or "").strip()
    if not FlaskForm().validate_on_submit() or not text or len(text) > 2000:
        flash(_("A comment needs between 1 and 2000 characters; nothing was added."), "error")
        return redirect(url_for("results.show", token=token))
    author = current_user.brand_name or current_user.name or current_user.email
    session.add(AssessmentComment(assessment_id=assessment.id, user_id=current_user.id, author=author, text=text))
    session.commit()
    record("change", enterprise_id=enterprise.id, assessment_id=assessment.id, detail="comment added")
    flash(_("The comment is added; it is printed in the report."), "info")
    return redirect(url_for("results.show", token=token) + "#comments")

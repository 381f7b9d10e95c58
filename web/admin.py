"""Administration: users and their roles, the audit log, reference data and statistics releases."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlmodel import col, func, select

from assessment.classifications import load_regions
from assessment.margins import parse_margins_csv
from assessment.published import parse_published_csv
from assessment.reference_csv import ReferenceFileError
from assessment.regional.indicators import parse_indicator_csv
from jobs import releases as jobs_releases
from storage.db import get_session, parse_id
from storage.margins import import_margins, margin_summary
from storage.reference_data import import_indicators, import_published, indicator_periods, published_benchmarks
from storage.releases import release_due, releases
from storage.settings import COUNT_ANONYMOUS, RELEASE_INTERVAL_DAYS, get_setting, set_setting
from storage.tables import ROLES, AuditEvent, Enterprise, MailMessage, User
from web.access import record, role_required
from web.catalog import get_catalog
from web.forms import LISTED_PROBLEMS
from web.i18n import current_language

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 100


@bp.get("/users")
@role_required("admin")
def users():
    """Every account with its role, jurisdiction and state."""
    session = get_session()
    rows = session.exec(select(User).order_by(User.email)).all()
    regions = load_regions()
    return render_template(
        "admin/users.html",
        users=rows,
        roles=ROLES,
        regions=[("", "—"), (regions.country.code, regions.country.name(current_language())),
                 *regions.choices(current_language())],  # fmt: skip
        form=FlaskForm(),
    )


@bp.post("/users/<int:user_id>")
@role_required("admin")
def update_user(user_id: int):
    """Change one account's role, jurisdiction, enterprise or state."""
    form = FlaskForm()
    session = get_session()
    user = session.get(User, user_id)
    if user is None or not form.validate_on_submit():
        flash(_("Nothing was changed."), "error")
        return redirect(url_for(".users"))
    role = request.form.get("role", user.role)
    jurisdiction = request.form.get("jurisdiction") or None
    enterprise = request.form.get("enterprise_id", "").strip()
    problems = []
    if role not in ROLES:
        problems.append(_("Unknown role."))
    if jurisdiction and jurisdiction not in load_regions():
        problems.append(_("Unknown region code %(code)s.", code=jurisdiction))
    if role == "agency" and not jurisdiction:
        problems.append(_("An agency analyst needs a jurisdiction."))
    if enterprise and (parse_id(enterprise) is None or session.get(Enterprise, parse_id(enterprise)) is None):
        problems.append(_("No enterprise has the id %(id)s.", id=enterprise))
    if problems:
        for problem in problems:
            flash(f"{user.email}: {problem}", "error")
        return redirect(url_for(".users"))
    user.role, user.jurisdiction = role, jurisdiction if role == "agency" else None
    user.enterprise_id = parse_id(enterprise) if enterprise else None
    user.active = request.form.get("active") == "on"
    session.add(user)
    session.commit()
    record("change_user", detail=f"{user.email}: role {role}, jurisdiction {user.jurisdiction}, active {user.active}")
    flash(_("%(email)s was updated.", email=user.email), "info")
    return redirect(url_for(".users"))


@bp.get("/audit")
@role_required("admin")
def audit_log():
    """The newest audit events, filtered by enterprise or user if asked."""
    session = get_session()
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(PAGE)
    enterprise = request.args.get("enterprise", "")
    if enterprise.isdigit():
        query = query.where(AuditEvent.enterprise_id == (parse_id(enterprise) or 0))  # 0: no id
    user = request.args.get("user", "")
    if user.isdigit():
        query = query.where(AuditEvent.user_id == (parse_id(user) or 0))
    events = session.exec(query).all()
    emails = {u.id: u.email for u in session.exec(select(User)).all()}
    return render_template("admin/audit.html", events=events, emails=emails, enterprise=enterprise, user=user)


MAIL_STATUSES = ("queued", "sent", "bounced", "failed")


@bp.get("/mail")
@role_required("admin")
def mail_log():
    """The newest mail the app sent or tried to send, with what became of each (bodies are never shown: jobs/mail.py
    keeps them sealed while queued and erases them after)."""
    status = request.args.get("status", "")
    query = select(MailMessage).order_by(col(MailMessage.id).desc()).limit(PAGE)
    if status in MAIL_STATUSES:
        query = query.where(MailMessage.status == status)
    session = get_session()
    counts = dict(session.exec(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all())
    return render_template("admin/mail.html", messages=session.exec(query).all(), status=status,
                           statuses=MAIL_STATUSES, counts=counts)  # fmt: skip


REFERENCE_KINDS = {
    "indicators": (parse_indicator_csv, import_indicators),
    "published": (parse_published_csv, import_published),
    "margins": (parse_margins_csv, None),  # stored with the source and year given beside the file (margin_store)
}


def margin_store(problems: list[str]):
    """The store function of a margins upload, with the source and year of its form; adds their problems."""
    source, year = request.form.get("source", "").strip(), request.form.get("year", "").strip()
    if not source or len(source) > 300:
        problems.append(_("Source: give the census or register the counts come from (at most 300 characters)."))
    if not (year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100):  # "²" is a digit, not an int
        problems.append(_("Year: “%(value)s” is not a year (four digits, e.g. 2025).", value=year))
    if problems:
        return None

    def store(*, session, rows):
        return import_margins(session=session, rows=rows, source=source, year=int(year))

    return store


@bp.route("/reference", methods=["GET", "POST"])
@role_required("admin")
def reference():
    """Questionnaires in use (checked as the app loaded them), and uploads of regional indicators, published
    benchmarks and population margins: a file with any bad row is refused whole, each problem named by line and
    column."""
    form = FlaskForm()
    problems: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        kind = request.form.get("kind", "")
        upload = request.files.get("file")
        if kind not in REFERENCE_KINDS or upload is None or not upload.filename:
            problems.append(_("Choose the kind of data and a CSV file."))
        else:
            parse, store = REFERENCE_KINDS[kind]
            store = margin_store(problems) if kind == "margins" else store
            data = upload.read()
            try:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    line = data[: error.start].count(b"\n") + 1
                    raise ReferenceFileError(Path(upload.filename), [(f"line {line}", "not UTF-8 text")]) from None
                rows = parse(text, file_name=upload.filename)
            except ReferenceFileError as error:
                problems.extend(str(error).splitlines())
            if store is not None and not problems:  # None: a margins upload's source or year was refused
                count = store(session=get_session(), rows=rows)
                record("change", detail=f"imported {count} {kind} rows from {upload.filename}")
                flash(_("%(count)s rows imported from %(file)s.", count=count, file=upload.filename), "info")
                return redirect(url_for(".reference"))
    return _reference_page(form, problems)


def _reference_page(form: FlaskForm, problems: list[str]):
    """The Reference data page, with the problems of an upload (400) or none; a margins upload's source and year
    stay in their fields."""
    catalog = get_catalog()
    questionnaires = [catalog.get(qid, version) for qid in catalog.ids() for version in catalog.versions(qid)]
    return render_template(
        "admin/reference.html",
        form=form,
        problems=problems,
        listed=LISTED_PROBLEMS,
        questionnaires=questionnaires,
        published=published_benchmarks(session=get_session()),
        periods=indicator_periods(session=get_session()),
        margins=margin_summary(session=get_session()),
        margin_source=request.form.get("source", ""), margin_year=request.form.get("year", ""),
    ), 400 if problems else 200


RELEASE_INTERVALS = (0, 1, 7, 30, 90)  # the schedules an administrator can choose, in days (0: by hand only)


@bp.route("/releases", methods=["GET", "POST"])
@role_required("admin")
def releases_page():
    """Statistics releases: every one made, publishing one now, the schedule, and whether anonymous submissions
    count. What other people see of the submissions changes only when a release is published."""
    form = FlaskForm()
    session = get_session()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Nothing was changed."), "error")
            return redirect(url_for(".releases_page"))
        if request.form.get("action") == "publish":
            before = len(releases(session=session))
            jobs_releases.publish("administrator")
            record("change", detail="asked for a statistics release")
            made = releases(session=session)
            if len(made) > before:  # made at once (no separate worker: tests, one-off runs)
                flash(_("Release %(number)s published: %(cells)s groups, %(withheld)s of them withheld.",
                        number=made[0].id, cells=made[0].cells, withheld=made[0].withheld), "info")
            else:
                flash(_("The release is being made by the background worker; it appears below in a minute or two."),
                      "info")
            return redirect(url_for(".releases_page"))
        interval = request.form.get("interval", "")
        anonymous = request.form.get("count_anonymous", "")
        if interval not in {str(days) for days in RELEASE_INTERVALS} or anonymous not in ("yes", "no"):
            flash(_("Choose a schedule and whether anonymous submissions count. Nothing was changed."), "error")
            return redirect(url_for(".releases_page"))
        set_setting(session=session, key=RELEASE_INTERVAL_DAYS, value=interval)
        set_setting(session=session, key=COUNT_ANONYMOUS, value=anonymous)
        record("change", detail=f"release schedule every {interval} days, anonymous submissions count: {anonymous}")
        flash(_("Settings saved. They apply from the next release."), "info")
        return redirect(url_for(".releases_page"))
    return render_template(
        "admin/releases.html", form=form, releases=releases(session=session), intervals=RELEASE_INTERVALS,
        interval=int(get_setting(session=session, key=RELEASE_INTERVAL_DAYS)),
        count_anonymous=get_setting(session=session, key=COUNT_ANONYMOUS), due=release_due(session=session),
        k=current_app.config["BENCHMARK_MIN_GROUP"],
    )

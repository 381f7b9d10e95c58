"""Campaigns: an agency analyst (over its jurisdiction) or a consultant (over the clients its list creates) invites
a list of enterprises to a questionnaire, follows who opened, started and submitted, and acts on submissions. The
owner sees where each member stands, never its answers or scores. Every campaign URL of someone else's campaign is
a 404. Members open their personal link (`/c/<secret>`) without an account."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_regions
from jobs import mail
from jobs.campaigns import send_invitations
from reports.campaign_export import table_csv, tables_xlsx
from reports.quality import describe_flag, describe_flag_in_brief
from spreadsheets.campaign_list import COLUMNS, MAX_LIST_BYTES, MAX_LIST_ROWS, read_member_list
from storage import campaign_tracking as tracking
from storage.access import jurisdiction_of
from storage.campaigns import (
    DEFAULT_REMINDER_DAYS,
    LINK_OPEN_AFTER_DEADLINE,
    MAX_REMINDER_DAY,
    MAX_REMINDERS,
    add_members,
    campaign_of,
    campaigns_of,
    create_campaign,
    find_member,
    known_credit_codes,
    known_emails,
    link_closed,
    member_secret,
    open_member,
)
from storage.campaigns import opt_out as stop_reminders
from storage.db import get_session
from storage.tables import Campaign
from web.access import record, role_required
from web.catalog import get_catalog, get_questionnaire_or_404
from web.forms import SubmitForm
from web.i18n import current_language
from web.links import external_url

bp = Blueprint("campaigns", __name__)
OWNERS = ("agency", "consultant")
LIST_ENDPOINT = "campaigns.import_list"
STATUS_LABELS = {"listed": _l("Not invited yet"), "invited": _l("Invited"), "opened": _l("Opened the link"),
                 "started": _l("Started"), "submitted": _lp("campaign", "Submitted"), "verified": _l("Verified"),
                 "opted_out": _l("Opted out"), "excluded": _l("Excluded")}  # fmt: skip
STAGE_LABELS = {"invited": _l("Invited"), "opened": _l("Opened"), "started": _l("Started"),
                "submitted": _lp("campaign", "Submitted"), "verified": _l("Verified")}  # fmt: skip
MAIL_LABELS = {"": "—", "queued": _l("Queued"), "sent": _l("Sent"), "bounced": _l("Bounced"), "failed": _l("Failed")}
WITHHELD_LABELS = {"small": _l("withheld: fewer than k invited"),
                   "complementary": _l("withheld so that a smaller group cannot be worked out")}  # fmt: skip


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), validators=[DataRequired(), Length(max=200)])
    questionnaire = SelectField(_l("Questionnaire"))
    period = IntegerField(_l("Period (the year surveyed)"), validators=[InputRequired(), NumberRange(2000, 2100)])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    reminder_days = StringField(_l("Reminders: days before the deadline, e.g. 7, 2"),
                                default=", ".join(map(str, DEFAULT_REMINDER_DAYS)))
    language = SelectField(_l("Language of the mails"), choices=[SelectChoice("en", "English"),
                                                                 SelectChoice("zh", "中文")])

    def validate_deadline(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_("The deadline has passed; choose a later day."))

    def validate_reminder_days(self, field) -> None:
        try:
            days = [int(part) for part in field.data.replace("，", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError(_("Write whole numbers of days separated by commas, e.g. 7, 2.")) from None
        if len(days) > MAX_REMINDERS or any(not 0 <= day <= MAX_REMINDER_DAY for day in days):
            raise ValidationError(_("At most %(count)s reminders, each 0 to %(days)s days before the deadline.",
                                    count=MAX_REMINDERS, days=MAX_REMINDER_DAY))  # fmt: skip
        field.days = days


class ListForm(FlaskForm):
    upload = FileField(_l("CSV or XLSX file"))


class ExcludeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=tracking.MAX_REASON)])


class ReviseForm(FlaskForm):
    comment = StringField(_l("What to revise"), validators=[Length(max=tracking.MAX_REASON)])


@bp.url_value_preprocessor
def _allow_list_upload(endpoint: str | None, _values: dict | None) -> None:
    """A list of 50,000 enterprises is larger than the app's request limit: its upload may carry MAX_LIST_BYTES."""
    if endpoint == LIST_ENDPOINT:
        request.max_content_length = MAX_LIST_BYTES + 64 * 1024  # the file and the form around it


def _owned(campaign_id: int):
    """The signed-in user's campaign, or 404 (someone else's is not told apart from none)."""
    campaign = campaign_of(session=get_session(), owner=current_user, campaign_id=campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.get("/campaigns")
@role_required(*OWNERS)
def index():
    """The user's own campaigns."""
    return render_template("campaigns/index.html", campaigns=campaigns_of(session=get_session(), owner=current_user))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@role_required(*OWNERS)
def new():
    """Create a campaign: questionnaire (the current versions), period, deadline, reminder days, mail language."""
    catalog = get_catalog()
    form = CampaignForm(period=date.today().year, language=current_language())
    form.questionnaire.choices = [SelectChoice(q.id, q.definition.title.get(current_language()))
                                  for q in catalog.latest()]
    if form.validate_on_submit():
        campaign = create_campaign(session=get_session(), owner=current_user, name=form.name.data,
                                   questionnaire=catalog.get(form.questionnaire.data), period=form.period.data,
                                   deadline=form.deadline.data, reminder_days=form.reminder_days.days,
                                   language=form.language.data)  # fmt: skip
        return redirect(url_for(".import_list", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form), 400 if form.errors else 200


@bp.route("/campaigns/<int:campaign_id>/list", methods=["GET", "POST"])
@role_required(*OWNERS)
def import_list(campaign_id: int):
    """Import the list of enterprises: all its rows, or none and every bad cell named."""
    campaign = _owned(campaign_id)
    form, result = ListForm(), None
    if form.validate_on_submit():
        upload = form.upload.data
        data = upload.read(MAX_LIST_BYTES + 1) if upload else b""
        if upload:
            upload.close()  # a large upload is spooled to a temporary file: let it go now
        if not data:
            form.upload.errors = [_("Choose a file.")]
        elif len(data) > MAX_LIST_BYTES:
            form.upload.errors = [_("The file is larger than %(size)s MB; split it.", size=MAX_LIST_BYTES // 2**20)]
        else:
            session = get_session()
            result = read_member_list(data, upload.filename or "upload", jurisdiction=jurisdiction_of(current_user),
                                      known_codes=known_credit_codes(session=session, campaign=campaign),
                                      known_emails=known_emails(session=session, campaign=campaign))  # fmt: skip
            if result.ok:
                added = add_members(session=session, campaign=campaign, listed=result.rows,
                                    secret_key=current_app.config["SECRET_KEY"])  # fmt: skip
                record("change", detail=f"campaign {campaign.id}: {added} enterprises listed from {upload.filename}")
                count = f"{added:,}"
                flash(_("%(count)s enterprises added to the list.", count=count), "info")
                return redirect(url_for(".show", campaign_id=campaign.id))
    status = 400 if form.errors or (result and not result.ok) else 200
    return render_template("campaigns/list.html", campaign=campaign, form=form, result=result, columns=COLUMNS,
                           max_rows=MAX_LIST_ROWS), status  # fmt: skip


@bp.post("/campaigns/<int:campaign_id>/invite")
@role_required(*OWNERS)
def invite(campaign_id: int):
    """Queue one personal mail per member not invited yet."""
    campaign = _owned(campaign_id)
    if SubmitForm().validate_on_submit():
        send_invitations(campaign.id)
        flash(_("The invitations are on their way; each mail's fate is listed under Mail."), "info")
    return redirect(url_for(".show", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*OWNERS)
def show(campaign_id: int):
    """The campaign as it stands: counts, response rates by group (small groups withheld), completion time, and the
    member table a page at a time."""
    campaign = _owned(campaign_id)
    session = get_session()
    k = current_app.config["BENCHMARK_MIN_GROUP"]
    figures = tracking.tracking(session=session, campaign=campaign, k=k)
    pages = max(1, -(-figures.members // tracking.PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)  # past the last page: the last
    return render_template(
        "campaigns/show.html", campaign=campaign, k=k, figures=figures, groups=_group_tables(figures), page=page,
        pages=pages,
        rows=_with_quality(campaign, tracking.member_rows(session=session, campaign=campaign, page=page,
                                                          questionnaire=_questionnaire(campaign))),
        regions=load_regions(),
        statuses=STATUS_LABELS, mails=MAIL_LABELS, stages=STAGE_LABELS, exclude_form=ExcludeForm(),
        revise_form=ReviseForm(), invite_form=SubmitForm(),
    )


def _group_tables(figures: tracking.Tracking) -> list[tuple[str, list[tuple[str, tracking.Group]]]]:
    """The three response-rate tables with each group's label in the page's language."""
    lang, regions = current_language(), load_regions()
    return [
        (_("By region"), [(regions.get(g.key).name(lang), g) for g in figures.regions]),
        (_("By industry type"), [(INDUSTRY_TYPE_LABELS[g.key][lang], g) for g in figures.industry_types]),
        (_("By size class"), [(SIZE_LABELS[g.key][lang], g) for g in figures.sizes]),
    ]


@bp.get("/campaigns/<int:campaign_id>/mails")
@role_required(*OWNERS)
def mails(campaign_id: int):
    """Every mail of the campaign counted by status, and the latest listed with what became of each."""
    campaign = _owned(campaign_id)
    by_status, latest = tracking.campaign_mails(session=get_session(), campaign=campaign)
    return render_template("campaigns/mails.html", campaign=campaign, by_status=by_status, latest=latest,
                           labels=MAIL_LABELS)  # fmt: skip


@bp.get("/campaigns/<int:campaign_id>/export.<fmt>")
@role_required(*OWNERS)
def export(campaign_id: int, fmt: str):
    """The tracking table as CSV, or as XLSX with the response rates beside it."""
    campaign = _owned(campaign_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session, lang, regions = get_session(), current_language(), load_regions()
    headers = [_("Enterprise"), _("Credit code"), _("Region"), _("Industry division"), _("Size class"), _("E-mail"),
               _("Status"), _("Invited"), _("Opened"), _("Started"), pgettext("campaign", "Submitted"), _("Last mail")]
    rows = [[row.name, row.member.credit_code, regions.get(row.region_code).name(lang), row.industry_code,
             row.size_class, row.member.email, str(STATUS_LABELS[row.status]), *(_moment(m) for m in (
                 row.member.invited_at, row.member.opened_at, row.member.started_at, row.member.submitted_at)),
             str(MAIL_LABELS[row.last_mail])]
            for row in tracking.member_rows(session=session, campaign=campaign, per_page=None)]  # fmt: skip
    record("export", detail=f"campaign {campaign.id} tracking table ({fmt})")
    name = f"campaign-{campaign.id}.{fmt}"
    if fmt == "csv":
        content, mimetype = table_csv(headers, rows), "text/csv"
    else:
        figures = tracking.tracking(session=session, campaign=campaign, k=current_app.config["BENCHMARK_MIN_GROUP"])
        rates = [[title, label, *_group_cells(group)] for title, groups in _group_tables(figures)
                 for label, group in groups]  # fmt: skip
        content = tables_xlsx([(_("Members"), headers, rows), (_("Response rates"), [
            _("Table"), _("Group"), *(str(STAGE_LABELS[stage]) for stage in tracking.STAGES),
            _("Response rate (%)"), _("Note")], rates)])
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _questionnaire(campaign):
    return get_catalog().get(campaign.questionnaire_id, campaign.questionnaire_version)


def _with_quality(campaign, rows: list[tracking.MemberRow]) -> list[tracking.MemberRow]:
    """Rows whose quality flags are put in words: in full for a consultant, who sees its clients' answers anyway; in
    brief for an agency, which sees statuses and never an answer (no level, question or rule is named)."""
    questionnaire, lang = _questionnaire(campaign), current_language()
    if campaign.kind == "consultant":
        words = lambda flag: describe_flag(flag, questionnaire, lang).reason  # noqa: E731
    else:
        words = describe_flag_in_brief
    return [replace(row, quality=[words(flag) for flag in row.quality]) for row in rows]


def _moment(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _group_cells(group: tracking.Group) -> list:
    """A group's figures for the workbook; a withheld group's are empty, with the reason."""
    if group.withheld:
        return ["", "", "", "", "", "", str(WITHHELD_LABELS[group.withheld])]
    return [group.invited, *(group.counts[s] for s in tracking.STAGES[1:]), round(100 * group.rate, 1), ""]


@bp.post("/campaigns/<int:campaign_id>/members/<int:member_id>/exclude")
@role_required(*OWNERS)
def exclude(campaign_id: int, member_id: int):
    """Leave a submitted member out of the statistics from the next release, with a reason."""
    campaign = _owned(campaign_id)
    member = tracking.member_of(session=get_session(), campaign=campaign, member_id=member_id) or abort(404)
    form = ExcludeForm()
    try:
        if not form.validate_on_submit():
            raise tracking.CampaignRefused("reason")
        tracking.exclude(session=get_session(), campaign=campaign, member=member, reason=form.reason.data,
                         by=current_user, address=request.remote_addr or "")  # fmt: skip
        flash(_("The submission is excluded from the statistics from the next release."), "info")
    except tracking.CampaignRefused as refused:
        flash(_refusal(refused.reason), "error")
    return redirect(url_for(".show", campaign_id=campaign.id, page=request.form.get("page", 1, type=int)))


@bp.post("/campaigns/<int:campaign_id>/members/<int:member_id>/revise")
@role_required(*OWNERS)
def revise(campaign_id: int, member_id: int):
    """Ask the enterprise to revise its submission: the assessment is a draft again, and the link is mailed."""
    campaign = _owned(campaign_id)
    session = get_session()
    member = tracking.member_of(session=session, campaign=campaign, member_id=member_id) or abort(404)
    form = ReviseForm()
    try:
        if not form.validate_on_submit():
            raise tracking.CampaignRefused("reason")
        tracking.request_revision(session=session, campaign=campaign, member=member, by=current_user,
                                  comment=form.comment.data or "", address=request.remote_addr or "")  # fmt: skip
        _mail_revision(campaign, member, form.comment.data or "")
        flash(_("The enterprise is asked to revise its answers; its link is mailed again."), "info")
    except tracking.CampaignRefused as refused:
        flash(_refusal(refused.reason), "error")
    return redirect(url_for(".show", campaign_id=campaign.id, page=request.form.get("page", 1, type=int)))


def _refusal(reason: str) -> str:
    return {"not_submitted": _("Only a submitted assessment can be excluded or sent back."),
            "excluded": _("This submission is already excluded."),
            "reason": _("Give a reason of at most %(count)s characters.", count=tracking.MAX_REASON)}[reason]


def _mail_revision(campaign, member, comment: str) -> None:
    """Mail the member its link again, with what to revise, in the campaign's language."""
    secret = member_secret(current_app.config["SECRET_KEY"], campaign.id, member.credit_code)
    with force_locale(campaign.language):
        mail.send(member.email, _("Please revise your answers: %(campaign)s", campaign=campaign.name),
                  _("Your answers to \"%(campaign)s\" are open again for you to revise and submit by %(deadline)s."
                    "\n\n%(comment)s\n\nYour personal link:\n\n%(link)s", campaign=campaign.name,
                    deadline=campaign.deadline.isoformat(), comment=comment,
                    link=external_url("campaigns.open_link", secret=secret)),
                  kind="campaign", ref=tracking.mail_ref(member.id))  # fmt: skip


@bp.get("/c/<secret>")
def open_link(secret: str):
    """A member's personal link: its assessment (made at the first opening, with the profile from the list)."""
    session = get_session()
    member = find_member(session=session, secret=secret)
    if member is None:
        return render_template("campaigns/invalid.html"), 404
    campaign = session.get(Campaign, member.campaign_id)
    if link_closed(campaign, date.today()):
        return render_template("campaigns/invalid.html", closed=campaign.deadline + LINK_OPEN_AFTER_DEADLINE), 410
    questionnaire = get_questionnaire_or_404(campaign.questionnaire_id, campaign.questionnaire_version)
    assessment = open_member(session=session, member=member, questionnaire=questionnaire)
    return redirect(url_for("survey.resume", token=assessment.token))


@bp.route("/c/<secret>/opt-out", methods=["GET", "POST"])
def opt_out(secret: str):
    """One button that stops the campaign's reminders to this member."""
    session = get_session()
    member = find_member(session=session, secret=secret)
    if member is None:
        return render_template("campaigns/invalid.html"), 404
    form = SubmitForm()
    if form.validate_on_submit():
        stop_reminders(session=session, member=member)
    return render_template("campaigns/opt_out.html", form=form, member=member)

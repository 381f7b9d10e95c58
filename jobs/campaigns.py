"""Campaign mail on the queue: the invitations an owner sends, and the reminders the worker sends every hour on the
campaign's reminder days. Each is one personal mail per member, in the campaign's language, recorded with the
member as its `ref` so that the campaign's page lists what became of it."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import update
from sqlmodel import Session, select

from jobs.mail import send_many
from jobs.queue import engine, periodic, task
from storage.campaign_tracking import mail_ref
from storage.campaigns import member_secret, members_to_invite, members_to_remind, reminder_due, running_campaigns
from storage.locks import exclusive
from storage.tables import Campaign, CampaignMember, Enterprise, utcnow

log = logging.getLogger(__name__)
MAIL_CHUNK = 500  # messages recorded per transaction: 100 transactions for a list of 50,000
REMINDER_LOCK = "campaign-reminders"  # reminders go out once over every worker; the others skip their round


@task()
def send_invitations(campaign_id: int) -> None:
    """Mail every member not yet invited its personal link; the campaign is running from then on."""
    with Session(engine(), expire_on_commit=False) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return
        members = members_to_invite(session=session, campaign=campaign, limit=None)
        _send(session, campaign, members, reminder=None)
        campaign.status = "running"
        session.add(campaign)
        session.commit()
        log.info("campaign %s: %s invitations queued", campaign_id, len(members))


@periodic(crontab(minute="0"))
def send_reminders(today: date | None = None) -> None:
    """Every hour: for each running campaign whose reminder day has come, remind the members who have neither
    submitted nor opted out, each reminder day once."""
    with exclusive(engine(), REMINDER_LOCK) as held:
        if not held:
            log.info("reminders are being sent by another worker")
            return
        with Session(engine(), expire_on_commit=False) as session:
            today = today or utcnow().date()
            for campaign in running_campaigns(session=session, today=today):
                day = reminder_due(campaign, today)
                if day is None:
                    continue
                members = members_to_remind(session=session, campaign=campaign, day=day)
                _send(session, campaign, members, reminder=day)
                if members:
                    log.info("campaign %s: %s reminders (%s days before)", campaign.id, len(members), day)


def _send(session: Session, campaign: Campaign, members: list[CampaignMember], *, reminder: int | None) -> None:
    """Record and queue one mail per member, a chunk at a time, noting each chunk as invited or reminded."""
    names = _names(session, members)
    key = current_app.config["SECRET_KEY"]
    questionnaire = current_app.extensions["questionnaires"].get(campaign.questionnaire_id,
                                                                 campaign.questionnaire_version)  # fmt: skip
    with force_locale(campaign.language):
        title = questionnaire.definition.title.get(campaign.language) if questionnaire else campaign.questionnaire_id
        for start in range(0, len(members), MAIL_CHUNK):
            chunk = members[start:start + MAIL_CHUNK]
            send_many([_message(campaign, member, names[member.enterprise_id], title,
                                member_secret(key, campaign.id, member.credit_code), reminder)
                       for member in chunk], kind="campaign")  # fmt: skip
            ids = [member.id for member in chunk]
            if reminder is None:
                session.execute(update(CampaignMember).where(CampaignMember.id.in_(ids)).values(invited_at=utcnow()))
            else:
                for member in chunk:
                    member.reminders_sent = [*member.reminders_sent, reminder]
                    session.add(member)
            session.commit()


def _names(session: Session, members: list[CampaignMember]) -> dict[int, str]:
    """The enterprises' names, by id."""
    ids = [member.enterprise_id for member in members]
    names = {}
    for start in range(0, len(ids), 1000):
        query = select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids[start:start + 1000]))
        names.update((row[0], row[1]) for row in session.exec(query))
    return names


def _message(campaign: Campaign, member: CampaignMember, name: str, title: str, secret: str,
             reminder: int | None) -> dict:  # fmt: skip
    """One member's mail (in the locale forced by the caller)."""
    values = dict(name=name, campaign=campaign.name, questionnaire=title, deadline=campaign.deadline.isoformat(),
                  link=campaign_link("campaigns.open_link", secret=secret),
                  opt_out=campaign_link("campaigns.opt_out", secret=secret))  # fmt: skip
    if reminder is None:
        subject = _("Invitation: %(campaign)s", **values)
        body = _("%(name)s is invited to take part in \"%(campaign)s\": the %(questionnaire)s, an assessment of its "
                 "readiness for intelligent manufacturing, by %(deadline)s.\n\nStart, and come back as often as you "
                 "like, with this personal link (do not pass it on):\n\n%(link)s\n\nNo reminders about it, please: "
                 "%(opt_out)s", **values)
    else:
        subject = _("Reminder: %(campaign)s, by %(deadline)s", **values)
        body = _("A reminder: %(name)s is invited to answer the %(questionnaire)s of \"%(campaign)s\" by "
                 "%(deadline)s. Answers already saved are kept; continue with your personal link:\n\n%(link)s\n\n"
                 "No more reminders, please: %(opt_out)s", **values)
    return dict(to=member.email, subject=subject, body=body, ref=mail_ref(member.id))


def campaign_link(endpoint: str, **values) -> str:
    """An absolute link to the app under BASE_URL, as every mailed link is (web/links.py does the same for pages;
    the queue sits below the web layer and builds its own)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)

"""Assessment campaigns: an agency analyst or a consultant invites a list of enterprises to one questionnaire by a
deadline, with reminders on the days before it. No Flask here.

Each member gets a personal link, `/c/<secret>`. The secret is an HMAC of the campaign and the member's credit
code under the app's secret key, so that the invitation and every reminder carry the same link without the link
being stored: the database keeps only its SHA-256 (as API tokens and colleagues' links: storage/assignments.py),
and someone who reads the database cannot open it. Opening it creates the member's assessment once and leads to
its survey; the member can opt out of reminders with one click.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, select

from assessment.classifications import CN2011_FLOORS
from assessment.trust import TrustLevel
from questionnaires.loader import Questionnaire
from storage.assessments import start_reassessment
from storage.assignments import LINK_MAX_LENGTH, hash_link
from storage.tables import Assessment, Campaign, CampaignMember, Enterprise, User, utcnow

KINDS = ("agency", "consultant")  # who runs campaigns: the owner's role
LANGUAGES = ("en", "zh")  # of a campaign's mails
DEFAULT_REMINDER_DAYS = (7, 2)  # a week ahead, then two days ahead: enough to be noticed, few enough not to annoy
MAX_REMINDERS = 5  # reminder days a campaign may set: more reads as spam and gets the sender blocked
MAX_REMINDER_DAY = 60  # the earliest reminder, in days before the deadline
# A personal link opens its assessment until this long after the deadline (late answers, results read back), then no
# more: a forwarded or leaked invitation does not open an enterprise's answers for ever. The respondent keeps its
# assessment's own resume link.
LINK_OPEN_AFTER_DEADLINE = timedelta(days=90)
INSERT_CHUNK = 2000  # rows per bulk insert of a list: a few statements for 50,000 enterprises, none too large
# An enterprise on a list gives its size class, not its employees and revenue: it gets the smallest figures of that
# class under China's 2011 rule (CN2011_FLOORS), which derive the same class again; micro: 0 and 0.
SIZE_FLOORS = {size: (employees, revenue) for size, employees, revenue in CN2011_FLOORS} | {"micro": (0, 0.0)}


@dataclass(frozen=True)
class ListedEnterprise:
    """One checked row of a campaign's list of enterprises."""

    row: int
    name: str
    credit_code: str
    region_code: str
    industry_code: str
    industry_type: str
    size_class: str
    email: str


def member_secret(secret_key: str, campaign_id: int, credit_code: str) -> str:
    """The secret of a member's personal link: the same for the invitation and every reminder, never stored."""
    digest = hmac.new(secret_key.encode("utf-8"), f"campaign-member:{campaign_id}:{credit_code}".encode(),
                      hashlib.sha256).digest()  # fmt: skip
    return urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def create_campaign(*, session: Session, owner: User, name: str, questionnaire: Questionnaire, period: int,
                    deadline: date, reminder_days: Sequence[int], language: str) -> Campaign:  # fmt: skip
    """A new campaign of `owner` (an agency analyst or a consultant), pinned to the questionnaire's version."""
    if owner.role not in KINDS:
        raise ValueError(f"a {owner.role} does not run campaigns")
    campaign = Campaign(owner_id=owner.id, kind=owner.role, name=name.strip(), questionnaire_id=questionnaire.id,
                        questionnaire_version=questionnaire.version, period=period, deadline=deadline,
                        reminder_days=sorted(set(reminder_days), reverse=True),
                        language=language if language in LANGUAGES else "en")  # fmt: skip
    session.add(campaign)
    session.commit()
    return campaign


def campaigns_of(*, session: Session, owner: User) -> list[Campaign]:
    """A user's own campaigns, the latest first."""
    return list(session.exec(select(Campaign).where(Campaign.owner_id == owner.id).order_by(Campaign.id.desc())))


def campaign_of(*, session: Session, owner: User, campaign_id: int) -> Campaign | None:
    """One campaign if `owner` runs it, else None (someone else's is not told apart from none)."""
    campaign = session.get(Campaign, campaign_id)
    return campaign if campaign is not None and campaign.owner_id == owner.id else None


def known_credit_codes(*, session: Session, campaign: Campaign) -> set[str]:
    """The credit codes already on a campaign's list."""
    return set(session.exec(select(CampaignMember.credit_code).where(CampaignMember.campaign_id == campaign.id)))


def known_emails(*, session: Session, campaign: Campaign) -> set[str]:
    """The addresses already on a campaign's list."""
    return set(session.exec(select(CampaignMember.email).where(CampaignMember.campaign_id == campaign.id)))


def add_members(*, session: Session, campaign: Campaign, listed: Sequence[ListedEnterprise], secret_key: str) -> int:
    """Create an enterprise and a member for every listed row, in bulk and in one transaction; a consultant's
    become its clients. Returns how many."""
    now = utcnow()
    consultant = campaign.owner_id if campaign.kind == "consultant" else None
    for start in range(0, len(listed), INSERT_CHUNK):
        chunk = listed[start:start + INSERT_CHUNK]
        enterprises = [dict(name=item.name, region_code=item.region_code, industry_code=item.industry_code,
                            industry_type=item.industry_type, employees=SIZE_FLOORS[item.size_class][0],
                            revenue_million_yuan=SIZE_FLOORS[item.size_class][1], size_class=item.size_class,
                            synthetic=False, created_at=now, consultant_id=consultant, benchmark_consent=True)
                       for item in chunk]  # fmt: skip
        ids = session.scalars(insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True),
                              enterprises).all()  # fmt: skip
        session.execute(insert(CampaignMember), [
            dict(campaign_id=campaign.id, enterprise_id=enterprise_id, email=item.email, credit_code=item.credit_code,
                 token_hash=hash_link(member_secret(secret_key, campaign.id, item.credit_code)), reminders_sent=[],
                 excluded=False, excluded_reason="")
            for enterprise_id, item in zip(ids, chunk, strict=True)])
    session.commit()
    return len(listed)


def link_closed(campaign: Campaign, today: date) -> bool:
    """Whether the campaign's personal links have stopped opening assessments."""
    return today > campaign.deadline + LINK_OPEN_AFTER_DEADLINE


def find_member(*, session: Session, secret: str) -> CampaignMember | None:
    """The member a personal link's secret belongs to, or None for a forged or guessed one."""
    if not secret or len(secret) > LINK_MAX_LENGTH:
        return None
    return session.exec(select(CampaignMember).where(CampaignMember.token_hash == hash_link(secret))).first()


def open_member(*, session: Session, member: CampaignMember, questionnaire: Questionnaire) -> Assessment:
    """The member's assessment of the campaign's questionnaire, created at the first opening with the profile from
    the list; the opening is noted."""
    now = utcnow()
    if member.opened_at is None:
        member.opened_at = now
    assessment = session.get(Assessment, member.assessment_id) if member.assessment_id else None
    if assessment is None:
        enterprise = session.get(Enterprise, member.enterprise_id)
        assessment = start_reassessment(session=session, enterprise=enterprise, questionnaire=questionnaire)
        member.assessment_id = assessment.id
    session.add(member)
    session.commit()
    return assessment


def opt_out(*, session: Session, member: CampaignMember) -> None:
    """Stop every further reminder to a member (its link keeps working)."""
    if member.opted_out_at is None:
        member.opted_out_at = utcnow()
        session.add(member)
        session.commit()


def note_submission(*, session: Session, assessment: Assessment, trust: TrustLevel) -> TrustLevel:
    """After an assessment is submitted: a campaign member's is noted as submitted, and the trust it is recorded
    with is returned. A member reached the survey through the personal link mailed to the address on its owner's
    list, which proves that address as a confirmed account's does: an anonymous submission counts as "account"."""
    changed = session.execute(update(CampaignMember).where(CampaignMember.assessment_id == assessment.id)
                              .values(submitted_at=assessment.submitted_at or utcnow())).rowcount
    if not changed:
        return trust
    session.commit()
    return "account" if trust == "anonymous" else trust


def reminder_due(campaign: Campaign, today: date) -> int | None:
    """The reminder day (days before the deadline) due today, if any: one whose date has come, the latest such."""
    left = (campaign.deadline - today).days
    if left < 0:
        return None
    due = [day for day in campaign.reminder_days if 0 <= left <= day]
    return min(due) if due else None


def members_to_remind(*, session: Session, campaign: Campaign, day: int) -> list[CampaignMember]:
    """Invited members not yet reminded for `day` who have neither submitted nor opted out (nor been excluded)."""
    query = (select(CampaignMember).where(CampaignMember.campaign_id == campaign.id,
                                          CampaignMember.invited_at.is_not(None),
                                          CampaignMember.submitted_at.is_(None),
                                          CampaignMember.opted_out_at.is_(None),
                                          ~CampaignMember.excluded)
             .order_by(CampaignMember.id))  # fmt: skip
    reminder_date = campaign.deadline - timedelta(days=day)
    # one invited after this reminder's date has just had its invitation: it gets the later reminders only
    return [member for member in session.exec(query)
            if day not in member.reminders_sent and member.invited_at.date() <= reminder_date]


def members_to_invite(*, session: Session, campaign: Campaign, limit: int | None = None) -> list[CampaignMember]:
    """Members not invited yet (nor opted out), in list order (the first `limit`)."""
    query = (select(CampaignMember).where(CampaignMember.campaign_id == campaign.id,
                                          CampaignMember.invited_at.is_(None), CampaignMember.opted_out_at.is_(None))
             .order_by(CampaignMember.id).limit(limit))  # fmt: skip
    return list(session.exec(query))


def running_campaigns(*, session: Session, today: date) -> list[Campaign]:
    """Campaigns whose invitations went out and whose deadline has not passed."""
    return list(session.exec(select(Campaign).where(Campaign.status == "running", Campaign.deadline >= today)))

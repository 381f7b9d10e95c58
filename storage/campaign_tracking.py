"""Following a campaign: how many of its members were invited, opened their link, started, submitted and were
verified; response rates by region, industry type and size class under the small-group protection of every
statistic; the median completion time; the member list with each one's status and last mail; and the owner's two
actions on a submission, excluding it from the statistics and asking for a revision. No Flask here.

An owner sees where each member stands, never its answers or scores: nothing here reads them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, cast, func, literal, update
from sqlmodel import Session, select

from assessment.classifications import load_regions
from assessment.cohorts.groups import ALL
from questionnaires.loader import Questionnaire
from storage.accounts import audit
from storage.quality import flags_for
from storage.releases import withheld_cells
from storage.tables import (
    Assessment,
    BenchmarkEntry,
    Campaign,
    CampaignMember,
    Enterprise,
    MailMessage,
    User,
    Verification,
    utcnow,
)
from storage.verification import return_to_enterprise, standing

STAGES = ("invited", "opened", "started", "submitted", "verified")  # the funnel, in order
PER_PAGE = 50  # members per page of the member table
MAX_REASON = 500  # characters of an exclusion's reason


class CampaignRefused(ValueError):
    """An owner's action that cannot be taken on this member now: "not_submitted", "excluded" or "reason"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def mail_ref(member_id: int) -> str:
    """What a campaign's mail to a member is recorded as concerning (MailMessage.ref)."""
    return f"member:{member_id}"


@dataclass(frozen=True)
class Group:
    """One row of a response-rate table: a region, industry type or size class, or withheld (`withheld` says why,
    and no figure is kept)."""

    key: str
    invited: int | None = None
    counts: dict[str, int] = field(default_factory=dict)  # stage -> members
    withheld: str | None = None  # "small" or "complementary"

    @property
    def rate(self) -> float | None:
        """Submitted over invited."""
        return None if self.withheld or not self.invited else self.counts["submitted"] / self.invited


@dataclass(frozen=True)
class Tracking:
    """A campaign's figures as its page and exports show them."""

    members: int
    counts: dict[str, int]  # stage -> members; also "opted_out" and "excluded"
    regions: list[Group]
    industry_types: list[Group]
    sizes: list[Group]
    median_seconds: float | None  # opened to submitted, over at least k submissions
    timed: int  # submissions with both times


def _rows(session: Session, campaign: Campaign) -> list[tuple]:
    """(region, industry type, size class, invited, opened, started, submitted, verified, opted out, excluded,
    opened at, submitted at) of every member."""
    verified = (select(Verification.assessment_id).where(Verification.status == "verified")).scalar_subquery()
    query = (select(Enterprise.region_code, Enterprise.industry_type, Enterprise.size_class,
                    CampaignMember.invited_at.is_not(None), CampaignMember.opened_at.is_not(None),
                    CampaignMember.started_at.is_not(None), CampaignMember.submitted_at.is_not(None),
                    CampaignMember.submitted_at.is_not(None) & CampaignMember.assessment_id.in_(verified),
                    CampaignMember.opted_out_at.is_not(None), CampaignMember.excluded,
                    CampaignMember.opened_at, CampaignMember.submitted_at)
             .join(Enterprise, Enterprise.id == CampaignMember.enterprise_id)
             .where(CampaignMember.campaign_id == campaign.id))  # fmt: skip
    return list(session.connection().execute(query))


def tracking(*, session: Session, campaign: Campaign, k: int) -> Tracking:
    """The campaign's figures now: counts per stage, rates per group (groups of fewer than k invited withheld, and
    those that would let one be worked out by difference), and the median completion time over k or more."""
    rows = _rows(session, campaign)
    counts = {stage: sum(bool(row[3 + n]) for row in rows) for n, stage in enumerate(STAGES)}
    counts["opted_out"], counts["excluded"] = sum(bool(r[8]) for r in rows), sum(bool(r[9]) for r in rows)
    regions = load_regions()
    country = regions.country.code
    cells: dict[tuple, list[tuple]] = {}
    for row in rows:
        if not row[3]:
            continue  # rates are of the invited
        path = [region.code for region in regions.path(row[0])] if row[0] in regions else [country]
        for code in path:
            cells.setdefault((code, ALL, ALL), []).append(row)
        cells.setdefault((country, row[1], ALL), []).append(row)
        cells.setdefault((country, ALL, row[2]), []).append(row)
    hidden = withheld_cells({cell: len(members) for cell, members in cells.items()}, k)

    def group(cell: tuple, key: str) -> Group:
        if cell in hidden:
            return Group(key, withheld=hidden[cell])
        members = cells[cell]
        return Group(key, len(members), {stage: sum(bool(m[3 + n]) for m in members) for n, stage in enumerate(STAGES)})

    ordered = sorted(cells)
    durations = [(_utc(row[11]) - _utc(row[10])).total_seconds() for row in rows if row[10] and row[11] and row[6]]
    return Tracking(
        members=len(rows), counts=counts,
        regions=[group(cell, cell[0]) for cell in ordered if cell[1] == ALL and cell[2] == ALL],
        industry_types=[group(cell, cell[1]) for cell in ordered if cell[0] == country and cell[1] != ALL],
        sizes=[group(cell, cell[2]) for cell in ordered if cell[0] == country and cell[2] != ALL],
        median_seconds=statistics.median(durations) if len(durations) >= k else None, timed=len(durations),
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def status_of(member: CampaignMember, verified: bool = False) -> str:
    """Where a member stands, the furthest stage reached (or opted out / excluded)."""
    if member.excluded:
        return "excluded"
    if member.submitted_at is not None:
        return "verified" if verified else "submitted"
    if member.opted_out_at is not None:
        return "opted_out"
    for stage, moment in (("started", member.started_at), ("opened", member.opened_at),
                          ("invited", member.invited_at)):  # fmt: skip
        if moment is not None:
            return stage
    return "listed"


@dataclass(frozen=True)
class MemberRow:
    """One line of the member table: who, where, how far, and the last mail's fate. `quality` holds the data-quality
    flags of its submission (assessment/quality.py), when asked for."""

    member: CampaignMember
    name: str
    region_code: str
    industry_code: str
    size_class: str
    status: str
    last_mail: str  # "", "queued", "sent", "bounced" or "failed"
    quality: list = field(default_factory=list)


def member_rows(*, session: Session, campaign: Campaign, page: int = 1, per_page: int | None = PER_PAGE,
                questionnaire: Questionnaire | None = None) -> list[MemberRow]:  # fmt: skip
    """The members of one page (all with `per_page` None), in list order, with their status and last mail; with
    `questionnaire` (the campaign's), each submission's quality flags too."""
    query = (select(CampaignMember, Enterprise).join(Enterprise, Enterprise.id == CampaignMember.enterprise_id)
             .where(CampaignMember.campaign_id == campaign.id).order_by(CampaignMember.id))  # fmt: skip
    if per_page is not None:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page)
    found = list(session.exec(query))
    ids = [member.id for member, _ in found]
    verified = set(session.exec(select(Verification.assessment_id).where(
        Verification.status == "verified",
        Verification.assessment_id.in_([m.assessment_id for m, _ in found if m.assessment_id]))))
    last_mail = _last_mails(session, ids)
    return [MemberRow(member, enterprise.name, enterprise.region_code, enterprise.industry_code,
                      enterprise.size_class, status_of(member, member.assessment_id in verified),
                      last_mail.get(member.id, ""), _flags(session, member, questionnaire))
            for member, enterprise in found]  # fmt: skip


def _flags(session: Session, member: CampaignMember, questionnaire: Questionnaire | None) -> list:
    """The quality flags of a member's submission (none before it submits, or when not asked for)."""
    if questionnaire is None or member.submitted_at is None or member.assessment_id is None:
        return []
    assessment = session.get(Assessment, member.assessment_id)
    if assessment is None or assessment.status != "submitted":
        return []
    return flags_for(session=session, assessment=assessment, questionnaire=questionnaire)


def _last_mails(session: Session, member_ids: list[int]) -> dict[int, str]:
    """The status of the latest mail to each member."""
    last: dict[int, str] = {}
    for start in range(0, len(member_ids), 1000):
        refs = {mail_ref(member_id): member_id for member_id in member_ids[start:start + 1000]}
        for ref, status in session.exec(select(MailMessage.ref, MailMessage.status)
                                        .where(MailMessage.ref.in_(list(refs))).order_by(MailMessage.id)):
            last[refs[ref]] = status
    return last


def campaign_mails(*, session: Session, campaign: Campaign, limit: int = 500) -> tuple[dict[str, int], list[tuple]]:
    """Every mail of the campaign counted by status, and the latest `limit` as (message, member id)."""
    ref = literal("member:") + cast(CampaignMember.id, String)
    joined = (select(MailMessage, CampaignMember.id).join(CampaignMember, MailMessage.ref == ref)
              .where(CampaignMember.campaign_id == campaign.id))  # fmt: skip
    by_status = dict(session.exec(select(MailMessage.status, func.count()).join(CampaignMember, MailMessage.ref == ref)
                                  .where(CampaignMember.campaign_id == campaign.id).group_by(MailMessage.status)).all())
    return by_status, list(session.exec(joined.order_by(MailMessage.id.desc()).limit(limit)))


def member_of(*, session: Session, campaign: Campaign, member_id: int) -> CampaignMember | None:
    """One member of this campaign, or None."""
    member = session.get(CampaignMember, member_id)
    return member if member is not None and member.campaign_id == campaign.id else None


def exclude(*, session: Session, campaign: Campaign, member: CampaignMember, reason: str, by: User,
            address: str = "") -> None:  # fmt: skip
    """Leave a submitted member out of the statistics from the next release on (its benchmark entry is flagged),
    with the reason; audited."""
    reason = (reason or "").strip()
    if member.submitted_at is None or member.assessment_id is None:
        raise CampaignRefused("not_submitted")
    if member.excluded:
        raise CampaignRefused("excluded")
    if not reason or len(reason) > MAX_REASON:
        raise CampaignRefused("reason")
    member.excluded, member.excluded_reason, member.excluded_by, member.excluded_at = True, reason, by.id, utcnow()
    session.add(member)
    session.execute(update(BenchmarkEntry).where(BenchmarkEntry.assessment_id == member.assessment_id)
                    .values(excluded=True))
    audit(session=session, user=by, action="campaign_exclude", enterprise_id=member.enterprise_id,
          assessment_id=member.assessment_id, detail=f"campaign {campaign.id}: {reason}"[:500], address=address)


def request_revision(*, session: Session, campaign: Campaign, member: CampaignMember, by: User, comment: str = "",
                     address: str = "") -> Assessment:  # fmt: skip
    """Send a submitted member's assessment back to draft (as a reviewer's return does) so the enterprise can revise
    and resubmit it; its submission is no longer counted as the campaign's until it is resubmitted."""
    assessment = session.get(Assessment, member.assessment_id) if member.assessment_id else None
    if member.submitted_at is None or assessment is None or assessment.status != "submitted":
        raise CampaignRefused("not_submitted")
    if member.excluded:
        raise CampaignRefused("excluded")
    if len((comment or "").strip()) > MAX_REASON:
        raise CampaignRefused("reason")
    return_to_enterprise(session=session, assessment=assessment, reviewer=by,
                         revision=standing(session=session, assessment=assessment).revision,
                         comment=comment or "", address=address)  # fmt: skip
    member.submitted_at, member.revise_requested_at = None, utcnow()
    session.add(member)
    session.commit()
    return assessment

"""Campaigns in the database: a list imported in bulk (its enterprises keep the size class given), personal links
kept only as their hash, the member's assessment made once at the first opening, started at the first answer and
submitted through the one `submit`, excluded members left out of the next release, a revision sending the
assessment back to draft, and reminders due on their days, each once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from assessment.answers import parse_answers
from assessment.classifications import size_class
from factories import credit_code, make_user, publish
from storage.assessments import save_answers
from storage.campaign_tracking import CampaignRefused, exclude, request_revision, tracking
from storage.campaigns import (
    ListedEnterprise,
    add_members,
    create_campaign,
    find_member,
    member_secret,
    members_to_remind,
    open_member,
    reminder_due,
)
from storage.submissions import submit
from storage.tables import Assessment, BenchmarkEntry, CampaignMember, CohortStat, Enterprise, User

KEY = "a test secret key that is long enough to sign"


def listed(number: int, size: str = "small", region: str = "370100") -> ListedEnterprise:
    return ListedEnterprise(row=number + 1, name=f"Enterprise {number}", credit_code=credit_code(number, region),
                            region_code=region, industry_code="34", industry_type="discrete", size_class=size,
                            email=f"e{number}@example.org")  # fmt: skip


@pytest.fixture
def campaign(app, session, quick):
    owner = make_user(app, "agency", jurisdiction="370000")
    made = create_campaign(session=session, owner=owner, name="Shandong 2026", questionnaire=quick, period=2026,
                           deadline=date(2026, 12, 31), reminder_days=[2, 7], language="zh")  # fmt: skip
    return made


def test_a_list_is_added_in_bulk_and_each_enterprise_keeps_the_size_class_given(session, campaign):
    sizes = ["micro", "small", "medium", "large"]
    assert add_members(session=session, campaign=campaign,
                       listed=[listed(n, sizes[n % 4]) for n in range(4500)], secret_key=KEY) == 4500  # fmt: skip
    enterprises = session.exec(select(Enterprise).order_by(Enterprise.id)).all()
    assert len(enterprises) == 4500 and campaign.reminder_days == [7, 2]
    for number, enterprise in enumerate(enterprises[:8]):
        # employees and revenue are the floor of the class, which derives the same class again
        assert enterprise.size_class == sizes[number % 4]
        assert size_class(enterprise.employees, enterprise.revenue_million_yuan) == enterprise.size_class
    assert (enterprises[3].employees, enterprises[3].revenue_million_yuan) == (1000, 400.0)
    assert all(e.consultant_id is None for e in enterprises)  # an agency's list is nobody's clients


def test_only_the_hash_of_a_link_is_kept_and_it_does_not_open_the_link(session, campaign):
    add_members(session=session, campaign=campaign, listed=[listed(1)], secret_key=KEY)
    member = session.exec(select(CampaignMember)).one()
    secret = member_secret(KEY, campaign.id, member.credit_code)
    assert secret not in member.token_hash and len(member.token_hash) == 64
    assert find_member(session=session, secret=secret).id == member.id
    assert find_member(session=session, secret=member.token_hash) is None  # the stored value is no link
    assert find_member(session=session, secret=member_secret("another key entirely, just as long", campaign.id,
                                                             member.credit_code)) is None  # fmt: skip
    assert find_member(session=session, secret="x" * 500) is None


def submit_member(session, quick, example_answers, member):
    assessment = open_member(session=session, member=member, questionnaire=quick)
    answers, problems = parse_answers(quick, example_answers)
    assert not problems
    save_answers(session=session, assessment=assessment, answers=answers)
    submit(session=session, assessment=assessment, questionnaire=quick, answers=answers, trust="anonymous")
    session.refresh(member)
    return assessment


def test_opening_starting_and_submitting_are_noted_and_the_assessment_is_made_once(session, campaign, quick,
                                                                                    example_answers):
    add_members(session=session, campaign=campaign, listed=[listed(1, "medium")], secret_key=KEY)
    member = session.exec(select(CampaignMember)).one()
    first = open_member(session=session, member=member, questionnaire=quick)
    again = open_member(session=session, member=member, questionnaire=quick)
    assert first.id == again.id and member.opened_at is not None and member.started_at is None
    assert session.exec(select(Assessment)).all() == [first]
    assert submit_member(session, quick, example_answers, member).id == first.id
    assert member.started_at is not None and member.submitted_at is not None
    # reached through the link mailed to the listed address: it counts as an account's submission
    assert session.exec(select(BenchmarkEntry)).one().trust == "account"


def test_an_excluded_member_stops_counting_from_the_next_release(app, session, campaign, quick, example_answers):
    add_members(session=session, campaign=campaign, listed=[listed(n) for n in range(6)], secret_key=KEY)
    members = session.exec(select(CampaignMember).order_by(CampaignMember.id)).all()
    for member in members:
        submit_member(session, quick, example_answers, member)
    catalog = app.extensions["questionnaires"]
    before = publish(session, catalog)
    assert session.exec(select(CohortStat.count).where(CohortStat.release_id == before.id,
                                                       CohortStat.region_code == "100000", CohortStat.industry == "all",
                                                       CohortStat.size == "all")).one() == 6  # fmt: skip
    with pytest.raises(CampaignRefused):
        exclude(session=session, campaign=campaign, member=members[0], reason="  ", by=_owner(session, campaign))
    exclude(session=session, campaign=campaign, member=members[0], reason="all answers the same", by=_owner(
        session, campaign))
    after = publish(session, catalog)
    counts = session.exec(select(CohortStat.count).where(CohortStat.release_id == after.id,
                                                         CohortStat.region_code == "100000",
                                                         CohortStat.industry == "all", CohortStat.size == "all")).all()
    assert counts == [5]  # 6 - the one excluded
    session.refresh(members[0])
    assert members[0].excluded and members[0].excluded_reason == "all answers the same"


def _owner(session, campaign):
    return session.get(User, campaign.owner_id)


def test_a_revision_sends_the_assessment_back_to_draft_and_it_can_be_resubmitted(session, campaign, quick,
                                                                                 example_answers):
    add_members(session=session, campaign=campaign, listed=[listed(1)], secret_key=KEY)
    member = session.exec(select(CampaignMember)).one()
    assessment = submit_member(session, quick, example_answers, member)
    request_revision(session=session, campaign=campaign, member=member, by=_owner(session, campaign),
                     comment="Please check the energy page")
    session.refresh(assessment)
    assert assessment.status == "draft" and member.submitted_at is None and member.revise_requested_at is not None
    answers, _ = parse_answers(quick, example_answers)
    submit(session=session, assessment=assessment, questionnaire=quick, answers=answers, trust="anonymous")
    session.refresh(member)
    assert member.submitted_at is not None
    with pytest.raises(CampaignRefused):  # a draft cannot be sent back
        other = session.exec(select(CampaignMember)).one()
        other.submitted_at = None
        request_revision(session=session, campaign=campaign, member=other, by=_owner(session, campaign))


@pytest.mark.parametrize(("today", "due"), [
    (date(2026, 12, 23), None),  # 8 days left: nothing yet
    (date(2026, 12, 24), 7),  # 7 left
    (date(2026, 12, 28), 7),  # 3 left: the 7-day one (if not sent yet)
    (date(2026, 12, 29), 2),
    (date(2026, 12, 31), 2),  # the deadline itself
    (date(2027, 1, 1), None),  # past it
])
def test_the_reminder_due_on_a_day(campaign, today, due):
    assert reminder_due(campaign, today) == due


def test_reminders_skip_those_who_submitted_opted_out_or_had_it(session, campaign, quick, example_answers):
    add_members(session=session, campaign=campaign, listed=[listed(n) for n in range(4)], secret_key=KEY)
    members = session.exec(select(CampaignMember).order_by(CampaignMember.id)).all()
    invited = campaign.deadline - timedelta(days=20)
    for member in members:
        member.invited_at = datetime.combine(invited, time(), tzinfo=UTC)
        session.add(member)
    session.commit()
    submit_member(session, quick, example_answers, members[0])
    members[1].opted_out_at, members[2].reminders_sent = members[1].invited_at, [7]
    session.add_all(members[1:3])
    session.commit()
    assert [m.id for m in members_to_remind(session=session, campaign=campaign, day=7)] == [members[3].id]
    assert [m.id for m in members_to_remind(session=session, campaign=campaign, day=2)] == [
        members[2].id, members[3].id]


def test_tracking_counts_each_stage(session, campaign, quick, example_answers):
    add_members(session=session, campaign=campaign, listed=[listed(n) for n in range(3)], secret_key=KEY)
    members = session.exec(select(CampaignMember).order_by(CampaignMember.id)).all()
    submit_member(session, quick, example_answers, members[0])
    open_member(session=session, member=members[1], questionnaire=quick)
    figures = tracking(session=session, campaign=campaign, k=5)
    # none invited by mail yet: 0 invited; 2 opened, 1 started, 1 submitted
    assert (figures.members, figures.counts["invited"], figures.counts["opened"], figures.counts["started"],
            figures.counts["submitted"]) == (3, 0, 2, 1, 1)  # fmt: skip


def test_deleting_an_enterprise_takes_its_membership_with_it(session, campaign, quick, example_answers):
    from storage.privacy import delete_enterprise

    add_members(session=session, campaign=campaign, listed=[listed(1), listed(2)], secret_key=KEY)
    first = session.exec(select(CampaignMember).order_by(CampaignMember.id)).first()
    submit_member(session, quick, example_answers, first)
    delete_enterprise(session=session, enterprise_id=first.enterprise_id)
    assert [m.credit_code for m in session.exec(select(CampaignMember))] == [credit_code(2)]

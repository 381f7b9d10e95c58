"""Pages of an assessment assigned to colleagues (storage/assignments.py): what a link opens, and when it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.accounts import create_user
from storage.assessments import start_assessment
from storage.assignments import (
    LINK_LIFETIME,
    AssignmentRefused,
    assign_pages,
    assignments_of,
    hash_link,
    held_pages,
    may_assign,
    open_link,
    record_save,
    revoke,
    saves_of,
)
from storage.privacy import delete_enterprise
from storage.tables import Assessment, EnterpriseBase, PageAssignment, PageSave

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
PROFILE = dict(region_code="370200", industry_code="34", industry_type="discrete", employees=120,
               revenue_million_yuan=50.0, size_class="small")  # fmt: skip


@pytest.fixture
def draft(session, quick):
    """A draft quick check (pages strategy_people, data_security, equipment_network, operations, products_services)
    and its owner."""
    assessment = start_assessment(session=session, profile=EnterpriseBase(name="Qingdao Parts", **PROFILE),
                                  questionnaire=quick)
    owner = create_user(session=session, email="owner@example.org", password="a long test password",
                        role="enterprise", enterprise_id=assessment.enterprise_id)
    return assessment, owner


def test_a_link_opens_its_assignment_until_it_expires(session, quick, draft):
    assessment, owner = draft
    assignment, secret = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                      email=" Li.Wei@Example.ORG ", pages=["operations", "data_security"], by=owner,
                                      now=NOW)  # fmt: skip
    stored = session.get(PageAssignment, assignment.id)
    assert stored.email == "li.wei@example.org"
    assert stored.pages == ["data_security", "operations"]  # questionnaire order, not the order asked in
    assert stored.token_hash == hash_link(secret) and secret not in stored.token_hash  # only the hash is kept
    assert stored.enterprise_id == assessment.enterprise_id and stored.assigned_by == owner.id
    # 14 days: 2026-12-05 12:00 + 14 d = 2026-12-19 12:00
    assert LINK_LIFETIME == timedelta(days=14)
    last_moment = datetime(2026, 12, 19, 11, 59, 59, tzinfo=UTC)
    opened = open_link(session=session, secret=secret, now=last_moment)
    assert opened.assignment.id == assignment.id and opened.assessment.id == assessment.id
    assert open_link(session=session, secret=secret, now=datetime(2026, 12, 19, 12, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize("secret", ["", "x", "A" * 43, "A" * 101, "%00", "' OR 1=1 --"])
def test_a_forged_link_opens_nothing(session, quick, draft, secret):
    assessment, owner = draft
    assign_pages(session=session, assessment=assessment, questionnaire=quick, email="li@example.org",
                 pages=["operations"], by=owner, now=NOW)
    assert open_link(session=session, secret=secret, now=NOW) is None


def test_the_stored_hash_is_not_a_link(session, quick, draft):
    assessment, owner = draft
    assignment, _secret = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                       email="li@example.org", pages=["operations"], by=owner, now=NOW)
    assert open_link(session=session, secret=assignment.token_hash, now=NOW) is None  # a leaked hash is no key


def test_a_revoked_link_stops_at_once_and_frees_its_pages(session, quick, draft):
    assessment, owner = draft
    assignment, secret = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                      email="li@example.org", pages=["operations"], by=owner, now=NOW)
    assert set(held_pages(session=session, assessment=assessment, now=NOW)) == {"operations"}
    revoke(session=session, assignment=assignment, now=NOW + timedelta(minutes=1))
    assert open_link(session=session, secret=secret, now=NOW + timedelta(minutes=1)) is None
    assert held_pages(session=session, assessment=assessment, now=NOW) == {}
    again, _ = assign_pages(session=session, assessment=assessment, questionnaire=quick, email="wang@example.org",
                            pages=["operations"], by=owner, now=NOW)
    assert [a.id for a in assignments_of(session=session, assessment=assessment)] == [assignment.id, again.id]


def test_a_submitted_assessment_s_links_stop(session, quick, draft):
    assessment, owner = draft
    _assignment, secret = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                       email="li@example.org", pages=["operations"], by=owner, now=NOW)
    assessment.status = "submitted"
    session.add(assessment)
    session.commit()
    assert open_link(session=session, secret=secret, now=NOW) is None
    with pytest.raises(AssignmentRefused) as refused:
        assign_pages(session=session, assessment=assessment, questionnaire=quick, email="wang@example.org",
                     pages=["strategy_people"], by=owner, now=NOW)
    assert refused.value.reason == "submitted"


def test_a_link_works_for_its_own_enterprise_only(session, quick, draft):
    assessment, owner = draft
    _assignment, secret = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                       email="li@example.org", pages=["operations"], by=owner, now=NOW)
    other = start_assessment(session=session, profile=EnterpriseBase(name="Zibo Steel", **PROFILE),
                             questionnaire=quick)
    assessment = session.get(Assessment, assessment.id)
    assessment.enterprise_id = other.enterprise_id  # the assessment moved to another enterprise
    session.add(assessment)
    session.commit()
    assert open_link(session=session, secret=secret, now=NOW) is None


@pytest.mark.parametrize(("email", "pages", "reason"), [
    ("not-an-address", ["operations"], "email"),
    ("li@example.org", [], "no_pages"),
    ("li@example.org", ["operations", "finance"], "unknown_page"),  # the quick check has no page "finance"
    ("li@example.org", ["data_security", "strategy_people"], "taken"),  # strategy_people is held by wang
])  # fmt: skip
def test_refused_assignments_store_nothing(session, quick, draft, email, pages, reason):
    assessment, owner = draft
    assign_pages(session=session, assessment=assessment, questionnaire=quick, email="wang@example.org",
                 pages=["strategy_people"], by=owner, now=NOW)
    with pytest.raises(AssignmentRefused) as refused:
        assign_pages(session=session, assessment=assessment, questionnaire=quick, email=email, pages=pages,
                     by=owner, now=NOW)
    assert refused.value.reason == reason
    assert len(session.exec(select(PageAssignment)).all()) == 1


def test_an_expired_assignment_no_longer_holds_its_pages(session, quick, draft):
    assessment, owner = draft
    assign_pages(session=session, assessment=assessment, questionnaire=quick, email="wang@example.org",
                 pages=["strategy_people"], by=owner, now=NOW)
    later = NOW + LINK_LIFETIME
    assert held_pages(session=session, assessment=assessment, now=later) == {}
    assign_pages(session=session, assessment=assessment, questionnaire=quick, email="li@example.org",
                 pages=["strategy_people"], by=owner, now=later)


def test_saves_are_kept_per_assignment_and_page(session, quick, draft):
    assessment, owner = draft
    assignment, _ = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                 email="li@example.org", pages=["data_security", "operations"], by=owner, now=NOW)
    record_save(session=session, assignment=assignment, dimension_id="operations", answered=1, now=NOW)
    record_save(session=session, assignment=assignment, dimension_id="operations", answered=3,
                now=NOW + timedelta(hours=2))
    saves = saves_of(session=session, assessment=assessment)
    assert list(saves) == [assignment.id] and list(saves[assignment.id]) == ["operations"]
    row = saves[assignment.id]["operations"]
    assert row.answered == 3  # the last save counts: 3 of the page's 3 questions
    assert row.saved_at.replace(tzinfo=UTC) == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


def test_only_the_enterprise_s_own_user_may_assign(session, quick, draft):
    assessment, owner = draft
    other = start_assessment(session=session, profile=EnterpriseBase(name="Zibo Steel", **PROFILE),
                             questionnaire=quick)
    stranger = create_user(session=session, email="stranger@example.org", password="a long test password",
                           role="enterprise", enterprise_id=other.enterprise_id)
    admin = create_user(session=session, email="admin@example.org", password="a long test password", role="admin")
    consultant = create_user(session=session, email="c@example.org", password="a long test password",
                             role="consultant")
    assert may_assign(owner, assessment)
    assert not may_assign(stranger, assessment) and not may_assign(admin, assessment)
    assert not may_assign(consultant, assessment) and not may_assign(None, assessment)


def test_deleting_the_enterprise_deletes_its_assignments(session, quick, draft):
    assessment, owner = draft
    assignment, _ = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                 email="li@example.org", pages=["operations"], by=owner, now=NOW)
    record_save(session=session, assignment=assignment, dimension_id="operations", answered=2, now=NOW)
    delete_enterprise(session=session, enterprise_id=assessment.enterprise_id)
    assert session.exec(select(PageAssignment)).all() == [] and session.exec(select(PageSave)).all() == []

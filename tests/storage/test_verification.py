"""Review and sign-off of submitted assessments: who may review, what each step records, and that a resubmission
is self-declared again and needs a new review."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from assessment.answers import parse_answers
from factories import EXAMPLES
from storage.accounts import create_user
from storage.assessments import AlreadySubmitted, save_answers, start_assessment
from storage.submissions import submit
from storage.tables import AuditEvent, BenchmarkEntry, EnterpriseBase, Verification
from storage.verification import (
    ReviewRefused,
    agency_requested,
    decide,
    may_review,
    note_respondent,
    request_agency_review,
    return_to_enterprise,
    returned_answers,
    review_queue,
    sign_off,
    standing,
)

ANSWERS = json.loads((EXAMPLES / "quick_check_answers.json").read_text("utf-8"))


def user(session, role: str, email: str, brand_name: str = "", **fields):
    found = create_user(session=session, email=email, password="a long test password", role=role, name=email[:2],
                        **fields)
    if brand_name:
        found.brand_name = brand_name
        session.add(found)
        session.commit()
    return found


def submitted(session, catalog, *, region: str = "370200", consultant=None):
    """A submitted quick check (version 1.0: the engine is tested here, not the content) with the example answers."""
    questionnaire = catalog.get("quick_check", "1.0")
    profile = EnterpriseBase(name=f"Enterprise in {region}", region_code=region, industry_code="34",
                             industry_type="discrete", employees=120, revenue_million_yuan=50, size_class="small")
    assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
    if consultant is not None:
        enterprise = assessment_enterprise(session, assessment)
        enterprise.consultant_id = consultant.id
        session.add(enterprise)
        session.commit()
    answers, problems = parse_answers(questionnaire, ANSWERS)
    assert not problems
    save_answers(session=session, assessment=assessment, answers=answers)
    submit(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers, trust="account")
    return assessment


def assessment_enterprise(session, assessment):
    from storage.tables import Enterprise

    return session.get(Enterprise, assessment.enterprise_id)


def entry_of(session, assessment) -> BenchmarkEntry:
    return session.exec(select(BenchmarkEntry).where(BenchmarkEntry.assessment_id == assessment.id)).one()


@pytest.fixture
def people(session):
    """A consultant, another consultant, agencies of Shandong (370000), Qingdao (370200), Beijing (110000) and the
    whole country, an enterprise user and an administrator."""
    return {
        "consultant": user(session, "consultant", "li@consult.example", brand_name="Li Consulting"),
        "other consultant": user(session, "consultant", "wang@consult.example"),
        "shandong": user(session, "agency", "sd@agency.example", jurisdiction="370000"),
        "qingdao": user(session, "agency", "qd@agency.example", jurisdiction="370200"),
        "beijing": user(session, "agency", "bj@agency.example", jurisdiction="110000"),
        "country": user(session, "agency", "cn@agency.example", jurisdiction="100000"),
        "admin": user(session, "admin", "root@imready.example"),
    }


# (who, may review before the enterprise asks an agency, may review after)
@pytest.mark.parametrize(("who", "before", "after"), [
    ("consultant", True, True),  # serves the enterprise (its consultant_id)
    ("other consultant", False, False),  # serves other enterprises
    ("shandong", False, True),  # Qingdao 370200 lies in Shandong 370000: only once the enterprise asks
    ("qingdao", False, True),
    ("beijing", False, False),  # another province, asked or not
    ("country", False, True),  # the national agency
    ("admin", False, False),  # administrators manage; they do not verify
])  # fmt: skip
def test_who_may_review(session, catalog, people, who, before, after):
    assessment = submitted(session, catalog, consultant=people["consultant"])
    assert may_review(session=session, user=people[who], assessment=assessment) is before
    own = user(session, "enterprise", "me@enterprise.example", enterprise_id=assessment.enterprise_id)
    asked = request_agency_review(session=session, assessment=assessment, user=own)
    assert agency_requested(session=session, assessment=assessment) == asked
    assert may_review(session=session, user=people[who], assessment=assessment) is after


def test_the_enterprise_own_user_and_whoever_answered_may_not_review(session, catalog, people):
    assessment = submitted(session, catalog, consultant=people["consultant"])
    own = user(session, "enterprise", "me@enterprise.example", enterprise_id=assessment.enterprise_id)
    assert not may_review(session=session, user=own, assessment=assessment)
    request_agency_review(session=session, assessment=assessment, user=own)
    note_respondent(session=session, assessment=assessment, user=people["consultant"])  # it filled the survey in
    assert not may_review(session=session, user=people["consultant"], assessment=assessment)
    assert may_review(session=session, user=people["shandong"], assessment=assessment)
    people["shandong"].active = False
    assert not may_review(session=session, user=people["shandong"], assessment=assessment)
    assert [a.id for a, _e, _s in review_queue(session=session, user=people["consultant"])] == []
    assert [a.id for a, _e, _s in review_queue(session=session, user=people["qingdao"])] == [assessment.id]


def test_sign_off_verifies_the_assessment_and_its_benchmark_entry(session, catalog, people):
    assessment = submitted(session, catalog, consultant=people["consultant"])
    reviewer = people["consultant"]
    assert standing(session=session, assessment=assessment).status == "self_declared"
    assert entry_of(session, assessment).verified is False
    decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="ds_data",
           decision="accepted")
    sign_off(session=session, assessment=assessment, reviewer=reviewer, revision=1, address="10.0.0.7")
    found = standing(session=session, assessment=assessment)
    assert (found.verified, found.reviewer_name, found.reviewer_organisation, found.reviewer_role) == (
        True, "li", "Li Consulting", "consultant")
    assert entry_of(session, assessment).verified is True
    events = session.exec(select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
                          .order_by(AuditEvent.id)).all()
    assert [(e.action, e.user_id, e.detail) for e in events] == [
        ("answer_accept", reviewer.id, "revision 1, ds_data"),
        ("sign_off", reviewer.id, "revision 1 verified"),
    ]
    assert events[1].address == "10.0.0.7" and events[1].at is not None
    with pytest.raises(ReviewRefused):  # signed off: nothing more to decide on this revision
        decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="ds_data",
               decision="returned", comment="late")


def test_a_returned_answer_needs_a_comment_and_blocks_the_sign_off(session, catalog, people):
    assessment = submitted(session, catalog, region="370100")
    reviewer = people["shandong"]
    with pytest.raises(ReviewRefused) as refused:
        decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="ds_data",
               decision="returned", comment="  ")
    assert refused.value.reason == "comment"
    decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="ds_data",
           decision="returned", comment="No backup log attached.")
    with pytest.raises(ReviewRefused) as refused:
        sign_off(session=session, assessment=assessment, reviewer=reviewer, revision=1)
    assert refused.value.reason == "returned"
    assert standing(session=session, assessment=assessment).status == "self_declared"


def test_return_reopens_the_assessment_and_a_resubmission_is_self_declared_until_reviewed_again(session, catalog,
                                                                                                people):
    assessment = submitted(session, catalog, consultant=people["consultant"])
    reviewer, questionnaire = people["consultant"], catalog.get("quick_check", "1.0")
    sign_off(session=session, assessment=assessment, reviewer=reviewer, revision=1)
    assert entry_of(session, assessment).verified is True
    with pytest.raises(AlreadySubmitted):
        save_answers(session=session, assessment=assessment, answers={"ds_data": 3})
    # the reviewer takes the sign-off back: it returns the assessment with an answer to revise
    return_to_enterprise(session=session, assessment=assessment, reviewer=reviewer, revision=1,
                         comment="Please check the data answer.")
    assert (assessment.status, entry_of(session, assessment).verified) == ("draft", False)
    assert standing(session=session, assessment=assessment).status == "returned"
    assert not may_review(session=session, user=reviewer, assessment=assessment)  # a draft is not reviewed
    save_answers(session=session, assessment=assessment, answers={"ds_data": 3})
    answers, _problems = parse_answers(questionnaire, {**ANSWERS, "ds_data": 3})
    enterprise_user = user(session, "enterprise", "me@enterprise.example", enterprise_id=assessment.enterprise_id)
    submit(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers, trust="account",
           user=enterprise_user)
    found = standing(session=session, assessment=assessment)
    assert (assessment.status, found.status, found.revision, found.reviewer_name) == (
        "submitted", "self_declared", 2, "")
    assert entry_of(session, assessment).verified is False
    # the sign-off form of revision 1, posted again, is refused: revision 2 needs its own review
    with pytest.raises(ReviewRefused) as refused:
        sign_off(session=session, assessment=assessment, reviewer=reviewer, revision=1)
    assert refused.value.reason == "revision"
    sign_off(session=session, assessment=assessment, reviewer=reviewer, revision=2)
    assert entry_of(session, assessment).verified is True
    actions = session.exec(select(AuditEvent.action, AuditEvent.user_id).where(
        AuditEvent.assessment_id == assessment.id).order_by(AuditEvent.id)).all()
    assert actions == [("sign_off", reviewer.id), ("return", reviewer.id), ("resubmit", enterprise_user.id),
                       ("sign_off", reviewer.id)]


def test_the_enterprise_sees_the_answers_returned_with_their_comments(session, catalog, people):
    assessment = submitted(session, catalog, consultant=people["consultant"])
    reviewer = people["consultant"]
    decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="ds_data",
           decision="returned", comment="Attach the backup log.")
    decide(session=session, assessment=assessment, reviewer=reviewer, revision=1, question_id="sp_strategy",
           decision="accepted")
    assert returned_answers(session=session, assessment=assessment) == {}  # not before the return
    return_to_enterprise(session=session, assessment=assessment, reviewer=reviewer, revision=1)
    returned = returned_answers(session=session, assessment=assessment)
    assert {q: d.comment for q, d in returned.items()} == {"ds_data": "Attach the backup log."}
    row = session.get(Verification, assessment.id)
    assert (row.status, row.revision) == ("returned", 1)


def scored(session, quick, overall: float, name: str):
    """A submitted Qingdao enterprise (division 34, small) whose benchmarked scores are all `overall`."""
    from datetime import UTC, datetime

    from factories import result_with
    from storage.assessments import submit_assessment
    from storage.statistics import record_submission

    profile = EnterpriseBase(name=name, region_code="370200", industry_code="34", industry_type="discrete",
                             employees=120, revenue_million_yuan=50, size_class="small")
    assessment = start_assessment(session=session, profile=profile, questionnaire=quick)
    result = result_with(quick, overall)
    when = datetime(2026, 6, 1, tzinfo=UTC)
    submit_assessment(session=session, assessment=assessment, questionnaire=quick, result=result, submitted_at=when)
    record_submission(session=session, assessment=assessment, questionnaire=quick, result=result,
                      enterprise=assessment_enterprise(session, assessment), trust="account")
    return assessment


@pytest.mark.parametrize(("verified", "shown"), [(5, True), (4, False)])
def test_verified_only_statistics_count_the_verified_alone_with_the_same_small_group_rule(session, catalog, people,
                                                                                          verified, shown):
    from assessment.cohorts.groups import Cohort, CohortStats, Hidden
    from factories import K, publish
    from storage.releases import releases
    from storage.statistics import cohort_stats, latest_release

    quick = catalog.get("quick_check", "1.0")
    overalls = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    made = [scored(session, quick, overall, f"Works {n}") for n, overall in enumerate(overalls)]
    for assessment in made[:verified]:
        sign_off(session=session, assessment=assessment, reviewer=people["country"], revision=1)
    everyone = publish(session, catalog)  # noiseless: the true figures, to be checked by hand
    companion = latest_release(session=session, verified_only=True)
    assert (everyone.verified_only, companion.verified_only, companion.id) == (False, True, everyone.id + 1)
    assert latest_release(session=session).id == everyone.id  # pages and the API keep showing the full release
    assert [r.id for r in releases(session=session)] == [everyone.id]
    assert (everyone.entries, companion.entries) == (6, verified)
    cohort = Cohort("quick_check", 2026, "370200", "34", "small")
    full = cohort_stats(session=session, cohorts=[cohort], release=everyone)[cohort]
    only = cohort_stats(session=session, cohorts=[cohort], release=companion)[cohort]
    # all six: (1 + 1.5 + 2 + 2.5 + 3 + 3.5) / 6 = 13.5 / 6 = 2.25
    assert isinstance(full, CohortStats) and (full.count, full.nodes["overall"].mean) == (6, pytest.approx(2.25))
    if shown:  # the first five: (1 + 1.5 + 2 + 2.5 + 3) / 5 = 10 / 5 = 2.0, and 5 >= k
        assert verified >= K
        assert isinstance(only, CohortStats) and (only.count, only.nodes["overall"].mean) == (5, pytest.approx(2.0))
    else:  # four verified are fewer than k = 5: withheld, though the full group of six is shown
        assert isinstance(only, Hidden) and only.reason == "small"


def test_no_companion_release_while_nothing_is_verified(session, catalog):
    from factories import publish
    from storage.statistics import latest_release

    scored(session, catalog.get("quick_check", "1.0"), 2.0, "Works")
    publish(session, catalog)
    assert latest_release(session=session, verified_only=True) is None

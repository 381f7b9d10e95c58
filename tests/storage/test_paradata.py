"""Paradata kept as an assessment is answered (the first save, the active time with gaps held to the idle limit), and
the quality flags read from a stored assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assessment.answers import parse_answers
from assessment.quality import Contradiction, TooFast
from storage.assessments import save_answers, start_assessment
from storage.assignments import assign_pages, record_save
from storage.privacy import export_enterprise
from storage.quality import active_seconds_of, flags_for
from storage.submissions import submit
from storage.tables import EnterpriseBase, User, utcnow

PROFILE = EnterpriseBase(name="Weifang Valves", region_code="370700", industry_code="34", industry_type="discrete",
                         employees=80, revenue_million_yuan=30, size_class="small")


@pytest.fixture
def draft(session, quick):
    return start_assessment(session=session, profile=PROFILE.model_copy(), questionnaire=quick)


def last_save_ago(session, assessment, **ago) -> None:
    """Move the last save (or the start, before any) back in time, as if the respondent had spent that long."""
    moved = utcnow() - timedelta(**ago)
    assessment.updated_at = moved
    if assessment.first_saved_at is None:
        assessment.created_at = moved
    session.add(assessment)
    session.commit()


def parsed(quick, raw: dict) -> dict:
    answers, problems = parse_answers(quick, raw, complete=False)
    assert not problems
    return answers


def test_timed_saves_add_the_time_between_them_each_gap_at_most_15_minutes(session, quick, draft):
    assert (draft.first_saved_at, active_seconds_of(draft)) == (None, None)  # nothing measured yet
    last_save_ago(session, draft, seconds=70)  # the first page took 70 s after the profile was saved
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"sp_strategy": 2}), timed=True)
    assert draft.first_saved_at is not None
    assert draft.active_seconds == 70
    last_save_ago(session, draft, minutes=4)
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"ds_data": 2}), timed=True)
    assert draft.active_seconds == 310  # 70 + 240
    last_save_ago(session, draft, hours=2)  # away for two hours: 900 s count
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"en_automation": 2}), timed=True)
    assert draft.active_seconds == 1210  # 310 + 900
    last_save_ago(session, draft, minutes=5)  # an untimed save (an import, generated answers) adds nothing
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"op_systems": 2}))
    assert active_seconds_of(draft) == 1210


def test_answers_saved_before_the_clock_started_leave_the_time_unmeasured(session, quick, draft):
    # imported answers, then completed online: part of the answering went unmeasured, so no time is given at all
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"sp_strategy": 2}))
    last_save_ago(session, draft, minutes=3)
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"ds_data": 2}), timed=True)
    assert (draft.first_saved_at, draft.active_seconds, active_seconds_of(draft)) == (None, 0, None)


def test_flags_of_a_submitted_assessment_read_its_answers_and_its_time(session, quick, draft, example_answers):
    raw = {**example_answers, "op_supply_chain": "phone_paper", "op_systems": 3}  # a contradiction
    answers = parsed(quick, raw)
    last_save_ago(session, draft, seconds=100)
    save_answers(session=session, assessment=draft, answers=answers, timed=True)
    submit(session=session, assessment=draft, questionnaire=quick, answers=answers, trust="anonymous")
    flags = flags_for(session=session, assessment=draft, questionnaire=quick)
    # 100 s of active time, under a third of 8 minutes (160 s)
    assert flags[0] == TooFast(100, 8, 160)
    assert isinstance(flags[1], Contradiction) and flags[1].rule == "paper_partners_integrated_operations"
    assert len(flags) == 2


def test_the_enterprise_export_holds_its_paradata(session, quick, draft):
    last_save_ago(session, draft, seconds=45)
    save_answers(session=session, assessment=draft, answers=parsed(quick, {"sp_strategy": 1}), timed=True)
    [exported] = export_enterprise(session=session, enterprise_id=draft.enterprise_id)["assessments"]
    assert exported["active_seconds"] == 45
    assert exported["first_saved_at"] == draft.first_saved_at.isoformat()


def test_pages_answered_by_colleagues_side_by_side_are_never_judged_too_fast(session, quick, draft, example_answers):
    # the owner gave the data page to a colleague; both answered at the same time, so the 100 s kept are elapsed
    # time, not the time each spent
    owner = User(email="owner@valves.example", role="enterprise", enterprise_id=draft.enterprise_id, password_hash="x")
    session.add(owner)
    session.commit()
    assignment, _secret = assign_pages(session=session, assessment=draft, questionnaire=quick,
                                       email="wang@valves.example", pages=["data_security"], by=owner)
    answers = parsed(quick, example_answers)
    last_save_ago(session, draft, seconds=100)
    save_answers(session=session, assessment=draft, answers=answers, timed=True)
    assert flags_for(session=session, assessment=draft, questionnaire=quick) == [TooFast(100, 8, 160)]
    record_save(session=session, assignment=assignment, dimension_id="data_security", answered=3)
    assert flags_for(session=session, assessment=draft, questionnaire=quick) == []
    assert active_seconds_of(draft) == 100  # still shown as kept

"""Quality checks where a reviewer works: the review page says, above the answers, which flags the assessment raises
and why; the survey's pages and the API's answer endpoint keep the time spent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from factories import EXAMPLES, SurveyActions, client_as, make_user
from storage.assignments import assign_pages, record_save
from storage.tables import Assessment, Enterprise, utcnow
from storage.tokens import create_token

ANSWERS = json.loads((EXAMPLES / "quick_check_answers.json").read_text("utf-8"))


def db(app) -> Session:
    return Session(app.extensions["db_engine"], expire_on_commit=False)


def submitted(app, answers: dict) -> tuple[Assessment, object]:
    """A quick check answered through the pages (in milliseconds) and submitted, and its consultant, a reviewer."""
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    survey.answer_all(token, answers)
    assert survey.submit(token).status_code == 302
    consultant = make_user(app, "consultant", "li@consult.example", name="Li Ming")
    with db(app) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        enterprise.consultant_id = consultant.id
        session.add(enterprise)
        session.commit()
    return assessment, client_as(app, consultant)


def set_active_time(app, assessment: Assessment, seconds: int) -> None:
    with db(app) as session:
        stored = session.get(Assessment, assessment.id)
        stored.active_seconds = seconds
        session.add(stored)
        session.commit()


def test_an_assessment_clicked_through_in_seconds_is_flagged_too_fast_above_the_answers(app):
    assessment, reviewer = submitted(app, ANSWERS)
    with db(app) as session:
        stored = session.get(Assessment, assessment.id)
    assert stored.first_saved_at is not None and stored.active_seconds < 160  # five pages posted by the test client
    page = reviewer.get(f"/review/{assessment.id}").text
    assert "Quality checks: 1 to look at" in page
    assert "Answered too fast:" in page
    assert "less than the 2 min 40 s that reading this questionnaire of about 8 minutes takes" in page
    # above the answers: before the first question's text
    assert page.index("Quality checks") < page.index("How is digital and intelligent transformation planned")


def test_contradicting_answers_are_explained_and_linked_to_both_answers(app):
    assessment, reviewer = submitted(app, {**ANSWERS, "op_supply_chain": "phone_paper", "op_systems": 3})
    set_active_time(app, assessment, 600)  # ten minutes: not too fast
    page = reviewer.get(f"/review/{assessment.id}").text
    assert "Quality checks: 1 to look at" in page
    assert "Answered too fast" not in page
    assert "Answers contradict each other: The operations ladder at level 3 or above says" in page
    assert 'href="#r-op_supply_chain"' in page and 'href="#r-op_systems"' in page
    assert 'id="r-op_supply_chain"' in page  # the anchors lead to the answers on the same page
    assert "Active time answering online: 10 min 0 s." in page


def test_sincere_answers_in_reasonable_time_raise_nothing_and_the_page_says_so_in_chinese(app):
    assessment, reviewer = submitted(app, ANSWERS)
    set_active_time(app, assessment, 7 * 60 + 5)
    page = reviewer.get(f"/review/{assessment.id}").text
    assert "Quality checks: nothing to look at" in page
    assert "Active time answering online: 7 min 5 s." in page
    with reviewer.session_transaction() as flask_session:
        flask_session["lang"] = "zh"
    page = reviewer.get(f"/review/{assessment.id}").text
    assert "质量检查：未发现需要查看的问题" in page
    assert "在线作答的有效时间：7分5秒。" in page


def test_imported_answers_have_no_time_and_are_never_flagged_too_fast(app):
    assessment, reviewer = submitted(app, ANSWERS)
    with db(app) as session:  # as the import leaves it: the clock never started
        stored = session.get(Assessment, assessment.id)
        stored.first_saved_at, stored.active_seconds = None, 0
        session.add(stored)
        session.commit()
    page = reviewer.get(f"/review/{assessment.id}").text
    assert "Quality checks: nothing to look at" in page
    assert "Active time: not measured" in page


@pytest.fixture
def api_client(app):
    """The enterprise's own user with an API token, and a draft quick check of its enterprise."""
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    with db(app) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        user = make_user(app, "enterprise", "me@valves.example", enterprise_id=assessment.enterprise_id)
        secret = create_token(session=session, user=user, name="tests")
    return app.test_client(), {"Authorization": f"Bearer {secret}"}, assessment.id


def test_the_api_answer_endpoint_keeps_the_time_between_saves(app, api_client):
    client, headers, assessment_id = api_client
    url = f"/api/v1/assessments/{assessment_id}/answers"
    assert client.put(url, json={"answers": {"sp_strategy": 2}}, headers=headers).status_code == 200
    with db(app) as session:
        stored = session.get(Assessment, assessment_id)
        assert stored.first_saved_at is not None
        before = stored.active_seconds
        stored.updated_at = utcnow() - timedelta(minutes=6)  # the program's user took six minutes for the next
        session.add(stored)
        session.commit()
    assert client.put(url, json={"answers": {"ds_data": 2}}, headers=headers).status_code == 200
    with db(app) as session:
        assert session.get(Assessment, assessment_id).active_seconds == before + 360


def test_pages_answered_by_colleagues_are_not_judged_too_fast_and_the_page_says_why(app, catalog):
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    with db(app) as session:  # the owner gives the data page to a colleague, who saves it
        draft = session.exec(select(Assessment).where(Assessment.token == token)).one()
        owner = make_user(app, "enterprise", "owner@valves.example", enterprise_id=draft.enterprise_id)
        assignment, _secret = assign_pages(session=session, assessment=draft,
                                           questionnaire=catalog.get("quick_check", "2.0"),
                                           email="wang@valves.example", pages=["data_security"], by=owner)
        record_save(session=session, assignment=assignment, dimension_id="data_security", answered=3)
    survey.answer_all(token, ANSWERS)  # in milliseconds
    assert survey.submit(token).status_code == 302
    reviewer = make_user(app, "consultant", "li@consult.example")
    with db(app) as session:
        enterprise = session.get(Enterprise, draft.enterprise_id)
        enterprise.consultant_id = reviewer.id
        session.add(enterprise)
        session.commit()
    page = client_as(app, reviewer).get(f"/review/{draft.id}").text
    assert "Answered too fast" not in page
    assert "Quality checks: nothing to look at" in page
    assert "Colleagues answered pages side by side: this is the time elapsed" in page

"""The survey through the app's pages: profile, pages saved as you go, resume, errors that keep answers, submit."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from factories import csrf_token, stored_answers
from storage.tables import Assessment, Enterprise, NodeScore


def test_profile_errors_keep_what_was_entered(client):
    page = client.get("/start/quick_check")
    response = client.post("/start/quick_check", data={
        "csrf_token": csrf_token(page.text), "name": "Weifang Pumps", "region": "370700", "industry": "34",
        "employees": "-5", "revenue": "",
    })
    assert response.status_code == 200
    assert 'value="Weifang Pumps"' in response.text
    assert response.text.count('class="error"') == 2  # employees out of range, revenue missing
    assert re.search(r'<option selected value="370700">', response.text)


def test_profile_derives_size_class_and_industry_type(app, survey):
    token = survey.start(employees="350", revenue="25", industry="26")  # chemicals: a process industry
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        enterprise = session.get(Enterprise, assessment.enterprise_id)
    # China 2011: >= 300 employees and >= 20 M yuan revenue, below the large thresholds -> medium
    assert (enterprise.size_class, enterprise.industry_type) == ("medium", "process")
    assert (assessment.questionnaire_id, assessment.questionnaire_version, assessment.status) == (
        "quick_check", "2.0", "draft")  # new assessments use the newest version


def test_a_form_without_csrf_token_is_refused(client, survey):
    token = survey.start()
    response = client.post(f"/a/{token}/page/1", data={"action": "next", "sp_strategy": "2"})
    assert response.status_code == 400
    assert "expired" in response.text


def test_invalid_answer_shows_where_and_keeps_every_entry(app, survey):
    token = survey.start()
    questionnaire = survey.questionnaire("quick_check")
    number = next(n for n, d in enumerate(questionnaire.dimensions, 1) if any(q.type == "number" for q in d.questions))
    dimension = questionnaire.dimensions[number - 1]
    number_question = next(q for q in dimension.questions if q.type == "number")
    ladder = next(q for q in dimension.questions if q.type == "ladder")
    response = survey.post_page(token, number, {ladder.id: "3", number_question.id: "150 percent"})
    assert response.status_code == 200
    error = re.search(rf'id="q-{number_question.id}".*?<p class="error"[^>]*>([^<]+)<', response.text, re.S)
    assert error and "from 0 to 100" in error.group(1)
    assert 'value="150 percent"' in response.text  # what the person typed is still there
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', response.text)
    assert stored_answers(app, token) == {ladder.id: 3}  # the valid answer is saved already


def test_stop_and_resume_keeps_answers(app, client, survey):
    token = survey.start()
    questionnaire = survey.questionnaire("quick_check")
    first = questionnaire.dimensions[0]
    ladder = next(q for q in first.questions if q.type == "ladder")
    response = survey.post_page(token, 1, {ladder.id: "4"}, action="exit")
    assert response.headers["Location"].endswith(f"/a/{token}/saved")
    assert f"/a/{token}" in client.get(f"/a/{token}/saved").text
    resumed = client.get(f"/a/{token}")
    assert resumed.headers["Location"].endswith(f"/a/{token}/page/1")  # page 1 still has unanswered questions
    page = client.get(f"/a/{token}/page/1").text
    assert re.search(r'value="4"[^>]*checked|checked[^>]*value="4"', page)


def test_unknown_token_is_not_found(client):
    assert client.get("/a/not-a-real-token").status_code == 404


def test_full_run_scores_and_pins_the_result(app, client, survey, example_answers):
    token = survey.start()
    survey.answer_all(token, example_answers)
    assert client.get(f"/a/{token}").headers["Location"].endswith(f"/a/{token}/review")
    response = survey.submit(token)
    assert response.headers["Location"].endswith(f"/a/{token}/results")
    results = client.get(f"/a/{token}/results").text
    # By hand on quick check 2.0 (discrete profile): dimensions 2.0, 2.0, equipment_network (2*2 + 2 + 0.5*3)/3.5
    # = 15/7 (platform use yes scores 3, weight 0.5), 1.75 and products_services (2*2 + 1*2)/3 = 2.0 with connected
    # products not applicable; overall (2 + 2 + 15/7 + 1.75 + 1.5*2) / 5.5 = (76.25/7)/5.5 = 1.9805
    assert '<span id="overall-score">1.98</span>' in results
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        scores = {row.node_id: row.score for row in session.exec(
            select(NodeScore).where(NodeScore.assessment_id == assessment.id))}
    assert assessment.status == "submitted"
    assert assessment.overall_score == pytest.approx(76.25 / 7 / 5.5)
    assert scores["operations"] == pytest.approx(1.75)
    assert assessment.result["questionnaire"] == {"id": "quick_check", "version": "2.0"}


def test_process_industry_uses_process_weights(app, client, survey, example_answers):
    token = survey.start(industry="26")
    survey.answer_all(token, example_answers)
    survey.submit(token)
    # quick check 2.0: (2 + 2 + 1.5*15/7 + 1.75 + 2) / 5.5 = (76.75/7)/5.5 = 1.9935
    assert '<span id="overall-score">1.99</span>' in client.get(f"/a/{token}/results").text


def test_submitted_answers_cannot_change(app, client, survey, example_answers):
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    before = stored_answers(app, token)
    first = survey.questionnaire("quick_check").dimensions[0]
    ladder = next(q for q in first.questions if q.type == "ladder")
    page = client.get(f"/a/{token}/page/1")
    assert page.status_code == 302 and page.headers["Location"].endswith("/results")
    csrf = csrf_token(client.get("/start/quick_check").text)  # any page's token: it is tied to the session
    response = client.post(f"/a/{token}/page/1", data={ladder.id: "5", "action": "next", "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/results")
    assert stored_answers(app, token) == before
    again = client.post(f"/a/{token}/submit", data={"csrf_token": csrf})
    assert again.headers["Location"].endswith("/results")
    assert stored_answers(app, token) == before


def test_incomplete_assessment_cannot_be_submitted(app, client, survey):
    token = survey.start()
    review = client.get(f"/a/{token}/review").text
    assert "still need an answer" in review and 'id="submit" disabled' in review
    response = survey.submit(token)
    assert response.headers["Location"].endswith(f"/a/{token}/review")
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(Assessment).where(Assessment.token == token)).one().status == "draft"


def test_hidden_question_is_not_required(app, survey, example_answers):
    questionnaire = survey.questionnaire("quick_check")
    conditional = next(q for q in questionnaire.questions.values() if q.show_if)
    trigger = questionnaire.questions[conditional.show_if.question]
    assert trigger.type == "yesno" and conditional.show_if.equals is True
    answers = {**example_answers, trigger.id: False}
    answers.pop(conditional.id)
    token = survey.start()
    survey.answer_all(token, answers)  # would be refused if the hidden question were required
    assert survey.submit(token).headers["Location"].endswith("/results")


def test_language_switch_keeps_the_place(client, survey):
    token = survey.start()
    questionnaire = survey.questionnaire("quick_check")
    response = client.get(f"/language/zh?next=/a/{token}/page/2")
    assert response.headers["Location"] == f"/a/{token}/page/2"
    page = client.get(f"/a/{token}/page/2").text
    assert questionnaire.dimensions[1].name.zh in page
    assert questionnaire.dimensions[1].name.en not in page


def test_language_switch_refuses_other_sites(client):
    assert client.get("/language/zh?next=https://example.com/").headers["Location"] == "/"
    assert client.get("/language/zh?next=//example.com/").headers["Location"] == "/"


def test_requirements_are_grouped_under_their_level(client, survey):
    token = survey.start("imready_full")
    page = client.get(f"/a/{token}/page/1").text
    headings = re.findall(r'<h3 class="requirements-level" id="requirements-level-(\d)">([^<]*)</h3>', page)
    assert headings == [("1", "Level 1 · Planning"), ("2", "Level 2 · Standardised"), ("3", "Level 3 · Integrated"),
                        ("4", "Level 4 · Optimised"), ("5", "Level 5 · Leading")]
    # the ladder and supporting questions come before the requirements, each requirement after its level's heading
    assert page.index('id="q-strat_ladder"') < page.index('id="requirements"') < page.index('id="q-strat_req_l1_1"')
    assert page.index('id="requirements-level-2"') < page.index('id="q-strat_req_l2_1"')
    quick = client.get(f"/a/{survey.start()}/page/1").text
    assert 'id="requirements"' not in quick  # the quick check rates no requirements

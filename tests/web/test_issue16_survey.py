"""Issue 16: an invalid answer stays on its page whatever was pressed; the resume link speaks the assessment's
language in any browser."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from factories import stored_answers
from storage.tables import Assessment


def number_page(survey):
    """The quick check's page with a 0-100 number question: its number, the number question and a ladder beside it."""
    questionnaire = survey.questionnaire("quick_check")
    number = next(n for n, d in enumerate(questionnaire.dimensions, 1) if any(q.type == "number" for q in d.questions))
    dimension = questionnaire.dimensions[number - 1]
    return (number, next(q for q in dimension.questions if q.type == "number"),
            next(q for q in dimension.questions if q.type == "ladder"))


@pytest.mark.parametrize("action", ["next", "back", "exit", "evidence:{ladder}"])
def test_an_invalid_answer_is_marked_in_place_whatever_was_pressed(app, survey, action):
    token = survey.start()
    number, number_question, ladder = number_page(survey)
    assert number > 1  # so that "back" has somewhere to go
    response = survey.post_page(token, number, {ladder.id: "3", number_question.id: "150"},
                                action=action.format(ladder=ladder.id))
    assert response.status_code == 200  # the page again, not the next one, the saved page or the evidence form
    error = re.search(rf'id="q-{number_question.id}".*?<p class="error"[^>]*>([^<]+)<', response.text, re.S)
    assert error and "from 0 to 100" in error.group(1)  # named at the question
    assert 'value="150"' in response.text  # what was typed is still there
    assert "Please correct the answers marked below. Your other answers are saved." in response.text
    assert "were not valid and were not saved" not in response.text
    assert stored_answers(app, token) == {ladder.id: 3}  # the valid answer is saved, the invalid one is not


def test_once_corrected_finish_later_goes_to_the_saved_page(app, survey):
    token = survey.start()
    number, number_question, ladder = number_page(survey)
    survey.post_page(token, number, {ladder.id: "3", number_question.id: "150"}, action="exit")
    response = survey.post_page(token, number, {ladder.id: "3", number_question.id: "40"}, action="exit")
    assert response.headers["Location"].endswith(f"/a/{token}/saved")
    assert stored_answers(app, token) == {ladder.id: 3, number_question.id: 40}


def test_an_empty_answer_does_not_keep_finish_later_on_the_page(survey):
    token = survey.start()
    number, _number_question, ladder = number_page(survey)
    response = survey.post_page(token, number, {ladder.id: "2"}, action="exit")
    assert response.headers["Location"].endswith(f"/a/{token}/saved")  # unanswered is not invalid


def language_of(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_the_resume_link_opens_in_the_language_the_assessment_was_started_in(app, client, survey):
    client.get("/language/zh")
    token = survey.start()
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(Assessment).where(Assessment.token == token)).one().language == "zh"
    fresh = app.test_client()  # another browser, asking for English
    page = fresh.get(f"/a/{token}", follow_redirects=True, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert language_of(page.text) == "zh-Hans"
    assert "保存，稍后继续" in page.text and "Save and finish later" not in page.text
    saved = fresh.get(f"/a/{token}/saved")
    assert language_of(saved.text) == "zh-Hans" and "您的答案已保存" in saved.text


def test_a_visitor_who_chose_a_language_keeps_it(app, client, survey):
    client.get("/language/zh")
    token = survey.start()
    visitor = app.test_client()
    visitor.get("/language/en")  # chosen explicitly: it wins over the assessment's language
    page = visitor.get(f"/a/{token}", follow_redirects=True)
    assert language_of(page.text) == "en" and "Save and finish later" in page.text


def test_the_language_follows_the_owner_who_switches(app, client, survey):
    token = survey.start()  # the test client asks for no language: English
    number, _number_question, ladder = number_page(survey)
    client.get("/language/zh")
    survey.post_page(token, number, {ladder.id: "2"}, action="exit")
    page = app.test_client().get(f"/a/{token}/saved", headers={"Accept-Language": "en"})
    assert language_of(page.text) == "zh-Hans"


def test_an_assessment_of_unknown_language_follows_the_browser(app, survey):
    token = survey.start()
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        assessment.language = None  # begun before languages were kept, or imported
        session.add(assessment)
        session.commit()
    page = app.test_client().get(f"/a/{token}/saved", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert language_of(page.text) == "zh-Hans"

"""Issue 16: the PDF's answers appendix leaves out a question its condition hid for the final answers."""

from __future__ import annotations

from assessment.scoring import score
from factories import csrf_token, form_values, pdf_text
from reports.enterprise_report import answer_rows

APPS_QUESTION = "Which applications do you run on the industrial internet platform or cloud service?"


def squeeze(text: str) -> str:
    return " ".join(text.split())


def submit_without_platform(survey, example_answers) -> str:
    """Answer with a platform and its applications, then say there is no platform after all, and submit."""
    token = survey.start()
    assert example_answers["en_platform"] is True and example_answers["op_platform_apps"]
    survey.answer_all(token, example_answers)
    equipment = survey.questionnaire("quick_check").dimensions[2]
    assert "en_platform" in {question.id for question in equipment.questions}
    response = survey.post_page(token, 3, {**_page_values(survey, equipment, example_answers), "en_platform": "no"})
    assert response.status_code == 302
    assert survey.submit(token).status_code == 302
    return token


def _page_values(survey, dimension, answers) -> dict:
    values = {}
    for question in dimension.questions:
        if question.id in answers:
            values.update(form_values(question, answers[question.id]))
    return values


def test_the_appendix_leaves_out_a_question_hidden_by_its_condition(app, client, survey, example_answers):
    token = submit_without_platform(survey, example_answers)
    roadmap = client.get(f"/a/{token}/roadmap")
    response = client.post(f"/a/{token}/report.pdf", data={"csrf_token": csrf_token(roadmap.text), "language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squeeze(pdf_text(response.data))
    appendix = text[text.index("Appendix: answers"):]
    assert "Do you use an industrial internet platform" in appendix  # the question that hides it is listed
    assert APPS_QUESTION not in text  # hidden by "no platform": not asked, so not listed with the old answer
    assert "Equipment monitoring and OEE dashboards" not in appendix


def test_the_appendix_lists_the_question_when_its_condition_holds(app, survey, example_answers):
    questionnaire = survey.questionnaire("quick_check")
    result = score(questionnaire, example_answers)
    listed = [question for _page, rows in answer_rows(questionnaire, result, "en") for question, _answer in rows]
    assert APPS_QUESTION in listed  # en_platform is yes: the applications were asked and answered
    hidden = score(questionnaire, {**example_answers, "en_platform": False})
    listed = [question for _page, rows in answer_rows(questionnaire, hidden, "en") for question, _answer in rows]
    assert APPS_QUESTION not in listed and hidden.answers["op_platform_apps"] == ["equipment_monitoring"]

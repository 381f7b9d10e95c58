"""A questionnaire without paradigm nodes (IMPULS) through the whole app: survey, results, PDF, history, API,
statistics release and the agencies' page, with no paradigm view and no error."""

import pytest
from sqlmodel import Session, select

from factories import (
    SurveyActions,
    ask_regional_report,
    client_as,
    csrf_token,
    make_user,
    on_demo_population,
    pdf_text,
    publish_in,
    sign_in_as,
)
from storage.tables import Assessment, CohortStat, User
from storage.tokens import create_token

# Every IMPULS field at level 3: ladders 3; three of five protections ticked = 3; revenue share 6 % on
# [0, 10] -> [0, 5] = 3; data used 60 % on [0, 100] -> [0, 5] = 3. Every dimension is then min(3, ...) = 3 and the
# overall (25·3 + 14·3 + 10·3 + 19·3 + 14·3 + 18·3) / 100 = 3: "Experienced".
THREE = {"sm_security_measures": ["backup", "access", "zones"], "ds_revenue_share": 6, "ds_data_share": 60}


def impuls_answers(app) -> dict:
    questionnaire = app.extensions["questionnaires"].get("impuls")
    return {qid: THREE.get(qid, 3) for qid in questionnaire.questions}


@pytest.fixture
def owner(app):
    return make_user(app, "enterprise", email="owner@example.org")


def submitted_impuls(app, survey, client) -> str:
    survey.client = client
    token = survey.start("impuls")
    survey.answer_all(token, impuls_answers(app), "impuls")
    assert survey.submit(token).status_code == 302
    return token


def test_results_page_has_no_paradigm_section(app, survey, owner):
    client = client_as(app, owner)
    token = submitted_impuls(app, survey, client)
    page = client.get(f"/a/{token}/results")
    assert page.status_code == 200
    assert 'id="paradigms"' not in page.text and "paradigm-chart" not in page.text
    assert "Smart factory" in page.text and "Experienced" in page.text


def test_impuls_results_stand_beside_impuls_figures_only(app, survey, owner):
    # The IMPULS overall is computed by the IMPULS rule, so the IMPULS 2015 level shares may stand beside it, and
    # CMMM's, computed by another rule, may not.
    imported = app.test_cli_runner().invoke(
        args=["reference", "import-published", "assessment/data/published_benchmarks.csv"])
    assert imported.exit_code == 0, imported.output
    client = client_as(app, owner)
    page = client.get(f"/a/{submitted_impuls(app, survey, client)}/results").text
    published = page[page.index('id="published"'):page.index('id="overall"')]
    assert "IMPULS 2015" in published and "level 0: 38.9 %" in published
    assert "CMMM" not in published and "CESI" not in page
    assert 'id="standard-levels"' not in page  # the overall is the level itself: no separate level table


def test_pdf_report_renders_without_paradigms(app, survey, owner):
    client = client_as(app, owner)
    token = submitted_impuls(app, survey, client)
    roadmap = client.get(f"/a/{token}/roadmap")
    assert roadmap.status_code == 200
    pdf = client.post(f"/a/{token}/report.pdf", data={"csrf_token": csrf_token(roadmap.text), "language": "en",
                                                      "brand_colour": "#2f6f9f"})  # fmt: skip
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.data).split())
    assert "Smart factory" in text and "Data-driven services" in text
    assert "The three paradigms" not in text


def test_history_compares_two_impuls_assessments_without_paradigms(app):
    visitor = SurveyActions(app.test_client(), app)
    first = submitted_impuls(app, visitor, visitor.client)
    with Session(app.extensions["db_engine"]) as session:
        enterprise_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == first)).one()
    client = client_as(app, make_user(app, "enterprise", email="owner@example.org", enterprise_id=enterprise_id))
    page = client.get(f"/workspace/history/{enterprise_id}")
    response = client.post(f"/workspace/history/{enterprise_id}/again", data={"csrf_token": csrf_token(page.text)})
    second = response.headers["Location"].split("/")[2]
    survey = SurveyActions(client, app)
    # T1: every smart-factory field at 4, so smart factory = min(4, 4, 4, 4) = 4 (+1) and the overall
    # 3 + 14·1/100 = 3.14 (+0.14)
    answers = {**impuls_answers(app), "sf_modelling": 4, "sf_equipment": 4, "sf_data_use": 4, "sf_it_systems": 4}
    survey.answer_all(second, answers, "impuls")
    assert survey.submit(second).status_code == 302
    page = client.get(f"/workspace/history/{enterprise_id}")
    assert page.status_code == 200
    assert 'id="change-dimension-smart_factory"' in page.text
    assert "change-paradigm" not in page.text and "paradigm-change-chart" not in page.text
    assert "+0.14" in page.text and "+1.00" in page.text
    # the JSON result of the API: no paradigm, the dimensions and the overall as on the page
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        owner = session.exec(select(User).where(User.email == "owner@example.org")).one()
        token = create_token(session=session, user=owner, name="tests")
    api = app.test_client().get(f"/api/v1/assessments/{stored_id(app, second)}/result",
                                headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    assert api.json["paradigms"] == {} and api.json["overall"]["score"] == pytest.approx(3.14)


def stored_id(app, token: str) -> int:
    with Session(app.extensions["db_engine"]) as session:
        return session.exec(select(Assessment.id).where(Assessment.token == token)).one()


def test_a_release_and_the_agencies_page_with_impuls_assessments(app, survey):
    for _ in range(6):
        submitted_impuls(app, survey, app.test_client())
    release = publish_in(app, count_anonymous=True)
    assert release is not None
    sign_in_as(app, "agency")
    page = app.test_client().get("/agencies/?q=impuls")
    assert page.status_code == 200, page.text
    assert 'id="region-370000"' in page.text and "Smart factory" in page.text
    assert "Reaching the paradigm" not in page.text and 'id="chart-reached"' not in page.text
    client = app.test_client()
    job = ask_regional_report(client, "q=impuls")  # queued, printed at once in tests
    pdf = client.get(job.headers["Location"] + "/report.pdf")
    pdf.get_data(), pdf.close()  # read whole, then the file it was sent from closed
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.data).split())
    assert "Smart factory" in text


def dma_answers(app) -> dict:
    """Every DMA checklist with half its options ticked (rounded down) and every count at its middle."""
    questionnaire = app.extensions["questionnaires"].get("eu_dma")
    return {qid: [option.id for option in question.options][: len(question.options) // 2]
            if question.type == "multiple" else int(question.max // 2)
            for qid, question in questionnaire.questions.items()}


def test_the_eu_dma_on_its_0_100_scale_through_results_release_and_agencies(app, survey):
    for _ in range(6):
        survey.client = app.test_client()
        token = survey.start("eu_dma")
        survey.answer_all(token, dma_answers(app), "eu_dma")
        assert survey.submit(token).status_code == 302
    page = survey.client.get(f"/a/{token}/results")
    assert page.status_code == 200
    assert "/ 100" in page.text and "Score (0–100)" in page.text and 'id="paradigms"' not in page.text
    assert publish_in(app, count_anonymous=True) is not None
    sign_in_as(app, "agency")
    agencies = app.test_client().get("/agencies/?q=eu_dma")
    assert agencies.status_code == 200, agencies.text
    assert "Green digitalisation" in agencies.text and "Mean score (0–100)" in agencies.text


@on_demo_population(30, seed=5)
def test_a_release_over_demo_quick_checks_and_real_impuls_assessments(app, survey):
    """The demo stays on the quick check; IMPULS assessments beside it are released and shown on their own."""
    for _ in range(5):
        submitted_impuls(app, survey, app.test_client())
    release = publish_in(app, count_anonymous=True)
    with Session(app.extensions["db_engine"]) as session:
        kinds = set(session.exec(select(CohortStat.questionnaire_id).where(CohortStat.release_id == release.id)))
    assert kinds == {"quick_check", "impuls"}
    sign_in_as(app, "agency")
    client = app.test_client()
    assert client.get("/agencies/?q=quick_check&period=2025").status_code == 200
    assert client.get("/agencies/?q=impuls").status_code == 200


@pytest.mark.parametrize(("questionnaire_id", "source"), [("impuls", "Lichtblau"), ("eu_dma", "Joint Research Centre")])
def test_the_methodology_page_states_the_source(client, questionnaire_id, source):
    page = client.get(f"/methodology/{questionnaire_id}")
    assert page.status_code == 200 and source in page.text

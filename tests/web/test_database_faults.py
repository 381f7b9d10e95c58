"""The database under faults: PostgreSQL restarted in the middle of a survey, the same assessment submitted twice at
once."""

from __future__ import annotations

import html
import os
import re
import subprocess
import threading

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select
from werkzeug.datastructures import MultiDict

from assessment.scoring import score
from factories import ROOT, client_as, csrf_token, form_values, make_user, on_demo_population, stored_answers
from storage.assessments import load_answers, submit_assessment
from storage.tables import Assessment, BenchmarkEntry, NodeScore

SERVER_URL = os.environ.get("IMREADY_TEST_DATABASE_URL")


def pg(command: str) -> None:
    """Halt or resume the test PostgreSQL server (.ci/pg.sh), keeping its data, as a restart does."""
    port = str(make_url(SERVER_URL).port)
    subprocess.run(["bash", str(ROOT / ".ci" / "pg.sh"), command], check=True, env={**os.environ,
                   "IMREADY_PG_PORT": port})  # fmt: skip


def page_data(questionnaire, number: int, answers: dict) -> dict:
    """The form fields of one page filled with the documented example answers."""
    data = {}
    for question in questionnaire.dimensions[number - 1].questions:
        if question.id in answers:
            data.update(form_values(question, answers[question.id]))
    return data


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The hidden fields of the "try again" form, as a browser would send them."""
    form = re.search(r'<form method="post" action="([^"]+)" id="try-again-form">(.*?)</form>', page, re.S)
    assert form, "the page offers no form to send again"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    return [(html.unescape(name), html.unescape(value)) for name, value in fields]


@pytest.mark.skipif(not SERVER_URL, reason="restarts the PostgreSQL server of the tests (set in the PostgreSQL pass)")
def test_a_postgresql_restart_mid_survey_keeps_what_was_saved_and_asks_to_try_again(app, client, survey, quick,
                                                                                    example_answers):  # fmt: skip
    token = survey.start()
    assert survey.post_page(token, 1, page_data(quick, 1, example_answers)).status_code == 302
    before = stored_answers(app, token)
    second_page = client.get(f"/a/{token}/page/2").text
    sent = {**page_data(quick, 2, example_answers), "action": "next", "csrf_token": csrf_token(second_page)}
    consultant = client_as(app, make_user(app, "consultant"))

    pg("halt")
    try:
        refused = client.post(f"/a/{token}/page/2", data=sent)
        page = refused.text
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert "The database is not available for a moment, so nothing was saved this time." in page
        assert "Traceback" not in page and "OperationalError" not in page
        replay = hidden_fields(page)
        assert sorted(replay) == sorted((name, value) for name, values in sent.items()
                                        for value in (values if isinstance(values, list) else [values]))  # fmt: skip
        reading = client.get(f"/a/{token}/page/2")
        assert reading.status_code == 503 and 'id="try-again"' in reading.text
        signed_in = consultant.get("/workspace/")  # the page is drawn even though the user cannot be loaded
        assert signed_in.status_code == 503 and "Please try again" in signed_in.text
    finally:
        pg("resume")

    assert stored_answers(app, token) == before  # saved before the restart, still there
    again = client.post(f"/a/{token}/page/2", data=MultiDict(replay))  # the "Try again" button
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/a/{token}/page/3")
    after = stored_answers(app, token)
    second = {question.id for question in quick.dimensions[1].questions if question.id in example_answers}
    assert second and second <= set(after) and set(before) <= set(after)
    assert {qid: after[qid] for qid in before} == before
    assert consultant.get("/workspace/").status_code == 200


def test_two_sessions_submitting_the_same_draft_make_one_submission(app, survey, quick, example_answers):
    token = survey.start()
    survey.answer_all(token, example_answers)
    engine = app.extensions["db_engine"]
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        mine = first.exec(select(Assessment).where(Assessment.token == token)).one()
        theirs = second.exec(select(Assessment).where(Assessment.token == token)).one()
        assert mine.status == theirs.status == "draft"  # both read it as a draft before either submits
        answers = load_answers(session=first, assessment=mine, questionnaire=quick)
        result = score(quick, answers, profile="discrete")
        outcomes = [submit_assessment(session=first, assessment=mine, questionnaire=quick, result=result),
                    submit_assessment(session=second, assessment=theirs, questionnaire=quick, result=result)]
    assert outcomes == [True, False]
    with Session(engine) as session:
        scores = session.exec(select(func.count()).select_from(NodeScore).where(NodeScore.assessment_id == mine.id))
        assert scores.one() == len(result.nodes)


def submit_at_once(url: str, data: dict, *browsers) -> list:
    """Post the same form from each browser at the same instant (threads released together); their responses."""
    start = threading.Barrier(len(browsers))
    responses = [None] * len(browsers)

    def press(index, browser):
        start.wait()
        responses[index] = browser.post(url, data=data, buffered=True)

    threads = [threading.Thread(target=press, args=(i, browser)) for i, browser in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return responses


def test_the_same_assessment_submitted_twice_at_once_is_submitted_once(app, client, survey, example_answers):
    engine = app.extensions["db_engine"]
    for attempt in range(3):
        token = survey.start(name=f"Twice Submitted {attempt}")
        survey.answer_all(token, example_answers)
        review = client.get(f"/a/{token}/review").text
        twin = app.test_client()
        twin.set_cookie("session", client.get_cookie("session").value)
        responses = submit_at_once(f"/a/{token}/submit", {"csrf_token": csrf_token(review)}, client, twin)
        assert [r.status_code for r in responses] == [302, 302]
        assert all(r.headers["Location"].endswith(f"/a/{token}/results") for r in responses)
        with Session(engine) as session:
            assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
            assert assessment.status == "submitted" and assessment.overall_score is not None
            result = assessment.result
            nodes = 1 + len(result["paradigms"]) + len(result["dimensions"]) + len(result["items"])
            scores = session.exec(select(func.count()).select_from(NodeScore).where(
                NodeScore.assessment_id == assessment.id)).one()  # fmt: skip
            entries = session.exec(select(func.count()).select_from(BenchmarkEntry).where(
                BenchmarkEntry.assessment_id == assessment.id)).one()  # fmt: skip
        assert (entries, scores) == (1, nodes)
        assert client.get(f"/a/{token}/results").status_code == 200


@on_demo_population(40, seed=11)
def test_submissions_and_releases_at_the_same_moment_all_take(app, survey, example_answers):
    """Eight enterprises submit at once, each from its own browser, while two administrators publish a release:
    every submission is stored, the two releases are made one after the other (the statistics lock), and each
    holds whole periods: the second counts at least what the first did."""
    from storage.releases import make_release
    from storage.tables import CohortStat

    catalog = app.extensions["questionnaires"]
    engine = app.extensions["db_engine"]
    with Session(engine) as session:
        session.execute(BenchmarkEntry.__table__.update().values(trust="account"))
        session.commit()
    browsers, forms = [], []
    for number, region in enumerate(("370200", "370200", "370100", "110000", "370200", "320500", "370200", "370100")):
        browser = app.test_client()
        respondent = type(survey)(browser, app)
        token = respondent.start(region=region, name=f"Simultaneous {number}")
        respondent.answer_all(token, example_answers)
        review = browser.get(f"/a/{token}/review").text
        browsers.append(browser)
        forms.append((f"/a/{token}/submit", {"csrf_token": csrf_token(review)}))
    start = threading.Barrier(len(browsers) + 2)
    responses: list = [None] * len(browsers)
    made: list = []

    def press(index):
        start.wait()
        responses[index] = browsers[index].post(forms[index][0], data=forms[index][1], buffered=True)

    def publish():
        start.wait()
        with Session(engine, expire_on_commit=False) as session:
            made.append(make_release(session=session, catalog=catalog, k=5, trigger="administrator"))

    threads = [threading.Thread(target=press, args=(index,)) for index in range(len(browsers))]
    threads += [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [response.status_code for response in responses] == [302] * len(browsers)
    assert len(made) == 2 and made[0].id != made[1].id
    first, second = sorted(made, key=lambda release: release.id)
    assert first.entries <= second.entries
    with Session(engine) as session:
        counts = {release.id: session.exec(select(func.count()).select_from(CohortStat).where(
            CohortStat.release_id == release.id)).one() for release in made}  # fmt: skip
    assert counts == {first.id: first.cells, second.id: second.cells}


def test_only_an_unreachable_or_busy_database_is_worth_trying_again(tmp_path):
    """A locked SQLite file asks the user to try again; a query the database refuses is our fault (a 500 page)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from web.errors import is_unavailable

    path = tmp_path / "locked.db"
    holder = create_engine(f"sqlite:///{path}")
    waiter = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with holder.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(OperationalError) as locked, waiter.connect() as other:
            other.execute(text("INSERT INTO t VALUES (1)"))
        connection.rollback()
    assert "database is locked" in str(locked.value) and is_unavailable(locked.value)
    with pytest.raises(OperationalError) as refused, waiter.connect() as other:
        other.execute(text("SELECT 'a' LIKE :pattern"), {"pattern": "%" * 60000})
    assert "pattern too complex" in str(refused.value) and not is_unavailable(refused.value)
    holder.dispose()
    waiter.dispose()

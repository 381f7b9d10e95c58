"""The survey's submit button leaves the benchmark entry to the queue (jobs/statistics.py): the respondent's results,
comparison included, do not wait for it, and the worker records it as the submit button used to."""

from __future__ import annotations

from sqlmodel import Session, select
from test_statistics import QINGDAO, submitted

from assessment.scoring import Result
from factories import SurveyActions, drain, publish
from storage.statistics import comparison
from storage.tables import Assessment, BenchmarkEntry


def test_the_entry_is_recorded_by_the_worker_and_the_results_do_not_wait_for_it(queued_app, example_answers):
    catalog = queued_app.extensions["questionnaires"]
    quick = catalog.get("quick_check")
    with Session(queued_app.extensions["db_engine"], expire_on_commit=False) as db:
        for _ in range(5):  # the respondent's own cohort: Qingdao, division 34, small (120 employees, 50 M yuan)
            submitted(db, quick, region=QINGDAO, division="34", size="small")
        publish(db, catalog)
    client = queued_app.test_client()
    survey = SurveyActions(client, queued_app)
    token = survey.start()
    survey.answer_all(token, example_answers)
    assert survey.submit(token).status_code == 302
    with Session(queued_app.extensions["db_engine"], expire_on_commit=False) as db:
        assessment = db.exec(select(Assessment).where(Assessment.token == token)).one()
        assert assessment.status == "submitted"
        assert db.get(BenchmarkEntry, ("quick_check", assessment.submitted_at.year, assessment.enterprise_id)) is None
        result = Result.from_dict(quick, assessment.result)
        before = comparison(session=db, assessment=assessment, result=result, questionnaire=quick)
    # Before the worker runs, the comparison places the enterprise as its entry will: with the five of its cell.
    assert (before.kind, before.count) == (("city", "division", "class"), 5)
    assert client.get(f"/a/{token}/results").status_code == 200

    assert drain(queued_app) == 1
    with Session(queued_app.extensions["db_engine"], expire_on_commit=False) as db:
        entry = db.get(BenchmarkEntry, ("quick_check", assessment.submitted_at.year, assessment.enterprise_id))
        assert (entry.assessment_id, entry.city_code, entry.industry_code, entry.size_class, entry.trust) == (
            assessment.id, QINGDAO, "34", "small", "anonymous")  # no account behind it
        after = comparison(session=db, assessment=assessment, result=result, questionnaire=quick)
    assert after == before

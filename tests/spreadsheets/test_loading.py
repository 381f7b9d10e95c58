"""Loading good rows: complete ones submitted with the scores of the scoring itself, the others kept as drafts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from assessment.answers import parse_answers
from assessment.scoring import score
from spreadsheets.loading import import_rows
from spreadsheets.rows import read_rows
from storage.assessments import load_answers
from storage.tables import Assessment, BenchmarkEntry, Enterprise


def test_good_rows_are_imported_drafts_stay_drafts_and_scores_match_the_scoring(session, quick, broken_csv,
                                                                                  example_answers):
    result = read_rows(broken_csv, "visits.csv", quick)
    when = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
    created = import_rows(session=session, questionnaire=quick, result=result, submit_complete=True,
                          trust="vouched", submitted_at=when)
    assert [(item.row, item.status) for item in created] == [(2, "submitted"), (8, "draft")]
    assert len({item.token for item in created}) == 2

    submitted = session.get(Assessment, created[0].assessment_id)
    enterprise = session.get(Enterprise, submitted.enterprise_id)
    answers = parse_answers(quick, example_answers)[0]
    expected = score(quick, answers, profile="discrete")
    assert load_answers(session=session, assessment=submitted, questionnaire=quick) == answers
    assert submitted.token == created[0].token and submitted.submitted_at.year == 2025
    assert (submitted.overall_score, submitted.overall_level) == (expected.overall(quick).score,
                                                                  expected.overall(quick).level)
    assert submitted.result == expected.to_dict(quick)
    assert (enterprise.name, enterprise.region_code, enterprise.size_class) == ("Qingdao Precision Parts", "370200",
                                                                                "small")
    entry = session.exec(select(BenchmarkEntry)).one()  # recorded as the survey's submit records it
    assert (entry.assessment_id, entry.period, entry.city_code, entry.trust) == (submitted.id, 2025, "370200",
                                                                                 "vouched")

    draft = session.get(Assessment, created[1].assessment_id)
    assert draft.status == "draft" and draft.overall_score is None
    assert load_answers(session=session, assessment=draft, questionnaire=quick) == result.rows[1].answers
    assert session.get(Enterprise, draft.enterprise_id).name == "Weifang Castings"


def test_without_submit_every_row_is_a_draft(session, quick, broken_csv):
    created = import_rows(session=session, questionnaire=quick, result=read_rows(broken_csv, "visits.csv", quick),
                          submit_complete=False, trust="vouched")
    assert [item.status for item in created] == ["draft", "draft"]
    assert session.exec(select(BenchmarkEntry)).all() == []

"""Benchmark entries, statistics kept current on submission, and the closest published cohort, on a real
database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from assessment.cohorts.groups import ALL, Cohort, CohortStats, Hidden
from factories import publish, result_with
from storage.assessments import start_assessment, start_reassessment, submit_assessment
from storage.statistics import cohort_stats, comparison, record_submission
from storage.tables import Assessment, BenchmarkEntry, Enterprise

JINAN, QINGDAO, BEIJING = "370100", "370200", "110000"
SIZE_OF = {"small": (50, 10.0), "medium": (500, 100.0)}


def submitted(db, questionnaire, *, region=JINAN, division="34", size="small", overall=3.0,
              when=datetime(2026, 5, 1, tzinfo=UTC), enterprise=None, trust="account") -> Assessment:
    """An assessment submitted and recorded as the survey's submit button does."""
    if enterprise is None:
        employees, revenue = SIZE_OF[size]
        profile = Enterprise(name="E", region_code=region, industry_code=division, industry_type="discrete",
                             employees=employees, revenue_million_yuan=revenue, size_class=size)
        assessment = start_assessment(session=db, profile=profile, questionnaire=questionnaire)
        enterprise = db.get(Enterprise, assessment.enterprise_id)
    else:
        assessment = start_reassessment(session=db, enterprise=enterprise, questionnaire=questionnaire)
    result = result_with(questionnaire, overall)
    submit_assessment(session=db, assessment=assessment, questionnaire=questionnaire, result=result, submitted_at=when)
    record_submission(session=db, assessment=assessment, questionnaire=questionnaire, result=result,
                      enterprise=enterprise, trust=trust)
    return assessment


def test_the_latest_submission_in_a_period_counts_once(db, quick):
    first = submitted(db, quick, overall=1.0, when=datetime(2026, 3, 1, tzinfo=UTC))
    enterprise = db.get(Enterprise, first.enterprise_id)
    later = submitted(db, quick, overall=4.0, when=datetime(2026, 9, 1, tzinfo=UTC), enterprise=enterprise)
    submitted(db, quick, overall=2.0, when=datetime(2026, 6, 1, tzinfo=UTC), enterprise=enterprise)  # older: ignored
    submitted(db, quick, overall=0.5, when=datetime(2025, 6, 1, tzinfo=UTC), enterprise=enterprise)  # other period
    entries = db.exec(select(BenchmarkEntry).order_by(BenchmarkEntry.period)).all()
    assert [(e.period, e.assessment_id) for e in entries][1] == (2026, later.id)
    assert [e.period for e in entries] == [2025, 2026]


@pytest.mark.parametrize(
    ("others", "kind", "count"),
    [
        # four more in Jinan, division 34, small: the closest cohort is big enough
        ([(JINAN, "34", "small")] * 4, ("city", "division", "class"), 5),
        # three small in Jinan/34 (with us), two medium: the size class is dropped first
        ([(JINAN, "34", "small")] * 2 + [(JINAN, "34", "medium")] * 2, ("city", "division", ALL), 5),
        # only one other in Jinan; four in Qingdao: the province's division and size cohort (6)
        ([(JINAN, "34", "small")] + [(QINGDAO, "34", "small")] * 4, ("province", "division", "class"), 6),
        # nobody else in Shandong; four in Beijing: the country's division and size cohort (5)
        ([(BEIJING, "34", "small")] * 4, ("country", "division", "class"), 5),
        # four in Beijing in another discrete division: the country's discrete enterprises (5)
        ([(BEIJING, "39", "small")] * 4, ("country", "type", ALL), 5),
    ],
)
def test_comparison_falls_back_to_the_closest_cohort_of_at_least_k(app, db, quick, others, kind, count):
    mine = submitted(db, quick, overall=3.0)
    for region, division, size in others:
        submitted(db, quick, region=region, division=division, size=size, overall=2.0)
    publish(db, app.extensions["questionnaires"])
    found = comparison(session=db, assessment=mine, result=result_with(quick, 3.0), questionnaire=quick)
    assert (found.kind, found.count) == (kind, count)
    assert all(isinstance(stats, Hidden) or stats is None
               for stats in cohort_stats(session=db, cohorts=found.passed).values())


def test_comparison_gives_percentile_rank_quartiles_and_best_in_class(app, db, quick):
    mine = submitted(db, quick, overall=3.0)
    for overall in (1.0, 2.0, 4.0, 5.0):
        submitted(db, quick, overall=overall)
    publish(db, app.extensions["questionnaires"])
    found = comparison(session=db, assessment=mine, result=result_with(quick, 3.0), questionnaire=quick)
    overall = found.nodes[quick.overall_node.id]
    assert (overall.rank, overall.q1, overall.median, overall.q3) == (50.0, 2.0, 3.0, 4.0)
    assert overall.p90 == pytest.approx(4.6)
    digital = found.nodes[quick.paradigm_nodes["digital"].id]  # 20, 40, 60, 80, 100 per cent
    assert (digital.rank, digital.median, digital.p90) == (50.0, 60.0, pytest.approx(92.0))


def test_no_comparison_while_no_cohort_has_k_enterprises(app, db, quick):
    mine = submitted(db, quick, overall=3.0)
    submitted(db, quick, region=BEIJING)
    publish(db, app.extensions["questionnaires"])
    assert comparison(session=db, assessment=mine, result=result_with(quick, 3.0), questionnaire=quick) is None


def test_small_cohorts_come_back_without_figures(app, db, quick):
    for _ in range(5):
        submitted(db, quick, region=QINGDAO)
    submitted(db, quick, region=JINAN)
    publish(db, app.extensions["questionnaires"])
    cohorts = [Cohort("quick_check", 2026, code) for code in ("370000", JINAN, QINGDAO, "440000")]
    found = cohort_stats(session=db, cohorts=cohorts)
    assert isinstance(found[Cohort("quick_check", 2026, "370000")], CohortStats)
    assert found[Cohort("quick_check", 2026, JINAN)] == Hidden(Cohort("quick_check", 2026, JINAN), "small")
    # Shandong (6) minus Qingdao (5) would give Jinan's one enterprise away: Qingdao is withheld too.
    assert found[Cohort("quick_check", 2026, QINGDAO)].reason == "complementary"
    assert found[Cohort("quick_check", 2026, "440000")] is None


def test_change_statistics_follow_enterprises_assessed_in_both_periods(app, db, quick):
    for before, after in ((1.0, 2.0), (2.0, 2.5), (3.0, 3.0), (2.0, 4.0), (1.0, 1.5)):
        first = submitted(db, quick, overall=before, when=datetime(2025, 4, 1, tzinfo=UTC))
        submitted(db, quick, overall=after, enterprise=db.get(Enterprise, first.enterprise_id))
    submitted(db, quick, overall=5.0)  # assessed only in 2026
    publish(db, app.extensions["questionnaires"])
    change = cohort_stats(session=db, cohorts=[Cohort("quick_check", 2026, "100000", base_period=2025)])
    stats = change[Cohort("quick_check", 2026, "100000", base_period=2025)]
    overall = stats.nodes[quick.overall_node.id]  # +1.0, +0.5, 0, +2.0, +0.5
    assert (stats.count, overall.mean, overall.median) == (5, pytest.approx(0.8), 0.5)


def test_submissions_show_only_in_the_next_release(app, db, survey, example_answers):
    """Statistics are released, not streamed: a submission changes nothing others see until a release is made."""
    for _ in range(5):
        token = survey.start()
        survey.answer_all(token, example_answers)
        assert survey.submit(token).status_code == 302
    db.execute(BenchmarkEntry.__table__.update().values(trust="account"))  # as if confirmed accounts sent them
    db.commit()
    period = datetime.now(UTC).year
    cohort = Cohort("quick_check", period, "370200")
    assert cohort_stats(session=db, cohorts=[cohort])[cohort] is None  # no release yet
    first = publish(db, app.extensions["questionnaires"])
    # example answers on quick check 2.0: (2 + 2 + 15/7 + 1.75 + 1.5·2)/5.5 = (76.25/7)/5.5 = 1.9805 (test_survey.py)
    mean = cohort_stats(session=db, cohorts=[cohort])[cohort].nodes["overall"].mean
    assert mean == pytest.approx(76.25 / 7 / 5.5, abs=1e-4)
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    db.execute(BenchmarkEntry.__table__.update().values(trust="account"))
    db.commit()
    assert cohort_stats(session=db, cohorts=[cohort])[cohort].count == 5  # still the first release
    second = publish(db, app.extensions["questionnaires"])
    assert second.id > first.id and cohort_stats(session=db, cohorts=[cohort])[cohort].count == 6
    assert cohort_stats(session=db, cohorts=[cohort], release=first)[cohort].count == 5  # kept as it was


def test_anonymous_submissions_count_only_when_the_administrator_says_so(app, db, quick):
    from storage.settings import COUNT_ANONYMOUS, set_setting

    for _ in range(5):
        submitted(db, quick, trust="anonymous")
    cohort = Cohort("quick_check", 2026, JINAN)
    publish(db, app.extensions["questionnaires"])
    assert cohort_stats(session=db, cohorts=[cohort])[cohort] is None
    set_setting(session=db, key=COUNT_ANONYMOUS, value="yes")
    release = publish(db, app.extensions["questionnaires"])
    assert release.min_trust == "anonymous" and cohort_stats(session=db, cohorts=[cohort])[cohort].count == 5

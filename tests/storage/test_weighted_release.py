"""Weighted figures in releases (storage/releases.py, assessment/cohorts/weighted.py): computed from the release's
perturbed entries for the regions with population margins, stored with the release, withheld with their cohort,
and shown on the agencies' page beside the unweighted figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from assessment.cohorts.groups import ALL, Cohort, CohortStats
from assessment.margins import DEMO_MARGINS_SOURCE, parse_margins_csv
from factories import K, client_as, make_user, on_demo_population, publish, result_with
from storage.assessments import start_assessment, submit_assessment
from storage.margins import import_margins
from storage.statistics import cohort_stats, record_submission
from storage.tables import Enterprise, StatisticsRelease, WeightedStat

JINAN, QINGDAO, SHANDONG = "370100", "370200", "370000"
SIZE_OF = {"small": (50, 10.0), "medium": (500, 100.0)}
# Jinan: 60 small and 40 medium discrete enterprises; Qingdao: 50 small.
MARGINS = ("region_code,industry,size_class,count\n"
           "370100,discrete,small,60\n370100,discrete,medium,40\n370200,discrete,small,50\n")  # fmt: skip


def submitted(session, questionnaire, *, region: str, size: str, overall: float) -> None:
    employees, revenue = SIZE_OF[size]
    profile = Enterprise(name="E", region_code=region, industry_code="34", industry_type="discrete",
                         employees=employees, revenue_million_yuan=revenue, size_class=size)
    assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    result = result_with(questionnaire, overall)
    when = datetime(2026, 5, 1, tzinfo=UTC)
    submit_assessment(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                      submitted_at=when)
    record_submission(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                      enterprise=enterprise, trust="account")


def population(app, quick) -> None:
    """Jinan: 4 small respondents at 2.0 and 1 medium at 4.0; Qingdao: 2 small at 3.0; both cities' margins."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        for _ in range(4):
            submitted(session, quick, region=JINAN, size="small", overall=2.0)
        submitted(session, quick, region=JINAN, size="medium", overall=4.0)
        for _ in range(2):
            submitted(session, quick, region=QINGDAO, size="small", overall=3.0)
        import_margins(session=session, rows=parse_margins_csv(MARGINS, file_name="m.csv"), source="Census",
                       year=2024)


@pytest.fixture
def released(app, quick):
    """A noiseless release (the figures are the true ones) with k = 1, so that no cell of this tiny population is
    withheld and every figure can be checked by hand."""
    population(app, quick)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        return publish(session, app.extensions["questionnaires"], k=1)


@pytest.fixture
def protected(app, quick):
    """The same population released with the app's k = 5: Qingdao's 2 respondents are a small group."""
    population(app, quick)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        return publish(session, app.extensions["questionnaires"], k=K)


def stored(app, release: StatisticsRelease) -> dict[str, WeightedStat]:
    with Session(app.extensions["db_engine"]) as session:
        return {s.region_code: s for s in session.exec(select(WeightedStat).where(
            WeightedStat.release_id == release.id, WeightedStat.period == 2026))}


def test_jinan_is_weighted_to_its_margins_by_hand(app, released):
    # Start 100 / 5 = 20 each. Size: small holds 4 × 20 = 80 -> × 60/80 -> 15 each; medium 20 -> × 40/20 -> 40.
    # Region (Jinan 100) and industry (discrete 100) then hold: converged in one pass. Largest ratio 40 / 20 = 2.
    # Weighted mean (4 × 15 × 2 + 40 × 4) / 100 = 2.8; unweighted (4 × 2 + 4) / 5 = 2.4.
    # n_eff = 100² / (4 × 15² + 40²) = 10000 / 2500 = 4.
    # Variance 5/4 × (4 × (15 × -0.8)² + (40 × 1.2)²) / 100² = 1.25 × 2880 / 10000 = 0.36, sd 0.6;
    # half-width 1.959964 × 0.6 = 1.175978: 1.624022 to 3.975978.
    # Level 2 (the small ones): 60 / 100 = 0.6, unweighted 4/5; level 4: 0.4, unweighted 1/5.
    jinan = stored(app, released)[JINAN]
    assert (jinan.source, jinan.year, jinan.count, jinan.suppressed) == ("Census", 2024, 5, None)
    stats = jinan.stats
    assert stats["converged"] and stats["iterations"] == 1 and stats["max_ratio"] == pytest.approx(2)
    assert stats["mean"] == pytest.approx([2.8, 1.624022, 3.975978], abs=1e-5)
    assert stats["unweighted_mean"] == pytest.approx(2.4)
    assert stats["n_eff"] == pytest.approx(4)
    assert stats["levels"]["2"][0] == pytest.approx(0.6) and stats["levels"]["2"][3] == pytest.approx(0.8)
    assert stats["levels"]["4"][0] == pytest.approx(0.4) and stats["levels"]["4"][3] == pytest.approx(0.2)
    # Wilson at n_eff 4 for 0.6: z² = 3.841459, z²/n = 0.960365; centre (0.6 + 0.480182) / 1.960365 = 0.551011;
    # half 1.959964 / 1.960365 × √(0.24/4 + 3.841459/64) = 0.999795 × 0.346443 = 0.346372: 0.204639 to 0.897383.
    assert stats["levels"]["2"][1:3] == pytest.approx([0.204639, 0.897383], abs=1e-5)


def test_the_unweighted_figures_are_the_releases_own(app, released, quick):
    with Session(app.extensions["db_engine"]) as session:
        found = cohort_stats(session=session, cohorts=[Cohort(quick.id, 2026, JINAN, ALL, ALL)], release=released)
    cohort = next(iter(found.values()))
    assert isinstance(cohort, CohortStats)
    overall = cohort.nodes[quick.overall_node.id]
    assert stored(app, released)[JINAN].stats["unweighted_mean"] == pytest.approx(overall.mean)


def test_the_province_is_raked_over_its_cities(app, released):
    # Shandong: 7 respondents raked to region Jinan 100 / Qingdao 50, industry discrete 150, size small 110 /
    # medium 40. Raking keeps the cells' structure: Jinan's medium respondent stands for Jinan's 40 medium, the
    # two Qingdao ones for Qingdao's 50 (25 each), Jinan's small ones for 60 (15 each): mean
    # (60 × 2 + 40 × 4 + 50 × 3) / 150 = 430 / 150 = 2.866667.
    shandong = stored(app, released)[SHANDONG]
    assert shandong.count == 7 and shandong.stats["converged"]
    assert shandong.stats["mean"][0] == pytest.approx(430 / 150, abs=1e-5)
    assert stored(app, released).get("100000") is None  # the country: no margins for every province


def page(app, **query):
    analyst = client_as(app, make_user(app, "agency", email=f"agency-{uuid.uuid4().hex[:8]}@example.org",
                                       jurisdiction=SHANDONG))
    return analyst.get("/agencies/", query_string={"q": "quick_check", "period": "2026", "within": SHANDONG,
                                                   **query})


def test_the_agencies_page_shows_weighted_figures_beside_the_unweighted(app, released):
    plain = page(app)
    assert plain.status_code == 200
    # the option, named by its margins: the year in the label, the source on a line of its own
    assert "Weighted to the population (2024)</label>" in plain.text
    assert '<span class="source-line" title="Census">Census</span>' in plain.text
    assert 'id="weighted-table"' not in plain.text
    shown = page(app, weighted="y")
    assert shown.status_code == 200
    row = shown.text.split('id="weighted-370100"')[1].split("</tr>")[0]
    assert "2.80 (1.62–3.98)" in row and ">2.40<" in row and ">4.0<" in row
    assert "60.0 (20.5–89.7)" in row and ">80.0<" in row
    assert "converged (iterations: 1); largest weight 2.00 × the mean" in row


def test_attacker_a_weighted_cell_of_fewer_than_k_respondents_is_never_shown(app, protected):
    # With k = 5 the attacker asks for Qingdao's weighted figures (2 respondents, all at 3.0): the release stored
    # the reason and no figure, and the page's row says why it is withheld and shows none.
    weighted = stored(app, protected)
    assert weighted[QINGDAO].suppressed == "small" and weighted[QINGDAO].stats == {}
    for cell in weighted.values():  # whatever the release withholds (small or complementary) has no figures stored
        assert (cell.stats == {}) == bool(cell.suppressed)
        assert cell.count >= K or cell.suppressed
    shown = page(app, weighted="y", region=QINGDAO)
    assert shown.status_code == 200
    row = shown.text.split('id="weighted-370200"')[1].split("</tr>")[0]
    assert "withheld: small group" in row and "3.00" not in shown.text and "–" not in row


def test_a_region_without_margins_says_so(app, released):
    shown = page(app, weighted="y", region=["370100", "370300"])  # Zibo: no margins
    assert shown.status_code == 200
    assert "no population margins" in shown.text.split('id="weighted-370300"')[1].split("</tr>")[0]


@on_demo_population(300, seed=11)
def test_the_demo_release_weights_shandong_to_its_synthetic_margins(app):
    with Session(app.extensions["db_engine"]) as session:
        found = session.exec(select(WeightedStat).where(WeightedStat.region_code == SHANDONG)).all()
    assert {each.period for each in found} == {2025, 2026}
    for each in found:
        assert each.source == DEMO_MARGINS_SOURCE
        if each.suppressed:  # a class of the 8 (industry type × size class) holds fewer than k of these few
            assert (each.suppressed, each.stats) == ("small-class", {})
            continue
        assert each.stats["converged"] and each.stats["max_ratio"] <= 5
        assert each.stats["n_eff"] < each.count  # unequal weights cost precision
        low, high = each.stats["mean"][1:]
        assert 0 <= low < each.stats["mean"][0] < high <= 5


def test_a_category_without_respondents_is_named_instead_of_a_figure(app, quick):
    # A newer census counts 10 large enterprises in Jinan, where nobody large answered: Jinan cannot be raked to
    # it, and says so; Qingdao, which that census does not cover, is still weighted to the 2024 one.
    population(app, quick)
    newer = MARGINS.splitlines()[0] + ("\n370100,discrete,small,60\n370100,discrete,medium,40\n"
                                       "370100,discrete,large,10\n")
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        import_margins(session=session, rows=parse_margins_csv(newer, file_name="m.csv"), source="Census",
                       year=2025)
        release = publish(session, app.extensions["questionnaires"], k=1)
    weighted = stored(app, release)
    assert weighted[JINAN].year == 2025 and weighted[JINAN].stats["empty"] == [["size", "large"]]
    assert weighted[QINGDAO].year == 2024 and "mean" in weighted[QINGDAO].stats
    shown = page(app, weighted="y", region=[JINAN, QINGDAO])
    row = shown.text.split('id="weighted-370100"')[1].split("</tr>")[0]
    assert "Cannot be weighted: the population has enterprises in Large, but no respondent is there." in row
    assert "(Census, 2025; Census, 2024)" in shown.text


def test_respondents_the_margins_do_not_count_are_named_instead_of_a_figure(app, quick):
    # A newer census counts Jinan only: Shandong's Qingdao respondents have no population count in it, so the
    # province cannot be raked to it and says which region is missing.
    population(app, quick)
    jinan_only = "region_code,industry,size_class,count\n370100,discrete,small,60\n370100,discrete,medium,40\n"
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        import_margins(session=session, rows=parse_margins_csv(jinan_only, file_name="m.csv"), source="Census",
                       year=2025)
        release = publish(session, app.extensions["questionnaires"], k=1)
    assert stored(app, release)[SHANDONG].stats["unknown"] == [["region", QINGDAO]]
    shown = page(app, weighted="y", region=[SHANDONG])
    row = shown.text.split('id="weighted-370000"')[1].split("</tr>")[0]
    assert "Cannot be weighted: respondents in Qingdao have no population count." in row

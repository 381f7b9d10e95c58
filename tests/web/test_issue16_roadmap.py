"""Issue 16: the roadmap aims at the group figures the results page showed, names their release, and its priority
table reads right in both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlmodel import Session, func, select

from assessment.roadmap import Settings, Target, build_plan
from assessment.scoring import Result
from factories import K
from storage.releases import make_release
from storage.statistics import comparison
from storage.tables import Assessment, BenchmarkEntry, Enterprise, StatisticsRelease

POPULATION = (300, 5)  # demo enterprises, seed (as tests/reports/test_enterprise_report.py)
UPPER_QUARTILE = Settings(default=Target("upper_quartile"))


@pytest.fixture
def app(make_demo_app):
    return make_demo_app(*POPULATION)


@pytest.fixture
def subject(app, demo_population):
    """The token of the newest demo assessment the latest release compares with a group."""
    catalog = app.extensions["questionnaires"]
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        for token in reversed(demo_population(*POPULATION).tokens):
            assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
            questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
            result = Result.from_dict(questionnaire, assessment.result)
            if comparison(session=session, assessment=assessment, result=result, questionnaire=questionnaire):
                return token
    raise AssertionError("no demo assessment is compared with a group")


def plan_with(app, token: str, release_id: int):
    """The upper-quartile plan of an assessment against a release, built straight from the engine."""
    catalog = app.extensions["questionnaires"]
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
        result = Result.from_dict(questionnaire, assessment.result)
        compared = comparison(session=session, assessment=assessment, result=result, questionnaire=questionnaire,
                              release=session.get(StatisticsRelease, release_id))
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        return build_plan(questionnaire, result, compared, UPPER_QUARTILE, industry_type=enterprise.industry_type,
                          size=enterprise.size_class)


def move_statistics(app) -> int:
    """A new release after the weaker half of the entries was left out as junk: every group's quartiles move up."""
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        median = sorted(session.exec(select(Assessment.overall_score).where(Assessment.overall_score.is_not(None))))
        cut = median[len(median) // 2]
        weak = select(Assessment.id).where(Assessment.overall_score < cut)
        session.execute(update(BenchmarkEntry).where(BenchmarkEntry.assessment_id.in_(weak)).values(excluded=True))
        session.commit()
        release = make_release(session=session, catalog=app.extensions["questionnaires"], k=K)
        assert session.exec(select(func.count()).select_from(StatisticsRelease)).one() >= 2
        return release.id


def target_cells(page: str, plan) -> dict[str, str]:
    """Each priority row's "score → target" cell."""
    cells = {}
    for priority in plan.priorities:
        row = re.search(rf'<tr id="priority-{priority.dimension}">(.*?)</tr>', page, re.S).group(1)
        cells[priority.dimension] = re.findall(r'<td class="num">([^<]*→[^<]*)</td>', row)[0]
    return cells


def test_the_roadmap_linked_from_the_results_aims_at_the_figures_they_showed(app, subject):
    client = app.test_client()
    results = client.get(f"/a/{subject}/results").text
    shown = int(re.search(r'id="comparison-release">Group figures of statistics release (\d+)', results).group(1))
    link = re.search(r'id="roadmap-link" href="([^"]+)"', results).group(1).replace("&amp;", "&")
    assert f"release={shown}" in link
    newer = move_statistics(app)  # a minute later, the statistics move
    assert newer != shown
    before, after = plan_with(app, subject, shown), plan_with(app, subject, newer)
    expected = {p.dimension: f"{p.score:.2f} → {p.target_score:.2f}" for p in before.priorities}
    moved = {p.dimension: f"{p.score:.2f} → {p.target_score:.2f}" for p in after.priorities}
    assert expected != moved  # the new release would give other upper quartiles

    roadmap = client.get(link + "&target=upper_quartile").text
    assert target_cells(roadmap, before) == expected  # the results page's release, not the newer one
    note = re.search(r'id="roadmap-release">([^<]+)<', roadmap).group(1)
    assert f"statistics release {shown}, published" in note
    assert f'name="release" value="{shown}"' in roadmap  # kept by the settings form and the PDF form
    back = re.search(r'href="([^"]+)">Back to the results<', roadmap).group(1)
    again = client.get(back.replace("&amp;", "&")).text
    assert f"Group figures of statistics release {shown}," in again  # and back on the results, the same figures

    fresh = client.get(f"/a/{subject}/roadmap?target=upper_quartile").text  # opened directly: the latest, named
    assert f"statistics release {newer}, published" in fresh
    assert target_cells(fresh, after) == moved
    latest = client.get(f"/a/{subject}/results").text
    assert f"Group figures of statistics release {newer}," in latest


def test_a_release_that_is_not_one_falls_back_to_the_latest(app, subject):
    client = app.test_client()
    with Session(app.extensions["db_engine"]) as session:
        latest = session.exec(select(func.max(StatisticsRelease.id))).one()
    for value in ("999999", "abc", "-1"):
        page = client.get(f"/a/{subject}/roadmap?release={value}").text
        assert f"statistics release {latest}, published" in page, value


def test_the_priority_table_has_distinct_headings_and_its_formula_gives_its_numbers(app, subject):
    client = app.test_client()
    client.get("/language/zh")
    page = client.get(f"/a/{subject}/roadmap?target=upper_quartile&goal=cost&goal=quality").text
    head = re.search(r'<table class="scores" id="priority-table">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    headings = re.findall(r"<th[^>]*>([^<]+)</th>", head)
    assert len(headings) == len(set(headings)) == 8, headings  # no two columns share a heading
    assert "经营目标" in headings and "目标" in headings
    formula = re.sub(r"\s+", " ", re.search(r'id="priority-formula">(.*?)</p>', page, re.S).group(1))
    assert formula.startswith("优先级 = 100 × (") and "× 经营目标)" in formula
    weights = [float(w) for w in re.findall(r"(\d\.\d\d) ×", formula)]  # gap, weight, group distance, goals
    rows = re.findall(r'<tr id="priority-[^"]+">(.*?)</tr>', page, re.S)
    assert rows
    for row in rows:
        cells = re.findall(r'<td class="num">(?:<strong>)?([^<]*)', row)
        parts = [0.0 if cell == "—" else float(cell) for cell in cells[1:5]]  # gap, weight, distance, goals
        shown = float(cells[5])
        # e.g. 100 × (0.40 × 0.120 + 0.30 × 1.000 + 0.20 × 0.050 + 0.10 × 0.500) = 40.8
        assert shown == pytest.approx(100 * sum(w * p for w, p in zip(weights, parts, strict=True)), abs=0.15)

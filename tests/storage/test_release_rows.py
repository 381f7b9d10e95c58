"""What a release writes, row by row (the rows are written in bulk: COPY on PostgreSQL, one executemany on SQLite),
and how it reports its progress, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from test_statistics import JINAN, QINGDAO, submitted

from factories import publish
from storage.releases import make_release
from storage.tables import CohortStat, Enterprise

LAST_YEAR = datetime(2025, 4, 1, tzinfo=UTC)


def rows_of(db, release_id: int, region: str) -> dict[tuple[str, str], CohortStat]:
    """The release's rows of one region in 2026 (not of a change), by (industry, size)."""
    db.expire_all()
    rows = db.exec(select(CohortStat).where(CohortStat.release_id == release_id, CohortStat.region_code == region,
                                            CohortStat.period == 2026, CohortStat.base_period == 0)).all()
    return {(row.industry, row.size): row for row in rows}


def test_a_shown_cohort_row_holds_the_figures_worked_by_hand(app, db, quick):
    for overall in (1.0, 2.0, 3.0, 4.0, 5.0):  # levels 1 to 5 on every benchmarked node
        submitted(db, quick, overall=overall)
    release = publish(db, app.extensions["questionnaires"])
    row = rows_of(db, release.id, JINAN)[("34", "small")]
    assert (row.count, row.suppressed) == (5, None)
    # mean 15/5 = 3; quantiles at positions 0.25·4 = 1, 0.5·4 = 2, 0.75·4 = 3, 0.9·4 = 3.6 of 1..5:
    # 2, 3, 4 and 4 + 0.6·(5 - 4) = 4.6; one enterprise at each of the levels 1 to 5, none at 0.
    assert row.stats["nodes"][quick.overall_node.id] == pytest.approx([5, 3.0, 2.0, 3.0, 4.0, 4.6, 0, 1, 1, 1, 1, 1])
    # Every dimension of an enterprise sits at its overall level: below level L are all of them (D) for the
    # enterprises under L, none for the others. Level 3: two enterprises (levels 1, 2) with D below, three with 0.
    dimensions = len(quick.dimensions)
    assert row.stats["lagging"]["3"] == [3] + [0] * (dimensions - 1) + [2]
    assert row.stats["lagging"]["1"] == [5] + [0] * dimensions


def test_a_withheld_cohort_row_holds_its_count_and_reason_and_no_figure(app, db, quick):
    for _ in range(5):
        submitted(db, quick, region=QINGDAO)
    submitted(db, quick, region=JINAN)
    release = publish(db, app.extensions["questionnaires"])
    jinan, qingdao = rows_of(db, release.id, JINAN)[("all", "all")], rows_of(db, release.id, QINGDAO)[("all", "all")]
    assert (jinan.count, jinan.suppressed, jinan.stats) == (1, "small", {})
    # Shandong (6) minus Qingdao (5) would give Jinan away: Qingdao is withheld, and keeps no figure either.
    assert (qingdao.count, qingdao.suppressed, qingdao.stats) == (5, "complementary", {})
    shandong = rows_of(db, release.id, "370000")[("all", "all")]
    assert shandong.count == 6 and shandong.stats["nodes"][quick.overall_node.id][0] == 6


def test_a_release_reports_its_progress_in_entries(app, db, quick):
    first_year = [submitted(db, quick, when=LAST_YEAR) for _ in range(5)]
    for assessment in first_year[:3]:  # three of them again this year, and three newcomers
        submitted(db, quick, enterprise=db.get(Enterprise, assessment.enterprise_id))
    for _ in range(3):
        submitted(db, quick)
    reports = []
    make_release(session=db, catalog=app.extensions["questionnaires"], k=5, progress=lambda *step: reports.append(step))
    # 5 entries in 2025 (their period once), 6 in 2026 (their period, then the change since 2025): 5 + 2·6 = 17.
    assert reports == [(False, 0, 17), (False, 5, 17), (False, 11, 17), (False, 17, 17)]


def test_the_rebuild_command_shows_a_progress_bar_and_says_what_it_did(app, db, quick, runner):
    for overall in (1.0, 2.0, 3.0, 4.0, 5.0):
        submitted(db, quick, overall=overall)
    result = runner.invoke(args=["benchmarks", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Cohort statistics, entries" in result.output  # the bar's label (a terminal also gets counts, time left)
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Published release 1: ") and " of 5 entries " in last
    assert rows_of(db, 1, JINAN)[("34", "small")].count == 5

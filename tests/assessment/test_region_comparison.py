"""The region comparison table from hand-made statistics: shares, reach, gaps, lagging and change worked by hand;
withheld cohorts with no figure at all; the CSV and XLSX holding exactly the table's cells."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from assessment.classifications import load_regions
from assessment.cohorts import Cohort, CohortStats, Hidden, NodeStats
from assessment.region_comparison import (
    REACHED_PROGRESS,
    Selection,
    Wording,
    build_table,
    header,
    reached_level,
    table_csv,
    table_xlsx,
)
from factories import MINI
from questionnaires.loader import load_questionnaire

SHANDONG, JINAN, JIANGSU, NANJING = "370000", "370100", "320000", "320100"


def node(mean: float, p90: float, levels: dict[int, int], count: int = 10) -> NodeStats:
    """Statistics of one score; the quartiles do not enter the table."""
    return NodeStats(count=count, mean=mean, q1=0.0, median=0.0, q3=0.0, p90=p90, levels=levels)


@pytest.fixture(scope="module")
def mini():
    return load_questionnaire(MINI)


def selection(**changes) -> Selection:
    values = dict(questionnaire_id="mini", period=2026, region_codes=(SHANDONG, JIANGSU, JINAN, NANJING))
    return Selection(**{**values, **changes})


def shandong(period: int = 2026) -> CohortStats:
    """Ten enterprises, worked by hand below."""
    cohort = Cohort("mini", period, SHANDONG)
    nodes = {
        "overall": node(2.0, 3.0, {0: 2, 1: 3, 2: 4, 3: 1}),  # shares 20, 30, 40, 10, 0, 0 %
        "digital_paradigm": node(70.0, 90.0, {2: 4, 3: 5, 4: 1}),  # reached (level >= 3): 6 of 10
        "networked_paradigm": node(40.0, 60.0, {1: 7, 3: 3}),  # 3 of 10
        "intelligent_paradigm": node(5.0, 10.0, {0: 10}),  # none
        "data": node(2.5, 3.6, {2: 10}),  # gap 3.6 - 2.5 = 1.1
        "security": node(1.234, 2.0, {1: 8, 2: 2}, count=8),  # mean 1.23, gap 0.766 -> 0.77
        # no "integration": not applicable everywhere, so no figure
    }
    # below level 2 in exactly 0, 1, 2, 3 dimensions: 3, 4, 2, 1 enterprises
    return CohortStats(cohort, count=10, synthetic=10, nodes=nodes, lagging={2: (3, 4, 2, 1), 3: (0, 1, 4, 5)})


def shandong_change() -> CohortStats:
    cohort = Cohort("mini", 2026, SHANDONG, base_period=2025)
    nodes = {"overall": node(0.314, 0.0, {}, count=6), "digital_paradigm": node(4.26, 0.0, {}, count=6),
             "networked_paradigm": node(-1.04, 0.0, {}, count=6), "intelligent_paradigm": node(0.0, 0.0, {}, count=6),
             "data": node(-0.004, 0.0, {}, count=6), "security": node(0.5, 0.0, {}, count=6)}
    return CohortStats(cohort, count=6, synthetic=6, nodes=nodes)


def statistics(base_period: int = 0) -> dict:
    """cohort_stats' answer: Shandong shown, Jiangsu too small, Jinan withheld by difference, Nanjing empty."""
    found = {Cohort("mini", 2026, SHANDONG): shandong(),
             Cohort("mini", 2026, JIANGSU): Hidden(Cohort("mini", 2026, JIANGSU), "small"),
             Cohort("mini", 2026, JINAN): Hidden(Cohort("mini", 2026, JINAN), "complementary"),
             Cohort("mini", 2026, NANJING): None}
    if base_period:
        found |= {Cohort("mini", 2026, SHANDONG, base_period=2025): shandong_change(),
                  Cohort("mini", 2026, JIANGSU, base_period=2025): None,
                  Cohort("mini", 2026, JINAN, base_period=2025): Hidden(Cohort("mini", 2026, JINAN, base_period=2025),
                                                                       "small"),
                  Cohort("mini", 2026, NANJING, base_period=2025): None}
    return found


def table_of(mini, chosen: Selection, lang: str = "en"):
    return build_table(questionnaire=mini, selection=chosen, stats=statistics(chosen.base_period),
                       regions=load_regions(), wording=Wording(), lang=lang)


def row_of(table, code: str):
    return next(row for row in table.rows if row.region_code == code)


def test_a_paradigm_is_reached_from_the_band_that_starts_at_80_percent(mini):
    assert REACHED_PROGRESS == 80.0
    assert reached_level(mini) == 3


@pytest.mark.parametrize(("key", "value", "text"), [
    ("region_code", SHANDONG, SHANDONG),
    ("region", "Shandong", "Shandong"),
    ("count", 10, "10"),
    ("synthetic", 10, "10"),
    ("level_0", 20.0, "20.0"),
    ("level_1", 30.0, "30.0"),
    ("level_2", 40.0, "40.0"),
    ("level_3", 10.0, "10.0"),
    ("level_4", 0.0, "0.0"),
    ("level_5", 0.0, "0.0"),
    ("reached_digital", 60.0, "60.0"),
    ("reached_networked", 30.0, "30.0"),
    ("reached_intelligent", 0.0, "0.0"),
    ("mean_data", 2.5, "2.50"),
    ("mean_security", 1.23, "1.23"),
    ("mean_integration", None, ""),
    ("gap_data", 1.1, "1.10"),
    ("gap_security", 0.77, "0.77"),
    ("gap_integration", None, ""),
    ("lagging", 30.0, "30.0"),  # below level 2 in at least 2 dimensions: (2 + 1) of 10
])
def test_shown_region_figures_worked_by_hand(mini, key, value, text):
    table = table_of(mini, selection())
    row = row_of(table, SHANDONG)
    cell = row.cells[[column.key for column in table.columns].index(key)]
    assert (cell.value, cell.text, cell.withheld) == (value, text, False)


@pytest.mark.parametrize(("level", "at_least", "share"), [(2, 1, 70.0), (2, 2, 30.0), (2, 3, 10.0), (3, 3, 50.0)])
def test_lagging_share_follows_the_chosen_level_and_count(mini, level, at_least, share):
    table = table_of(mini, selection(lagging_level=level, lagging_dimensions=at_least))
    assert row_of(table, SHANDONG).value(table.columns, "lagging") == share
    assert table.columns_of("lagging")[0].label == "Lagging"


@pytest.mark.parametrize(("code", "status", "reason"), [
    (JIANGSU, "small", "withheld: small group"),
    (JINAN, "complementary", "withheld so that a small group cannot be derived"),
])
def test_withheld_rows_carry_no_figure_only_the_reason(mini, code, status, reason):
    table = table_of(mini, selection())
    row = row_of(table, code)
    assert row.status == status and row.synthetic == 0
    by_key = dict(zip([column.key for column in table.columns], row.cells, strict=True))
    assert by_key["count"].text == reason and by_key["count"].withheld
    figures = [cell for key, cell in by_key.items() if key not in ("region_code", "region")]
    assert all(cell.value is None and cell.withheld for cell in figures)
    assert all(cell.text == "" for key, cell in by_key.items() if key not in ("region_code", "region", "count"))


def test_an_empty_region_shows_zero_enterprises_or_is_left_out(mini):
    table = table_of(mini, selection())
    row = row_of(table, NANJING)
    assert row.status == "empty"
    assert row.value(table.columns, "count") == 0 and row.value(table.columns, "mean_data") is None
    assert [row.region_code for row in table_of(mini, selection(only_with_data=True)).rows] == [
        SHANDONG, JIANGSU, JINAN]


def test_change_columns_for_enterprises_assessed_in_both_periods(mini):
    chosen = selection(base_period=2025)
    assert len(chosen.cohorts()) == 8 and {c.base_period for c in chosen.cohorts()} == {0, 2025}
    table = table_of(mini, chosen)
    shown = row_of(table, SHANDONG)
    assert shown.change_status == "shown"
    assert [shown.value(table.columns, key) for key in (
        "both_periods", "change_overall", "change_digital", "change_networked", "change_intelligent", "change_data",
        "change_security", "change_integration")] == [6, 0.31, 4.3, -1.0, 0.0, 0.0, 0.5, None]
    assert shown.cells[[c.key for c in table.columns].index("change_data")].text == "0.00"  # not "-0.00"
    # Jiangsu: the period's figures withheld, nobody assessed twice; Jinan: the change itself withheld
    assert row_of(table, JIANGSU).value(table.columns, "both_periods") == 0
    jinan = row_of(table, JINAN)
    assert jinan.change_status == "small"
    assert jinan.cells[[c.key for c in table.columns].index("both_periods")].text == "withheld: small group"
    assert not table_of(mini, selection()).columns_of("change")


def test_columns_name_levels_paradigms_and_dimensions_in_the_language(mini):
    wording = Wording(paradigm_names={"digital": "数字化制造"})
    table = build_table(questionnaire=mini, selection=selection(), stats=statistics(), regions=load_regions(),
                        wording=wording, lang="zh")
    labels = {column.key: column.label for column in table.columns}
    assert (labels["level_2"], labels["mean_data"], labels["reached_digital"]) == ("2 规范级", "数据", "数字化制造")
    assert row_of(table, SHANDONG).region_name == "山东省"
    assert table.heading_spans()[:3] == [("Region", 2), ("Enterprises", 2),
                                         ("Overall level: share of enterprises (%)", 6)]
    assert table.synthetic_rows == 1 and table.withheld_rows == 2


def test_csv_holds_exactly_the_cells_with_a_byte_order_mark(mini):
    table = table_of(mini, selection(base_period=2025))
    content = table_csv(table)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [header(column) for column in table.columns]
    assert rows[0][4] == "Overall level: share of enterprises (%): 0 Below planning"
    assert rows[1:] == [[cell.text for cell in row.cells] for row in table.rows]


def test_xlsx_holds_the_same_table_and_an_about_sheet(mini):
    table = table_of(mini, selection())
    about = [("Period", "2026"), ("Synthetic data", "synthetic enterprises")]
    workbook = load_workbook(io.BytesIO(table_xlsx(table, about, ("Regions", "About"))))
    assert workbook.sheetnames == ["Regions", "About"]
    sheet = list(workbook["Regions"].iter_rows(values_only=True))
    assert list(sheet[0]) == [header(column) for column in table.columns]
    expected = [[cell.value if cell.value is not None else (cell.text or None) for cell in row.cells]
                for row in table.rows]
    assert [list(row) for row in sheet[1:]] == expected
    assert sheet[2][2] == "withheld: small group" and set(sheet[2][3:]) == {None}
    regions = workbook["Regions"]
    assert regions.cell(3, 5).fill.start_color.rgb.endswith("E3E7EB")  # Jiangsu's cells: grey
    assert (regions.cell(2, 5).number_format, regions.cell(2, 14).number_format) == ("0.0", "0.00")  # share, mean
    assert [list(row) for row in workbook["About"].iter_rows(values_only=True)] == [list(line) for line in about]

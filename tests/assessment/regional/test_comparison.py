"""The region comparison table from hand-made statistics: shares, reach, gaps, lagging and change worked by hand;
withheld cohorts with no figure at all; the regional index of the same regions from the demo indicators, one input
worked by hand; the CSV and XLSX holding exactly the table's and the index's cells."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from assessment.classifications import load_regions
from assessment.cohorts.groups import Cohort, CohortStats, Hidden, NodeStats
from assessment.published import Publication
from assessment.reference_csv import read_csv_text
from assessment.regional.comparison import REACHED_PROGRESS, Selection, Wording, build_table, number, reached_level
from assessment.regional.conditions import ConditionsWording, build_conditions
from assessment.regional.index import composite_index, load_index_definition
from assessment.regional.indicators import DEMO_INDICATORS_PATH, parse_indicator_csv
from factories import MINI
from questionnaires.loader import load_questionnaire
from reports.region_export import SheetWording, header, table_csv, table_xlsx

SHANDONG, JINAN, JIANGSU, NANJING, CHINA = "370000", "370100", "320000", "320100", "100000"


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
    workbook = load_workbook(io.BytesIO(table_xlsx(table, about, SheetWording())))
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


# --- the regional index of the same regions, from the demo indicators ---------------------------------------


@pytest.fixture(scope="module")
def demo_indicators():
    """The demo CSV's indicators of 2025 by region, and their sources by (region, indicator)."""
    rows = [row for row in parse_indicator_csv(read_csv_text(DEMO_INDICATORS_PATH), file_name="demo")
            if row.period == 2025]
    values: dict[str, dict[str, float]] = {}
    for row in rows:
        values.setdefault(row.region_code, {})[row.indicator] = row.value
    return values, {(row.region_code, row.indicator): row.source for row in rows}


def conditions_of(mini, demo_indicators, codes=(SHANDONG, JINAN, CHINA), drop=(), sources=None,
                  wording=None):
    """The index section as `regional_index_table` would give it for `codes` (less the values in `drop`)."""
    values, found = demo_indicators
    values = {code: {i: v for i, v in by.items() if (code, i) not in drop} for code, by in values.items()}
    regions = load_regions()
    indices = composite_index(load_index_definition(), {code: values.get(code, {}) for code in {*values, *codes}},
                              CHINA, reference_parts=[p.code for p in regions.provinces()])
    table = build_table(questionnaire=mini, selection=selection(region_codes=codes), stats=statistics(),
                        regions=regions, wording=Wording(), lang="en")
    return build_conditions(table=table, indices=[indices[code] for code in codes],
                            sources=found if sources is None else sources, definition=load_index_definition(),
                            regions=regions, wording=wording or ConditionsWording(), lang="en")


def inputs_of(conditions, code: str, indicator: str) -> dict:
    row = next(row for row in conditions.rows if row.region_code == code)
    keys = [column.key for column in conditions.input_columns]
    return next(dict(zip(keys, cells, strict=True)) for cells in row.inputs
                if cells[keys.index("indicator")].text.startswith(indicator))


# Shandong, 2025, in the demo CSV: 168,480 5G base stations for 101,230,000 residents (both synthetic: the
# paper's 162,000 is filed under its own year, 2022). The country: 2,406,480 base stations (the sum of the
# provinces) for 1,407,670,000 residents.
#   intensity, Shandong: 168,480 / 101,230,000 × 10,000 = 16.6433 per 10,000 residents -> 16.643 (5 digits)
#   intensity, country:  2,406,480 / 1,407,670,000 × 10,000 = 17.0955                  -> 17.095
#   relative: 100 × 16.6433 / 17.0955 = 97.35 -> 97.4; weight 25 of the infrastructure's 100 -> 0.250
@pytest.mark.parametrize(("key", "value", "text"), [
    ("region", "Shandong", "Shandong"),
    ("sub_index", "Infrastructure", "Infrastructure"),
    ("sub_index_weight", 0.4, "0.400"),
    ("indicator", "5G base stations per 10,000 residents", "5G base stations per 10,000 residents"),
    ("value", 168480, "168480"),
    ("denominator", 101230000, "101230000"),
    ("intensity", 16.643, "16.643"),
    ("reference_intensity", 17.095, "17.095"),
    ("relative", 97.4, "97.4"),
    ("weight", 0.25, "0.250"),
    ("missing", None, ""),
])
def test_an_input_of_shandongs_index_worked_by_hand(mini, demo_indicators, key, value, text):
    cell = inputs_of(conditions_of(mini, demo_indicators), SHANDONG, "5G base stations")[key]
    assert (cell.value, cell.text) == (value, text)


def test_sources_say_which_figures_are_synthetic(mini, demo_indicators):
    conditions = conditions_of(mini, demo_indicators)
    row = inputs_of(conditions, SHANDONG, "5G base stations")
    both = "synthetic demo figures / 合成演示数据"  # the demo file gives its source in both languages
    assert row["value_source"].text == both and row["value_source"].synthetic
    assert row["denominator_source"].text == both and row["denominator_source"].synthetic
    assert conditions.synthetic and ("Synthetic indicators", ConditionsWording().synthetic_note) in conditions.notes


def test_a_source_read_in_chinese_stays_marked_synthetic(mini, demo_indicators):
    """The wording picks the reader's side of the source; the mark still follows the whole source."""
    chinese = ConditionsWording(source=lambda source: source.rpartition(" / ")[2])
    row = inputs_of(conditions_of(mini, demo_indicators, wording=chinese), SHANDONG, "5G base stations")
    assert row["value_source"].text == "合成演示数据" and row["value_source"].synthetic


def test_index_rows_follow_the_table_with_the_country_at_100(mini, demo_indicators):
    conditions = conditions_of(mini, demo_indicators)
    assert [row.region_code for row in conditions.rows] == [SHANDONG, JINAN, CHINA]
    keys = [column.key for column in conditions.columns]
    assert keys == ["region_code", "region", "index", "sub_infrastructure", "sub_platforms", "sub_innovation",
                    "coverage", "missing"]
    shandong, jinan, china = ({key: cell.text for key, cell in zip(keys, row.cells, strict=True)}
                              for row in conditions.rows)
    # 0.40 × 141.86 + 0.35 × 147.00 + 0.25 × 104.23 = 56.745 + 51.452 + 26.058 = 134.25
    assert [shandong[key] for key in keys[2:]] == ["134.3", "141.9", "147.0", "104.2", "100.0", ""]
    assert [jinan[key] for key in keys[2:]] == ["", "", "", "", "", "no indicators"]
    assert [china[key] for key in keys[2:]] == ["100.0", "100.0", "100.0", "100.0", "100.0", ""]
    assert not conditions.rows[1].inputs and len(conditions.rows[0].inputs) == 14
    assert {cells[9].text for cells in conditions.rows[2].inputs} == {"100.0"}
    assert [row.region_code for row, _ in conditions.with_index()] == [SHANDONG, CHINA]


def test_each_index_can_be_worked_out_again_from_its_inputs(mini, demo_indicators):
    """From the cells shown alone, with one indicator missing so that its sub-index's weights are rescaled."""
    conditions = conditions_of(mini, demo_indicators, drop={(SHANDONG, "iot_terminals")})
    keys = [column.key for column in conditions.input_columns]
    for row, index in conditions.with_index():
        sub_indices: dict[str, tuple[float, list[tuple[float, float]]]] = {}
        for cells in row.inputs:
            shown = {key: cell.value for key, cell in zip(keys, cells, strict=True)}
            if shown["relative"] is None:
                continue
            assert shown["relative"] == pytest.approx(100 * shown["intensity"] / shown["reference_intensity"],
                                                      abs=0.1)
            _, terms = sub_indices.setdefault(shown["sub_index"], (shown["sub_index_weight"], []))
            terms.append((shown["weight"], shown["relative"]))
        means = [(weight, sum(w * r for w, r in terms) / sum(w for w, _ in terms))
                 for weight, terms in sub_indices.values()]
        assert index.value == pytest.approx(sum(w * m for w, m in means) / sum(w for w, _ in means), abs=0.1)
    assert inputs_of(conditions, SHANDONG, "IoT terminals")["missing"].text == "no value"


def test_a_missing_indicator_is_named_and_its_weight_not_measured(mini, demo_indicators):
    conditions = conditions_of(mini, demo_indicators, drop={(SHANDONG, "gigabit_cities")})
    shandong = conditions.rows[0]
    # gigabit cities carry 0.15 of the infrastructure's 0.40: 6 % of the index
    assert [cell.text for cell in shandong.cells[-2:]] == [
        "94.0", "Gigabit cities per prefecture-level division (no value)"]
    assert inputs_of(conditions, SHANDONG, "Gigabit cities")["missing"].text == "no value"


def test_without_indicators_a_notice_instead_of_rows(mini, demo_indicators):
    none_in_period = conditions_of(mini, demo_indicators, sources={})
    assert none_in_period.rows == () and none_in_period.notice == ConditionsWording().none_in_period
    assert none_in_period.notes == ((ConditionsWording().heading, ConditionsWording().none_in_period),)
    cities = conditions_of(mini, demo_indicators, codes=(JINAN, NANJING))
    assert cities.rows == () and cities.notice == ConditionsWording().none_for_regions


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (1407670000.0, "raw", (1407670000, "1407670000")), (0.85, "raw", (0.85, "0.85")),
    (16.00316, "significant", (16.003, "16.003")), (0.061953, "significant", (0.061953, "0.061953")),
    (663790242.4, "significant", (663790242, "663790242")), (0.0, "significant", (0, "0")),
    (93.8632, "index", (93.9, "93.9")), (0.15, "weight", (0.15, "0.150")), (None, "index", (None, "")),
])
def test_figures_are_rounded_once_by_their_unit(value, unit, expected):
    cell = number(value, unit)
    assert (cell.value, cell.text) == expected


def test_csv_adds_the_index_to_each_region_row_and_the_formula_at_the_end(mini, demo_indicators):
    conditions = conditions_of(mini, demo_indicators)
    table = build_table(questionnaire=mini, selection=selection(region_codes=(SHANDONG, JINAN, CHINA)),
                        stats=statistics(), regions=load_regions(), wording=Wording(), lang="en")
    text = table_csv(table, conditions).decode("utf-8-sig")
    body, _, trailer = text.partition("\r\n\r\n")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-6:] == ["Regional enabling conditions (country = 100): Index",
                            "Regional enabling conditions (country = 100): Infrastructure",
                            "Regional enabling conditions (country = 100): Platforms and services",
                            "Regional enabling conditions (country = 100): Innovation capacity",
                            "Weight measured (%)", "Missing indicators"]
    assert rows[1:] == [[cell.text for cell in (*row.cells, *index.cells[2:])]
                        for row, index in zip(table.rows, conditions.rows, strict=True)]
    lines, formula = trailer.splitlines(), conditions.formula.splitlines()
    assert lines[0] == "# Formula of the regional index"
    assert lines[1:1 + len(formula)] == [f"# {line}" for line in formula]
    assert "# R(x) = 100 × (x in the region) / (x in China), so China scores 100 on every indicator and on the " \
           "index." in lines
    assert lines[-1] == f"# {ConditionsWording().synthetic_note}"


def test_xlsx_adds_the_index_its_inputs_and_the_published_figures(mini, demo_indicators):
    conditions = conditions_of(mini, demo_indicators)
    table = build_table(questionnaire=mini, selection=selection(region_codes=(SHANDONG, JINAN, CHINA)),
                        stats=statistics(), regions=load_regions(), wording=Wording(), lang="en")
    published = [Publication("CESI report", 2022, "CMMM", "China", (("≤1", 0.63), ("2", 0.37)), ())]
    workbook = load_workbook(io.BytesIO(table_xlsx(table, [("Period", "2025")], SheetWording(), conditions,
                                                   published)))
    assert workbook.sheetnames == ["Regions", "Regional index", "Inputs", "Published figures", "About"]
    index = list(workbook["Regional index"].iter_rows(values_only=True))
    assert list(index[0]) == [header(column) for column in conditions.columns]
    assert [list(row) for row in index[1:4]] == [[c.value if c.value is not None else (c.text or None)
                                                  for c in row.cells] for row in conditions.rows]
    assert index[5][0] == "Formula of the regional index"
    assert [row[0] for row in index[6:6 + len(conditions.formula.splitlines())]] == conditions.formula.splitlines()
    inputs = list(workbook["Inputs"].iter_rows(values_only=True))
    assert list(inputs[0]) == [header(column) for column in conditions.input_columns]
    assert len(inputs) == 1 + 2 * 14  # Shandong and the country; Jinan has none
    assert inputs[1][:11] == (SHANDONG, "Shandong", "Infrastructure", 0.4, "5G base stations per 10,000 residents",
                              168480, 101230000, 16.643, 17.095, 97.4, 0.25)
    assert workbook["Inputs"].cell(2, 8).number_format == "0.000"
    figures = list(workbook["Published figures"].iter_rows(values_only=True))
    assert figures[0][0].startswith("Published, not our data")
    assert figures[2:] == [("CMMM", 2022, "China", "CESI report", "≤1", 63.0),
                           ("CMMM", 2022, "China", "CESI report", "2", 37.0)]
    about = [row[0] for row in workbook["About"].iter_rows(values_only=True)]
    assert about == ["Period", "Formula of the regional index", "Synthetic indicators"]

"""Indicator CSV files: the bundled demo figures, the checks of each row, and their import through
`flask reference import-indicators`."""

from collections import defaultdict

import pytest
from sqlmodel import Session, select

from assessment.classifications import load_regions
from assessment.reference_csv import ReferenceFileError, read_csv_text
from assessment.regional.index import composite_index, load_index_definition, load_index_definitions
from assessment.regional.indicators import DEMO_INDICATORS_PATH, parse_indicator_csv
from storage import reference_data
from storage.tables import RegionalIndicator

COUNTRY, SHANDONG = "100000", "370000"


def demo_values():
    by_period = defaultdict(lambda: defaultdict(dict))
    for row in parse_indicator_csv(read_csv_text(DEMO_INDICATORS_PATH), file_name=str(DEMO_INDICATORS_PATH)):
        by_period[row.period][row.region_code][row.indicator] = (row.value, row.source)
    return by_period


# Shandong as the Shandong study gives it, filed under the year each figure is of: the innovation counts "as of
# 2020"; the rest is undated in the paper (written in 2023) and filed under 2022
PAPER_FIGURES = {
    2022: {"base_stations_5g": 162_000, "gigabit_cities": 12, "identification_nodes": 38,
           "identification_resolutions": 36_000_000_000, "data_centre_racks": 240_000, "iot_terminals": 164_000_000,
           "platforms_national": 4, "platforms_provincial": 115, "pilot_projects": 700, "smes_served": 500_000},
    2020: {"enterprise_technology_centres": 198, "manufacturing_innovation_centres": 15, "technology_smes": 18_203,
           "incubators": 225},
}  # fmt: skip


def test_demo_indicators_are_consistent_and_labelled():
    by_period = demo_values()
    provinces = [p.code for p in load_regions().provinces()]
    every_indicator = {i for definition in load_index_definitions().values() for i in definition.indicators}
    assert sorted(by_period) == [2020, 2022, 2025, 2026]
    for period in (2025, 2026):
        regions = by_period[period]
        assert set(regions) == {COUNTRY, *provinces}
        for indicator, (value, source) in regions[COUNTRY].items():
            if not load_index_definition().indicators.get(indicator):
                continue  # a published score (the two-integration sub-indices) is not a sum
            assert value == sum(regions[code][indicator][0] for code in provinces), indicator
            assert "synthetic" in source
        for code in provinces:
            assert set(regions[code]) == every_indicator
    for year, figures in PAPER_FIGURES.items():
        assert set(by_period[year]) == {SHANDONG}
        shandong = by_period[year][SHANDONG]
        assert {k: shandong[k][0] for k in figures} == figures and set(shandong) == set(figures)
        assert all("Industrial Intelligence Promoting the Upgrading" in shandong[k][1] and str(year) in shandong[k][1]
                   for k in figures)
    others = [source for period in (2025, 2026) for figures in by_period[period].values()
              for (_, source) in figures.values()]
    assert all("synthetic" in source for source in others)


@pytest.mark.parametrize("period", [2025, 2026])
def test_the_country_scores_100_on_the_demo_figures(period):
    values = {code: {k: v for k, (v, _) in figures.items()} for code, figures in demo_values()[period].items()}
    results = composite_index(load_index_definition(), values, COUNTRY,
                              reference_parts=[p.code for p in load_regions().provinces()])
    country = results[COUNTRY]
    assert country.value == pytest.approx(100) and country.coverage == pytest.approx(1)
    assert all(i.relative == pytest.approx(100) for s in country.sub_indices for i in s.indicators)
    assert all(result.value is not None and result.value > 0 for result in results.values())


HEADER = "region_code,period,indicator,value,source\n"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("370000,2025,base_stations_5g,abc,x", "line 2: value: 'abc' is not a number"),
        ("370000,2025,base_stations_5g,,x", "line 2: value: is empty"),
        ('370000,2025,base_stations_5g,"1,000",x', "line 2: value: '1,000' is not a number"),
        ("370000,2025,base_stations_5g,nan,x", "line 2: value: 'nan' is not a number"),
        ("370000,2025,base_stations_5g,-5,x", "line 2: value: -5 is negative"),
        ("999999,2025,base_stations_5g,5,x", "line 2: region_code: unknown region code '999999'"),
        ("370000,2025,5g,5,x", "line 2: indicator: unknown indicator '5g'"),
        ("370000,2025Q1,base_stations_5g,5,x", "line 2: period: '2025Q1' is not a year"),
        ("370000,25,base_stations_5g,5,x", "line 2: period: '25' is not a year"),
        ("370000,2025,base_stations_5g,5", "line 2: 4 fields, expected 5"),
    ],
)
def test_indicator_csv_problem(row, problem):
    with pytest.raises(ReferenceFileError) as raised:
        parse_indicator_csv(HEADER + row + "\n", file_name="indicators.csv")
    assert str(raised.value).startswith(f"indicators.csv: {problem}")


def test_indicator_csv_lists_every_problem_in_line_order():
    text = HEADER + (
        "370000,2025,population,101230000,x\n"
        "370000,2025,population,101230001,x\n"  # line 3: the same key as line 2
        "\n"  # blank lines are skipped, but counted
        "370000,2025,base_stations_5g,abc,x\n"
        "370000,2025,nope,1,x\n"
        "370000,2025,base_stations_5g,7,x\n"
    )
    with pytest.raises(ReferenceFileError) as raised:
        parse_indicator_csv(text, file_name="indicators.csv")
    assert str(raised.value).splitlines() == [
        "indicators.csv: line 3: region_code, period, indicator: 370000, 2025, population is already given on line 2",
        "indicators.csv: line 5: value: 'abc' is not a number",
        "indicators.csv: line 6: indicator: unknown indicator 'nope'",
    ]


# --- the command line ----------------------------------------------------------------------------------------


def test_import_indicators_command(reference_runner, app):
    # 1,088 rows before; 14 Shandong figures moved to their own years with synthetic 2025 ones in their place (+14);
    # 192 synthetic two-integration sub-indices (2 periods × 32 regions × 3): 1,294
    result = reference_runner.invoke(args=["reference", "import-indicators", str(DEMO_INDICATORS_PATH)])
    assert (result.exit_code, result.output) == (0, f"Imported 1294 regional indicator values from "
                                                    f"{DEMO_INDICATORS_PATH}.\n")
    again = reference_runner.invoke(args=["reference", "import-indicators", str(DEMO_INDICATORS_PATH)])
    assert again.exit_code == 0
    with Session(app.extensions["db_engine"]) as session:
        assert len(session.exec(select(RegionalIndicator)).all()) == 1294
        table = reference_data.regional_index_table(session=session, region_codes=[SHANDONG], period=2025,
                                                    definition=load_index_definition())
    assert table[0].value == pytest.approx(100) and table[1].value > 100


def test_import_indicators_command_lists_every_error(reference_runner, app, tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_text(HEADER + "370000,2025,population,lots,x\n370000,2025,base_stations_5g,5,x\n999999,2025,"
                    "population,1,x\n", encoding="utf-8")
    result = reference_runner.invoke(args=["reference", "import-indicators", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: line 2: value: 'lots' is not a number",
        f"{path}: line 4: region_code: unknown region code '999999'",
    ]
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(RegionalIndicator)).all() == []  # all rows or none

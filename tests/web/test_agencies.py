"""The agencies' comparison through the app on a database of synthetic demo enterprises: the provinces with data
listed, withheld cohorts shown with no figure, the regional index with its formula and inputs, published figures
kept apart, the CSV and XLSX holding exactly the page's rows, and a clear message for a bad query."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete
from sqlmodel import Session

from assessment.classifications import load_regions
from assessment.cohorts.groups import Cohort, CohortStats, Hidden
from assessment.regional.index import formula_text, load_index_definition
from factories import K, sign_in_as
from storage.reference_data import regional_index_table
from storage.statistics import cohort_stats
from storage.tables import RegionalIndicator

SHANDONG, CHINA = "370000", "100000"


class TableRows(HTMLParser):
    """The body rows of the tables whose id starts with `table_id` as cell texts, leaving out links (the drill-down)
    and tags (the "synthetic" label) inside cells."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.rows: list[list[str]] = []
        self.in_table = self.in_body = False
        self.cell: list[str] | None = None
        self.skipped = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith(self.table_id):
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []
        elif tag == "a" or (tag == "span" and attrs.get("class") == "tag"):
            self.skipped += 1

    def handle_endtag(self, tag):
        if tag in ("a", "span") and self.skipped:
            self.skipped -= 1
        elif self.in_body and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = self.in_table = False

    def handle_data(self, data):
        if self.cell is not None and not self.skipped:
            self.cell.append(data)


def page_rows(html: str, table_id: str = "comparison") -> list[list[str]]:
    parser = TableRows(table_id)
    parser.feed(html)
    return parser.rows


@pytest.fixture
def demo_app(make_demo_app):
    """The app on its own copy of 300 demo enterprises (seed 11)."""
    app = make_demo_app(300, 11)
    sign_in_as(app, "agency", jurisdiction=CHINA)  # the whole country, as an administrator sees it
    return app


def published(app, codes, period=2025) -> dict:
    """What cohort_stats publishes for each region code (all industries and sizes)."""
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        found = cohort_stats(session=session, cohorts=[Cohort("quick_check", period, code) for code in codes])
    return {cohort.region_code: stats for cohort, stats in found.items()}


def test_page_lists_the_provinces_with_data_and_the_country(demo_app):
    regions = load_regions()
    page = demo_app.test_client().get("/agencies/?period=2025")
    assert page.status_code == 200
    found = published(demo_app, [p.code for p in regions.provinces()])
    with_data = [code for code, stats in found.items() if stats is not None]
    assert 3 <= len(with_data) < len(regions.provinces())
    assert re.findall(r'<tr id="region-(\d{6})"', page.text) == [*with_data, regions.country.code]
    assert 'id="synthetic-notice"' in page.text
    assert all(f'id="chart-{name}"' in page.text for name in ("levels", "reached", "means", "gaps"))
    assert re.search(r"/assets/plotly-[0-9a-f]{16}\.min\.js", page.text) and "cdn" not in page.text.lower()


def test_withheld_cells_show_no_number(demo_app):
    cities = [city.code for city in load_regions().children(SHANDONG)]
    found = published(demo_app, [SHANDONG, *cities])
    hidden = [code for code, stats in found.items() if isinstance(stats, Hidden)]
    shown = [code for code, stats in found.items() if isinstance(stats, CohortStats)]
    assert hidden and shown
    html = demo_app.test_client().get(f"/agencies/?period=2025&within={SHANDONG}").text
    rows = {row[0]: row for row in page_rows(html)}
    assert list(rows) == [SHANDONG, *cities]
    for code in hidden:
        code_cell, name, count, *figures = rows[code]
        assert count.startswith("withheld") and not re.search(r"\d", count + name)
        assert figures == [""] * len(figures)
    for code in shown:
        assert rows[code][2] == str(found[code].count)


def csv_parts(data: bytes) -> tuple[list[list[str]], list[str]]:
    """A CSV export's rows, and its trailing `#` lines (after the blank line)."""
    body, _, trailer = data.decode("utf-8-sig").partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(body))), trailer.splitlines()


def sheet_rows(sheet) -> list[list[str]]:
    """A sheet's rows below its header as the page writes them, up to the first empty row."""
    rows = []
    for row in list(sheet.iter_rows())[1:]:
        if all(cell.value is None for cell in row):
            break
        rows.append([shown(cell) for cell in row])
    return rows


def test_csv_and_xlsx_hold_exactly_the_rows_of_the_page(demo_app):
    client = demo_app.test_client()
    query = "period=2026&base=2025&industry=discrete&lag_level=3&lag_dimensions=1"
    html = client.get(f"/agencies/?{query}").text
    rows, index_rows, inputs = page_rows(html), page_rows(html, "index-table"), page_rows(html, "inputs-table-")
    assert len(rows) >= 4 and len(index_rows) == len(rows) and len(inputs) == 14 * len(rows)

    response = client.get(f"/agencies/export.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    table, trailer = csv_parts(response.data)
    assert table[1:] == [row + index[2:] for row, index in zip(rows, index_rows, strict=True)]
    assert "Assessed in both periods" in " ".join(table[0])
    assert table[0][-1] == "Missing indicators" and trailer[0] == "# Formula of the regional index"

    response = client.get(f"/agencies/export.xlsx?{query}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Regions", "Regional index", "Inputs", "About"]
    sheet = list(workbook["Regions"].iter_rows())
    assert [cell.value for cell in sheet[0]] == table[0][:len(sheet[0])]
    assert [[shown(cell) for cell in row] for row in sheet[1:]] == rows
    assert sheet_rows(workbook["Regional index"]) == index_rows
    assert [row[2:] for row in sheet_rows(workbook["Inputs"])] == inputs
    about = {label: text for label, text in workbook["About"].iter_rows(values_only=True)}
    assert about["Smallest group shown (k)"] == str(K) and about["Period"] == "2026"
    assert "synthetic" in about["Synthetic data"] and "withheld" in about["Withheld cells"]
    assert about["Formula of the regional index"].startswith("Regional enabling-conditions index = 0.40 × ")
    assert "synthetic demo figures" in about["Synthetic indicators"]


def shown(cell) -> str:
    """A spreadsheet cell as the page writes it: numbers with the decimals of their number format."""
    if cell.value is None:
        return ""
    if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
        decimals = len(cell.number_format.partition(".")[2])
        return f"{cell.value:.{decimals}f}"
    return str(cell.value)


def test_the_regional_index_is_shown_with_its_formula_and_inputs(demo_app):
    html = demo_app.test_client().get("/agencies/?period=2025").text
    assert 'id="chart-index"' in html and 'id="conditions-synthetic"' in html
    formula = formula_text(load_index_definition(), "en", reference_name="China")
    lines = "".join(f"<li>{line}</li>" for line in formula.replace("&", "&amp;").splitlines())
    assert f'<ul class="formula-lines">{lines}</ul>' in html
    index = {row[0]: row for row in page_rows(html, "index-table")}
    assert list(index) == [row[0] for row in page_rows(html)]  # the regions of the table, in its order
    with demo_app.app_context(), Session(demo_app.extensions["db_engine"]) as session:
        computed = regional_index_table(session=session, region_codes=list(index), period=2025,
                                        definition=load_index_definition())
    assert {code: row[2] for code, row in index.items()} == {i.region_code: f"{i.value:.1f}" for i in computed}
    assert index[SHANDONG][1:] == ["Shandong", "134.3", "141.9", "147.0", "104.2", "100.0", ""]
    assert index[CHINA][2:7] == ["100.0"] * 5
    # Shandong's 5G base stations, from the demo CSV: 168,480 for 101,230,000 residents, 16.643 per 10,000; the
    # country's 2,406,480 for 1,407,670,000, 17.095 per 10,000; relative 100 × 16.6433 / 17.0955 = 97.35 -> 97.4
    inputs = page_rows(html, f"inputs-table-{SHANDONG}")
    assert inputs[0][:9] == ["Infrastructure", "0.400", "5G base stations per 10,000 residents", "168480",
                             "101230000", "16.643", "17.095", "97.4", "0.250"]
    assert inputs[0][9] == "synthetic demo figures" and inputs[0][10] == "synthetic demo figures"
    assert f'id="inputs-table-{SHANDONG}"' in html and 'synthetic-source"' in html


def test_a_selection_of_cities_says_they_have_no_indicators(demo_app):
    client = demo_app.test_client()
    query = "period=2025&region=370100&region=370200"
    html = client.get(f"/agencies/?{query}").text
    assert 'id="conditions-notice"' in html and "None of the regions shown has regional indicators" in html
    assert 'id="chart-index"' not in html and 'id="index-table"' not in html
    table, trailer = csv_parts(client.get(f"/agencies/export.csv?{query}").data)
    assert table[0][-1] != "Missing indicators"
    assert trailer[-1].startswith("# None of the regions shown has regional indicators")
    workbook = load_workbook(io.BytesIO(client.get(f"/agencies/export.xlsx?{query}").data))
    assert workbook.sheetnames == ["Regions", "About"]
    # a province with its cities: the province has an index, its cities one note spanning their rows (indicators are
    # kept at province level), and each city's row of the CSV says so
    query = f"period=2025&within={SHANDONG}"
    html = client.get(f"/agencies/?{query}").text
    index, cities = page_rows(html, "index-table"), load_regions().children(SHANDONG)
    assert index[0][2] == "134.3" and len(index) == 1 + len(cities)
    assert index[1][2:] == ["At province level only: regional indicators are kept for the provinces and the "
                            "country, not for the cities."]
    assert all(len(row) == 2 for row in index[2:]) and "no indicators" not in html
    assert f'rowspan="{len(cities)}"' in html
    table, _trailer = csv_parts(client.get(f"/agencies/export.csv?{query}").data)
    assert {row[-1] for row in table[2:]} == {"at province level only"} and len(table) == 2 + len(cities)


def test_a_period_without_indicators_names_the_periods_that_have(demo_app):
    with demo_app.app_context(), Session(demo_app.extensions["db_engine"]) as session:
        session.execute(delete(RegionalIndicator).where(RegionalIndicator.period == 2026))
        session.commit()
    client = demo_app.test_client()
    html = client.get("/agencies/?period=2026").text
    # 2020 and 2022: Shandong's published figures, filed under their own years
    assert "There are no regional indicators for 2026. Periods with indicators: 2020, 2022, 2025." in html
    assert 'id="chart-index"' not in html and 'id="chart-levels"' in html
    table, trailer = csv_parts(client.get("/agencies/export.csv?period=2026").data)
    assert trailer == ["# Regional enabling conditions (country = 100)",
                       "# There are no regional indicators for 2026. Periods with indicators: 2020, 2022, 2025."]


def test_published_level_shares_never_stand_beside_a_readiness_distribution(demo_app):
    # The quick check computes its stages as a weighted mean, not by CMMM's or IMPULS's rule: the published level
    # shares must not be set beside its distribution, on the page, in the workbook or in the report.
    imported = demo_app.test_cli_runner().invoke(
        args=["reference", "import-published", "assessment/data/published_benchmarks.csv"])
    assert imported.exit_code == 0, imported.output
    client = demo_app.test_client()
    html = client.get("/agencies/?period=2025").text
    assert 'id="chart-levels"' in html
    assert 'id="published"' not in html and "CMMM 2022" not in html and "Lichtblau" not in html
    assert "Readiness stage: share of enterprises (%)" in html
    workbook = load_workbook(io.BytesIO(client.get("/agencies/export.xlsx?period=2025").data))
    assert "Published figures" not in workbook.sheetnames


def test_change_since_the_earlier_period_adds_columns_and_charts(demo_app):
    html = demo_app.test_client().get("/agencies/?period=2026&base=2025").text
    assert "Mean change since 2025" in html and "Assessed in both periods" in html
    assert 'id="chart-change"' in html and 'id="chart-change-dimensions"' in html


@pytest.mark.parametrize(("query", "expected"), [
    ("period=abc", ["Period: “abc” is not one of the offered values (2026, 2025)."]),
    ("industry=99&lag_level=9", ["Industry: “99” is not one of", "Lagging: below level: “9” is not one of"]),
    ("region=370000&region=999999", ["Or choose regions: “999999” is not one of"]),
    ("period=2025&base=2026", ["Change since: “2026” is not one of the offered values (2025)."]),
    ("period=2025&base=2025", ["Change since: change is measured from the period just before 2025; “2025” is not."]),
    ("q=nonexistent", ["Questionnaire: “nonexistent” is not one of the offered values (quick_check)."]),
])
def test_a_bad_query_says_which_field_is_wrong(demo_app, query, expected):
    client = demo_app.test_client()
    for url in (f"/agencies/?{query}", f"/agencies/export.csv?{query}", f"/agencies/export.xlsx?{query}"):
        response = client.get(url)
        assert response.status_code == 400
        assert 'id="problems"' in response.text
        for message in expected:
            assert message in response.text
        assert 'id="comparison"' not in response.text


def test_without_statistics_the_page_says_so(app):
    sign_in_as(app, "admin")
    client = app.test_client()
    response = client.get("/agencies/")
    assert response.status_code == 200
    assert 'id="no-statistics"' in response.text
    assert client.get("/agencies/export.csv").status_code == 400


def test_the_header_links_agency_analysts_to_the_comparison(app):
    assert 'href="/agencies/"' not in app.test_client().get("/").text  # not signed in: nothing to see there
    sign_in_as(app, "agency", jurisdiction=CHINA)
    assert 'href="/agencies/"' in app.test_client().get("/").text


def test_an_analyst_sees_only_the_regions_of_its_jurisdiction(demo_app):
    sign_in_as(demo_app, "agency", email="shandong@example.org", jurisdiction=SHANDONG)
    client = demo_app.test_client()
    rows = page_rows(client.get("/agencies/?period=2025").text)
    shandong_codes = {SHANDONG, *(city.code for city in load_regions().children(SHANDONG))}
    assert rows and {row[0] for row in rows} <= shandong_codes and rows[0][0] == SHANDONG
    outside = client.get("/agencies/?period=2025&region=320000")  # Jiangsu
    assert outside.status_code == 400 and "320000" in outside.text
    assert client.get("/agencies/export.csv?period=2025&region=320000").status_code == 400

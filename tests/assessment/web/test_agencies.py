"""The agencies' comparison through the app on a database of synthetic demo enterprises: the provinces with data
listed, withheld cohorts shown with no figure, the CSV and XLSX holding exactly the page's rows, and a clear message
for a bad query."""

from __future__ import annotations

import csv
import io
import re
import shutil
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from app import create_app
from assessment.benchmarks import cohort_stats
from assessment.classifications import load_regions
from assessment.cohorts import Cohort, CohortStats, Hidden
from assessment.demo import load_demo

K = 5
SHANDONG = "370000"


class TableRows(HTMLParser):
    """The body rows of the comparison table as cell texts, leaving out links (the drill-down) inside cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_table = self.in_body = False
        self.cell: list[str] | None = None
        self.in_link = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "comparison") in attrs:
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []
        elif tag == "a":
            self.in_link += 1

    def handle_endtag(self, tag):
        if tag == "a":
            self.in_link -= 1
        elif self.in_body and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = self.in_table = False

    def handle_data(self, data):
        if self.cell is not None and not self.in_link:
            self.cell.append(data)


def page_rows(html: str) -> list[list[str]]:
    parser = TableRows()
    parser.feed(html)
    return parser.rows


def make_app(url: str, instance):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "BENCHMARK_MIN_GROUP": K})
    app.instance_path = str(instance)
    return app


def load(app) -> None:
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        load_demo(session=session, catalog=app.extensions["questionnaires"], count=300, seed=11,
                  questionnaire_id="quick_check", k=K)


@pytest.fixture(scope="module")
def demo_database(database_template, tmp_path_factory):
    """An SQLite database with 300 demo enterprises, loaded once per module and copied for every test."""
    kind, template = database_template
    if kind != "sqlite":
        yield None
        return
    folder = tmp_path_factory.mktemp("agencies")
    shutil.copyfile(template, folder / "demo.db")
    app = make_app(f"sqlite:///{folder / 'demo.db'}", folder / "instance")
    load(app)
    app.extensions["db_engine"].dispose()
    yield folder / "demo.db"


@pytest.fixture
def demo_app(demo_database, database_url, tmp_path):
    """The app on its own copy of the demo database (loaded afresh on PostgreSQL)."""
    if demo_database is None:
        app = make_app(database_url, tmp_path / "instance")
        load(app)
    else:
        shutil.copyfile(demo_database, tmp_path / "demo.db")
        app = make_app(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "instance")
    yield app
    app.extensions["db_engine"].dispose()


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
    assert "/assets/plotly.min.js" in page.text and "cdn" not in page.text.lower()


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


def test_csv_and_xlsx_hold_exactly_the_rows_of_the_page(demo_app):
    client = demo_app.test_client()
    query = "period=2026&base=2025&industry=discrete&lag_level=3&lag_dimensions=1"
    rows = page_rows(client.get(f"/agencies/?{query}").text)
    assert len(rows) >= 4

    response = client.get(f"/agencies/export.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[1:] == rows
    assert "Assessed in both periods" in " ".join(table[0])

    response = client.get(f"/agencies/export.xlsx?{query}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Regions", "About"]
    sheet = list(workbook["Regions"].iter_rows())
    assert [cell.value for cell in sheet[0]] == table[0]
    assert [[shown(cell) for cell in row] for row in sheet[1:]] == rows
    about = {label: text for label, text in workbook["About"].iter_rows(values_only=True)}
    assert about["Smallest group shown (k)"] == str(K) and about["Period"] == "2026"
    assert "synthetic" in about["Synthetic data"] and "withheld" in about["Withheld cells"]


def shown(cell) -> str:
    """A spreadsheet cell as the page writes it: numbers with the decimals of their number format."""
    if cell.value is None:
        return ""
    if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
        decimals = len(cell.number_format.partition(".")[2])
        return f"{cell.value:.{decimals}f}"
    return str(cell.value)


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


def test_without_statistics_the_page_says_so(client):
    response = client.get("/agencies/")
    assert response.status_code == 200
    assert 'id="no-statistics"' in response.text
    assert client.get("/agencies/export.csv").status_code == 400


def test_the_footer_links_to_the_comparison(client):
    assert 'href="/agencies/"' in client.get("/").text

"""The agencies' regional report as PDF, opened the way a reader would: its text (pdftotext) holds the regions and
figures of the page's own ComparisonTable, a withheld region prints no figure, every page has something on it, a
Chinese report is set in an embedded CJK font, and without a browser the report still prints its tables and says
why the charts are missing. Few PDFs, shared by the module, on a small demo population."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from assessment.classifications import load_regions
from assessment.cohorts.groups import Cohort, CohortStats
from assessment.regional.comparison import ComparisonTable
from assessment.regional.conditions import Conditions
from factories import K, ask_regional_report, database_copy, sign_in_as
from factories import make_app as make_test_app
from storage.statistics import cohort_stats
from web import agencies

SHANDONG, JIANGSU, CHINA = "370000", "320000", "100000"
FULL = "period=2026&base=2025"  # every part of the report: change, regional index, annex, published figures
SMALL = f"period=2025&region={SHANDONG}&region={JIANGSU}&region=110000&region={CHINA}"  # Beijing is withheld


def make_app(url: str, instance: Path, **config):
    """The app, with its test clients signed in as an agency analyst for the whole country."""
    app = make_test_app(url, instance, BENCHMARK_MIN_GROUP=K, **config)
    sign_in_as(app, "agency", email=f"analyst-{uuid.uuid4().hex[:8]}@example.org", jurisdiction="100000")
    return app


@pytest.fixture(scope="module")
def report_database(demo_population, tmp_path_factory):
    """300 demo enterprises with the published figures imported, built once for the module and then only copied."""
    folder = tmp_path_factory.mktemp("report")
    with database_copy(demo_population(300, 11).template, folder) as (template, url):
        app = make_test_app(url, folder / "instance")
        imported = app.test_cli_runner().invoke(
            args=["reference", "import-published", "assessment/data/published_benchmarks.csv"]
        )
        app.extensions["db_engine"].dispose()
        assert imported.exit_code == 0, imported.output
        yield template


@pytest.fixture(scope="module")
def report_app(report_database, tmp_path_factory):
    """The app on a copy of the report database of its own, shared by tests that only read (pages and reports)."""
    folder = tmp_path_factory.mktemp("report-app")
    with database_copy(report_database, folder) as (_copy, url):
        app = make_app(url, folder / "instance")
        yield app
        app.extensions["db_engine"].dispose()


class Pdf:
    """A report as fetched, saved and read back: the response, the file, its text and its text on one line."""

    def __init__(self, response, path: Path):
        self.response, self.path = response, path
        path.write_bytes(response.data)
        self.text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        self.flat = " ".join(self.text.split())

    def rows(self, code: str) -> list[list[str]]:
        """The words after the region's name of each table line that starts with the region's code."""
        return [line.split()[1:] for line in self.text.splitlines() if line.split()[:1] == [code]]


def fetch(app, query: str, folder: Path, lang: str | None = None) -> Pdf:
    client = app.test_client()
    if lang:
        client.get(f"/language/{lang}")
    response = ask_regional_report(client, query)  # queued (and printed at once in tests), then fetched
    assert response.status_code == 303, response.text[:2000]
    response = client.get(response.headers["Location"] + "/report.pdf")
    assert response.status_code == 200, response.text[:2000]
    pdf = Pdf(response, folder / f"report-{uuid.uuid4().hex[:6]}.pdf")
    response.close()  # the file it was sent from
    return pdf


def page_model(app, query: str) -> tuple[ComparisonTable, Conditions]:
    """The table and the regional index the page builds for a query."""
    with app.test_request_context(f"/agencies/?{query}"):
        form, choices, questionnaire = agencies.selection_form()
        assert not agencies.form_problems(form)
        shown = agencies.comparison_view(form, choices, questionnaire)
        return shown.table, shown.conditions


@pytest.fixture(scope="module")
def english(report_app, tmp_path_factory) -> Pdf:
    return fetch(report_app, FULL, tmp_path_factory.mktemp("pdf"))


@pytest.fixture(scope="module")
def chinese(report_app, tmp_path_factory) -> Pdf:
    return fetch(report_app, SMALL, tmp_path_factory.mktemp("pdf"), lang="zh")


def words(row, table: ComparisonTable, groups: tuple[str, ...]) -> list[str]:
    """A row's cells of some column groups as pdftotext reads them: the texts of the cells that have one."""
    texts = [cell.text for column, cell in zip(table.columns, row.cells, strict=True) if column.group in groups]
    return " ".join(text for text in texts if text).split()


def test_the_report_prints_the_figures_of_the_page_table(report_app, english):
    response = english.response
    assert response.mimetype == "application/pdf" and english.path.read_bytes().startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == 'attachment; filename="imready-regions-quick_check-2026.pdf"'
    table, conditions = page_model(report_app, FULL)
    shown = [row for row in table.rows if row.status == "shown"]
    assert len(shown) >= 4 and table.withheld_rows
    for row in table.rows:
        assert row.region_name in english.text
        lines = english.rows(row.region_code)
        # the parts in order: levels, paradigms, means, gaps, change (paradigms), change (dimensions), the index
        assert len(lines) == 7, (row.region_code, lines)
        assert lines[0][0] == row.region_name
        if row.status == "shown":
            assert lines[0][1:] == words(row, table, ("count", "levels", "lagging"))
            assert lines[1][1:] == words(row, table, ("reached",))
            assert lines[2][1:] == words(row, table, ("means",))
            assert lines[3][1:] == words(row, table, ("gaps",))
        index = conditions.rows[table.rows.index(row)]
        assert lines[6] == [row.region_name, *" ".join(cell.text for cell in index.cells[2:] if cell.text).split()]

    # by hand, from the published statistics: Shandong's count and its mean in the first dimension
    with report_app.app_context(), Session(report_app.extensions["db_engine"]) as session:
        stats = cohort_stats(session=session, cohorts=[Cohort("quick_check", 2026, SHANDONG)])
    shandong = next(iter(stats.values()))
    assert isinstance(shandong, CohortStats)
    levels, reached, means = english.rows(SHANDONG)[:3]
    assert levels[1] == str(shandong.count) and levels[2] == str(shandong.synthetic)
    assert means[1] == f"{shandong.nodes['strategy_people'].mean:.2f}"


def test_a_withheld_region_prints_no_figure(report_app, english):
    table, _conditions = page_model(report_app, FULL)
    withheld = [row for row in table.rows if row.status in ("small", "complementary")]
    assert withheld
    keys = [column.key for column in table.columns]
    for row in withheld:
        reason, change_reason = row.cells[keys.index("count")].text, row.cells[keys.index("both_periods")].text
        assert reason.startswith("withheld")
        lines = english.rows(row.region_code)
        # the comparison's lines say why and have no figure; so do the change lines when change is withheld too
        # (the regional index, from public indicators, is never withheld)
        for line in lines[:4]:
            assert line == [row.region_name, *reason.split()]
        if row.change_status in ("small", "complementary"):
            for line in lines[4:6]:
                assert line == [row.region_name, *change_reason.split()]
        for line in lines[: 6 if row.change_status in ("small", "complementary") else 4]:
            assert not re.search(r"\d", " ".join(line))


def test_the_report_explains_itself_and_keeps_published_figures_apart(report_app, english):
    table, conditions = page_model(report_app, FULL)
    flat = english.flat
    assert "Figures of a group of fewer than 5 enterprises are withheld" in flat
    assert "below level 2 (Basic) in at least 2 of the 5 dimensions" in flat
    assert "at least 80 % (the band “Established” or above)" in flat
    assert "could not be drawn" not in flat
    assert (
        f"{table.synthetic_rows} of the {len(table.rows)} regions include synthetic demonstration enterprises" in flat
    )
    # published level shares (imported for this report) are computed by CMMM's and IMPULS's own rules: they never
    # stand beside the quick check's readiness stages
    assert "Published figures" not in flat and "Lichtblau" not in flat and "CESI" not in flat
    # the annex: each region's index in its heading, its first input as the page shows it, the sources listed
    for row in conditions.rows:
        assert f"{row.region_name}: the inputs of its index ({row.cells[2].text})" in flat
    first = [cell.text for cell in conditions.rows[0].inputs[0][4:11]]
    assert " ".join(first) in flat
    assert "[1] synthetic demo figures" in flat


def pages(pdf: Pdf, folder: Path) -> list[tuple[float, float]]:
    """Each page drawn at 50 dpi: the share of its pixels that are not white, and of those strongly coloured (the
    bars and heatmaps of charts; text, tables and shading are grey or pale)."""
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf.path), str(folder / "page")], check=True)
    found = []
    for page in sorted(folder.glob("page-*.png")):
        with Image.open(page) as image:
            size = image.width * image.height
            dark = sum(image.convert("L").histogram()[:235]) / size
            coloured = sum(image.convert("RGB").convert("HSV").getchannel("S").histogram()[100:]) / size
            found.append((dark, coloured))
    return found


def test_every_page_has_something_on_it(english, tmp_path):
    drawn = pages(english, tmp_path)
    assert len(drawn) >= 10
    assert all(dark > 0.02 for dark, _coloured in drawn), drawn  # text, tables or charts: no empty page
    # the pages with charts (one of the five draws few bars, its colour depending on the release's perturbation)
    assert sum(coloured > 0.03 for _dark, coloured in drawn) >= 4, [round(c, 3) for _d, c in drawn]


def test_a_chinese_report_is_set_in_an_embedded_cjk_font(chinese):
    regions = load_regions()
    for code in (SHANDONG, JIANGSU, CHINA):
        assert regions.get(code).name("zh") in chinese.text
    assert len(re.findall(r"[\u4e00-\u9fff]", chinese.text)) > 500
    fonts = subprocess.run(["pdffonts", str(chinese.path)], capture_output=True, text=True, check=True).stdout
    # name, type, encoding, then emb, sub, uni, object and generation: every CJK font is embedded
    cjk = [line.split() for line in fonts.splitlines() if re.search(r"Noto-?Sans-?CJK", line)]
    assert cjk and all(columns[-5] == "yes" for columns in cjk), fonts


def test_without_a_browser_the_report_prints_the_tables_and_says_why(report_app, report_database, tmp_path):
    with database_copy(report_database, tmp_path) as (_copy, url):
        app = make_app(url, tmp_path / "instance", CHROMIUM_PATH="/nonexistent/chromium")
        try:
            pdf = fetch(app, SMALL, tmp_path)
        finally:
            app.extensions["db_engine"].dispose()
    assert "The charts could not be drawn (no browser to draw them was found)" in pdf.flat
    assert not any(coloured > 0.03 for _dark, coloured in pages(pdf, tmp_path))  # no chart
    table, _conditions = page_model(report_app, SMALL)
    for row in table.rows:
        assert pdf.rows(row.region_code)[0][1:] == words(row, table, ("count", "levels", "lagging"))


def test_the_page_links_to_the_report_of_its_selection(report_app):
    html = report_app.test_client().get(f"/agencies/?{SMALL}").text
    query = SMALL.replace("&", "&amp;")
    assert f'action="/agencies/report.pdf?{query}" class="inline-form"' in html and 'id="export-pdf"' in html


def test_a_bad_selection_answers_like_the_exports(report_app, app):
    response = report_app.test_client().get("/agencies/report.pdf?period=abc")
    assert response.status_code == 400 and 'id="problems"' in response.text
    assert "Period: “abc” is not one of the offered values (2026, 2025)." in response.text
    sign_in_as(app, "admin")
    assert app.test_client().get("/agencies/report.pdf").status_code == 400  # no statistics yet
    assert make_test_app(app.config["DATABASE_URL"], app.instance_path).test_client().get(
        "/agencies/report.pdf").status_code == 302  # not signed in: sent to sign in

"""An agency compares regions in a real Chromium: the charts draw, the regional index draws with its formula beside
it and a region's inputs one click away, a province opens into its cities, another industry and period can be
chosen, and the CSV downloaded holds the rows on the page; nothing comes from outside."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from factories import make_user, on_demo_population

SHANDONG = "370000"
pytestmark = on_demo_population(250, seed=3)  # the app serves a copy of 250 demo enterprises


def expect_charts_drawn(page: Page, names: list[str]) -> None:
    """Each chart has its Plotly SVG with something plotted in it."""
    for name in names:
        expect(page.locator(f"#chart-{name} svg.main-svg").first).to_be_visible()
        expect(page.locator(f"#chart-{name} g.trace, #chart-{name} g.hm").first).to_be_attached()


def test_agency_compares_regions_drills_down_and_downloads(app, live_server, page):
    host = urlsplit(live_server).netloc
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if urlsplit(request.url).netloc not in (host, "") else None)

    make_user(app, "agency", email="analyst@example.org", jurisdiction="100000")
    page.goto(f"{live_server}/")
    page.click("#nav-sign-in")
    page.fill("#email", "analyst@example.org")
    page.fill("#password", "a long test password")
    page.click("#sign-in")  # an agency analyst lands on the comparison
    # the first page of a fresh database builds its figures from scratch; a loaded machine may need a while
    page.wait_for_url("**/agencies/")
    expect(page.locator("h1")).to_have_text("Regions compared")
    expect(page.locator("#region-100000")).to_be_visible()  # the country, below the provinces
    expect(page.locator(f"#region-{SHANDONG}")).to_be_visible()
    expect_charts_drawn(page, ["levels", "reached", "means", "gaps"])
    expect(page.locator("#synthetic-notice")).to_be_visible()

    # the regional index: its chart drawn, the formula beside it, each region's inputs one click away
    expect_charts_drawn(page, ["index"])
    formula = page.locator("#formula ul")
    expect(formula).to_be_visible()
    expect(formula).to_contain_text("R(x) = 100 × (x in the region) / (x in China)")
    chart, beside = page.locator("#chart-index").bounding_box(), page.locator("#formula").bounding_box()
    assert beside["x"] >= chart["x"] + chart["width"] and beside["y"] < chart["y"] + chart["height"]
    expect(page.locator(f"#index-{SHANDONG} th")).to_have_text("Shandong")
    inputs = page.locator(f"#inputs-table-{SHANDONG}")
    expect(inputs).to_be_hidden()
    page.locator(f"#inputs-{SHANDONG} summary").click()
    expect(inputs).to_be_visible()
    expect(inputs.locator("tbody tr").first).to_contain_text("5G base stations per 10,000 residents")

    # Shandong opens into its cities, the province itself first
    page.locator(f"#region-{SHANDONG} a.drill").click()
    expect(page).to_have_url(re.compile(f"within={SHANDONG}"))
    rows = page.locator("#comparison tbody tr")
    expect(rows.first).to_have_id(f"region-{SHANDONG}")
    expect(page.locator("#region-370200")).to_be_visible()  # Qingdao
    expect(page.locator("#comparison td.withheld.reason").first).to_contain_text("withheld")
    expect(page.locator("#within")).to_have_value(SHANDONG)

    # another industry scope and the earlier period, through the form
    page.select_option("#industry", "process")
    page.select_option("#period", "2025")
    page.click("#selection button[type=submit]")
    expect(page).to_have_url(re.compile("industry=process"))
    expect(page).to_have_url(re.compile("period=2025"))
    expect(page.locator("#industry")).to_have_value("process")
    expect(page.locator(f"#region-{SHANDONG}")).to_be_visible()

    # back up to all provinces, with the change since 2025
    page.click("#drill-up")
    page.select_option("#period", "2026")
    page.select_option("#base", "2025")
    page.click("#selection button[type=submit]")
    expect(page.locator("#comparison thead")).to_contain_text("Assessed in both periods")
    expect_charts_drawn(page, ["change", "change-dimensions"])

    names = [name.strip() for name in page.locator("#comparison tbody th.region-name").all_inner_texts()]
    with page.expect_download() as download:
        page.click("#export-csv")
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    body, _, trailer = content.decode("utf-8-sig").partition("\r\n\r\n")
    table = list(csv.reader(io.StringIO(body)))
    assert [row[1] for row in table[1:]] == [re.sub(r"\s*cities ›$", "", name) for name in names]
    assert trailer.startswith("# Formula of the regional index")

    # the PDF report: the button (a form, not a link) queues it; its page offers the PDF once printed (at once here)
    expect(page.locator("#export-pdf")).to_have_text("PDF report")
    page.click("#export-pdf")
    page.wait_for_url(re.compile(r"/agencies/reports/\d+$"), timeout=180_000)  # printed in the request in tests
    expect(page.locator("#status")).to_have_text("The report is ready.")
    with page.expect_download() as download:
        page.click("#download a")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert outside == []

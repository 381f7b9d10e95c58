"""The pages work under the strict Content-Security-Policy (web/headers.py) in a real Chromium: nothing a page needs
is refused (Chromium reports every refusal on the console), the scripts moved out of the templates still run, and
the charts still draw, with plotly.js's styles from static/css/plotly.css instead of written into the page."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from factories import ROOT, make_user, on_demo_population
from storage.tables import Assessment
from web.site import plotly_asset

POPULATION = (150, 4)  # demo enterprises, seed


def watch_policy(page: Page) -> list[str]:
    """Collect what Chromium refuses under the Content-Security-Policy: its console messages, and the violations the
    page sees (reported on the console by a script the browser runs, not the page)."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)  # fmt: skip
    page.add_init_script("document.addEventListener('securitypolicyviolation', function (event) {"
                         " console.error('Content Security Policy: ' + event.violatedDirective + ' refused ' +"
                         " event.blockedURI + ' at ' + event.sourceFile + ':' + event.lineNumber); });")  # fmt: skip
    return refused


def expect_charts_drawn(page: Page) -> None:
    """Every chart of the page has its Plotly SVG with something plotted in it."""
    charts = page.locator("[data-figure]")
    expect(charts.first).to_be_attached()
    for index in range(charts.count()):
        chart = charts.nth(index)
        expect(chart.locator("svg.main-svg").first).to_be_visible()
        expect(chart.locator("g.trace, g.hm, g.barlayer path").first).to_be_attached()


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/account/sign-in")
    page.fill("#email", email)
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    expect(page.locator("#sign-out")).to_be_visible()


def test_the_main_pages_run_under_the_policy(app, live_server, page, survey, example_answers):
    refused = watch_policy(page)
    token = survey.start("quick_check")
    survey.answer_all(token, example_answers)
    assert survey.submit(token).status_code == 302
    draft = survey.start("quick_check")
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        enterprise_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == token)).one()
    make_user(app, "admin", email="admin@example.org")

    page.goto(f"{live_server}/")
    expect(page.locator("#start-quick_check")).to_be_visible()
    page.goto(f"{live_server}/a/{draft}/page/1")
    expect(page.locator("progress.progress")).to_be_visible()
    page.locator("#page-form input[type=radio]").first.check()  # conditions.js runs on every change
    page.goto(f"{live_server}/a/{token}/results")
    expect_charts_drawn(page)
    page.hover("#paradigm-chart")
    with page.expect_download() as download:  # plotly.js draws the chart into a blob: image to save it
        page.locator("#paradigm-chart .modebar-btn[data-title='Download plot as a PNG']").click()
    assert download.value.suggested_filename.endswith(".png")
    expect(page.locator(".trace td.depth-0").first).to_be_attached()  # indented by class, not style
    page.click("#roadmap-link")
    expect_charts_drawn(page)

    sign_in(page, live_server, "admin@example.org")
    for path in ("/admin/users", "/admin/audit", "/admin/reference", "/workspace/", "/agencies/"):
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1")).to_be_visible()
    page.goto(f"{live_server}/workspace/history/{enterprise_id}")
    expect_charts_drawn(page)

    page.goto(f"{live_server}/reports/batches")  # its "select all" box is a script file of its own
    boxes = page.locator("input[name=assessment]")
    expect(boxes.first).not_to_be_checked()  # nothing is ticked at first
    page.check("#select-all")
    expect(boxes.first).to_be_checked()
    page.uncheck("#select-all")
    expect(boxes.first).not_to_be_checked()
    boxes.first.check()
    page.click("#start-batch")  # the batch page follows the progress with another
    expect(page.locator("#download")).to_be_visible(timeout=90_000)
    expect(page.locator("#progress-text")).to_have_text("1 / 1")
    expect(page.locator("#status")).to_have_text("Done")
    assert refused == []


@on_demo_population(*POPULATION)
def test_the_comparison_charts_draw_under_the_policy(app, live_server, page, demo_population):
    refused = watch_policy(page)
    make_user(app, "agency", email="analyst@example.org", jurisdiction="100000")
    page.goto(f"{live_server}/a/{demo_population(*POPULATION).tokens[-1]}/results")  # with how it compares
    expect(page.locator("#dimension-comparison-chart")).to_be_attached()
    expect_charts_drawn(page)
    sign_in(page, live_server, "analyst@example.org")
    page.goto(f"{live_server}/agencies/")
    expect(page.locator("#chart-index")).to_be_attached()
    expect_charts_drawn(page)
    assert refused == []


def test_plotly_css_holds_the_styles_the_served_plotly_js_writes(browser: Browser, live_server):
    """static/css/plotly.css stands in for the styles plotly.js writes into a page: on a page with no policy, the
    rules plotly.js writes are those of the file, in the same order."""
    page = browser.new_page()
    try:
        page.set_content("<html><head></head><body></body></html>")
        page.add_script_tag(url=f"{live_server}/assets/plotly-{plotly_asset().digest[:16]}.min.js")
        written = page.evaluate("Array.from(document.getElementById('plotly.js-style-global').sheet.cssRules,"
                                " rule => rule.cssText)")  # fmt: skip
        page.add_style_tag(content=(ROOT / "static" / "css" / "plotly.css").read_text(encoding="utf-8"))
        shipped = page.evaluate("Array.from(document.styleSheets[document.styleSheets.length - 1].cssRules,"
                                " rule => rule.cssText)")  # fmt: skip
    finally:
        page.close()
    assert written and shipped == written

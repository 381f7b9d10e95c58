"""static/js/charts.js draws the results page's first chart at once, and a chart further down only as it comes near
the screen (or when the browser is idle, which this test keeps from happening), so the charts a reader sees are
drawn first; printing draws every chart left."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from factories import on_demo_population

POPULATION = (150, 4)  # demo enterprises, seed: the last one's results page compares it with its group
NEVER_IDLE = "window.requestIdleCallback = function () { return 0; };"  # the idle drawing never comes


def drawn(page: Page, chart: str) -> bool:
    return page.evaluate(f"document.querySelector('#{chart} svg.main-svg') !== null")


@on_demo_population(*POPULATION)
def test_a_chart_below_the_screen_is_drawn_when_it_scrolls_near(live_server, page, demo_population):
    page.add_init_script(NEVER_IDLE)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server}/a/{demo_population(*POPULATION).tokens[-1]}/results")
    expect(page.locator("#paradigm-chart svg.main-svg").first).to_be_attached()  # the first chart, at once
    page.wait_for_timeout(500)  # time enough for a chart to be drawn, were it drawn at load
    assert not drawn(page, "dimension-comparison-chart")  # far below the screen (about 2,800 px down)
    page.locator("#dimension-comparison-chart").scroll_into_view_if_needed()
    expect(page.locator("#dimension-comparison-chart svg.main-svg").first).to_be_visible()
    expect(page.locator("#dimension-comparison-chart g.trace").first).to_be_attached()


@on_demo_population(*POPULATION)
def test_printing_draws_every_chart_left(live_server, page, demo_population):
    page.add_init_script(NEVER_IDLE)
    page.goto(f"{live_server}/a/{demo_population(*POPULATION).tokens[-1]}/results")
    expect(page.locator("#paradigm-chart svg.main-svg").first).to_be_attached()
    assert not drawn(page, "dimension-comparison-chart")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what the browser sends before it prints
    for chart in ("radar-chart", "paradigm-comparison-chart", "dimension-comparison-chart"):
        assert drawn(page, chart), chart  # drawn before the print is laid out, not later


@on_demo_population(*POPULATION)
def test_every_chart_is_drawn_in_the_end_without_scrolling(live_server, page, demo_population):
    page.goto(f"{live_server}/a/{demo_population(*POPULATION).tokens[-1]}/results")
    for chart in ("paradigm-chart", "radar-chart", "paradigm-comparison-chart", "dimension-comparison-chart"):
        expect(page.locator(f"#{chart} svg.main-svg").first).to_be_attached()

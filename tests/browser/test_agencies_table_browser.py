"""The agencies' wide table in a real Chromium: a column group folds away with its checkbox and comes back, the
region names stay in view when the table scrolls sideways and the header rows when it scrolls down, and the
labels sit right under their group's heading."""

from __future__ import annotations

from browser_pages import new_page
from playwright.sync_api import Page, expect

from factories import make_user, on_demo_population

SHANDONG = "370000"
pytestmark = on_demo_population(250, seed=3)  # the app serves a copy of 250 demo enterprises


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/")
    page.click("#nav-sign-in")
    page.fill("#email", email)
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    page.wait_for_url("**/agencies/")


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_column_groups_fold_and_the_region_names_and_headers_stay_in_view(app, live_server, browser):
    make_user(app, "agency", email="analyst@example.org", jurisdiction="100000")
    # a small window, so that the table scrolls both ways inside its box
    page = new_page(browser, viewport={"width": 800, "height": 600})
    sign_in(page, live_server, "analyst@example.org")
    page.goto(f"{live_server}/agencies/?period=2026&base=2025")
    table = page.locator("#comparison")
    expect(table.locator("th.col-means").first).to_be_visible()

    # fold the mean scores: their heading, labels and cells go; the other groups stay
    page.uncheck("#show-means")
    for selector in ("th.group.col-means", "thead th.col-means", "td.col-means"):
        assert table.locator(selector).count() > 0
        for index in range(table.locator(selector).count()):
            expect(table.locator(selector).nth(index)).to_be_hidden()
    expect(table.locator("th.group.col-gaps")).to_be_visible()
    expect(table.locator(f"#region-{SHANDONG} td.col-gaps").first).to_be_visible()
    page.check("#show-means")
    expect(table.locator(f"#region-{SHANDONG} td.col-means").first).to_be_visible()

    # scrolled far right and down inside its box: the region names and both header rows are still at its edges
    scroller = page.locator(".table-scroll.wide").first
    scroller.evaluate("box => box.scrollIntoView({block: 'start'})")
    frame = scroller.bounding_box()
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; box.scrollTop = box.scrollHeight; }")
    name = page.locator("#comparison tbody tr:last-child th.region-name")
    expect(name).to_be_in_viewport()
    assert abs(name.bounding_box()["x"] - frame["x"]) <= 2  # held at the left edge
    assert box(page, "#comparison tbody td.col-count")["x"] < frame["x"]  # the first figures scrolled away
    assert abs(box(page, "#comparison thead tr:first-child th")["y"] - frame["y"]) <= 2  # held at the top
    labels = page.locator("#comparison thead tr:nth-child(2) th").last.bounding_box()
    assert frame["y"] < labels["y"] < frame["y"] + frame["height"] / 2

    # no blank band under the group headings: each label's text starts right below them, and the tallest label
    # (a dimension's name) keeps the row to four lines (at 1366 px, in English)
    page.set_viewport_size({"width": 1366, "height": 900})
    scroller.evaluate("box => { box.scrollLeft = 0; box.scrollTop = 0; }")
    groups_bottom, line, row_height, label_tops = page.locator("#comparison thead").evaluate("""head => {
        const range = document.createRange();
        const tops = [...head.rows[1].cells].map(cell => {
            range.selectNodeContents(cell);
            return range.getBoundingClientRect().top;
        });
        return [head.rows[0].cells[2].getBoundingClientRect().bottom,
                parseFloat(getComputedStyle(head.rows[1].cells[0]).lineHeight),
                head.rows[1].getBoundingClientRect().height, tops];
    }""")
    assert all(0 <= top - groups_bottom <= line for top in label_tops), (groups_bottom, label_tops)
    assert row_height <= 5 * line, (row_height, line)  # four lines and the cell's padding
    page.context.close()

"""A consultant in a real Chromium: signs in, saves its branding, creates a client by filling an assessment on its
behalf, finds the client in its workspace and downloads the client's report, branded; nothing comes from outside."""

from __future__ import annotations

from browser_pages import RESULTS, fill_page, guard_offline
from playwright.sync_api import expect

from factories import make_user, pdf_text


def test_consultant_creates_a_client_fills_its_assessment_and_downloads_the_report(
    app, live_server, page, survey, example_answers, tmp_path
):
    make_user(app, "consultant", email="advisor@example.org", name="Mei Advisory")
    questionnaire = survey.questionnaire("quick_check")
    outside = guard_offline(page, live_server)

    page.goto(f"{live_server}/account/sign-in")
    page.fill("#email", "advisor@example.org")
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    expect(page.locator("#no-enterprises")).to_be_visible()  # the workspace: no clients yet

    page.click("#branding-link")
    page.fill("#brand_name", "Mei Advisory")
    page.fill("#brand_colour", "#7a3e9d")
    page.click("#save-branding")
    expect(page.locator(".flash")).to_be_visible()

    page.goto(f"{live_server}/workspace/")
    page.click("#new-client")
    page.click("#start-quick_check")
    page.fill("#name", "Yantai Gear Works")
    page.select_option("#region", "370600")
    page.select_option("#industry", "34")
    page.fill("#employees", "85")
    page.fill("#revenue", "30")
    page.click("#profile-submit")
    for dimension in questionnaire.dimensions:
        expect(page.locator("h1")).to_have_text(dimension.name.en)
        fill_page(page, dimension.questions, example_answers)
        page.click("#next")
    page.click("#submit")
    page.wait_for_url(RESULTS)
    expect(page.locator("#overall-score")).to_have_text("1.98")  # quick check 2.0, hand-computed in tests/web

    page.click("#nav-workspace")
    expect(page.locator("#client-table tbody th[scope=row]")).to_have_text("Yantai Gear Works")  # the client table
    page.locator("#client-table tbody th[scope=row] a").first.click()  # its name opens its latest assessment
    page.click("#roadmap-link")
    expect(page.locator("#brand_name")).to_have_value("Mei Advisory")  # the saved branding, ready to print
    with page.expect_download() as download_info:
        page.click("#download-report")
    path = tmp_path / "client.pdf"
    download_info.value.save_as(path)
    text = " ".join(pdf_text(path.read_bytes()).split())
    assert "Yantai Gear Works" in text and "Prepared by Mei Advisory with imready" in text
    assert outside == []

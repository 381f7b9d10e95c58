"""An enterprise plans its roadmap and downloads its report in a real Chromium; an administrator renders a batch
and watches the progress bar fill. Nothing is fetched from outside the app."""

from __future__ import annotations

import re
import zipfile
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from factories import make_user, on_demo_population, pdf_text
from storage.tables import Assessment

POPULATION = (150, 4)  # demo enterprises, seed
pytestmark = on_demo_population(*POPULATION)  # each test's app serves its own copy of them


def watch_outside(page: Page, live_server: str) -> list[str]:
    host = urlsplit(live_server).netloc
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc not in (host, "") else None)
    return outside


def test_enterprise_sets_goals_sees_its_plan_and_downloads_the_report(live_server, page, tmp_path, demo_population):
    token = demo_population(*POPULATION).tokens[-1]
    outside = watch_outside(page, live_server)
    page.goto(f"{live_server}/a/{token}/results")
    page.click("#roadmap-link")
    expect(page.locator("#priority-table")).to_be_visible()
    page.check("input[type=checkbox][name=goal][value=energy]")
    page.select_option("#target", "paradigm:networked")
    page.click("#update-plan")
    expect(page).to_have_url(re.compile(r"goal=energy"))
    assert "target=paradigm%3Anetworked" in page.url
    expect(page.locator("input[type=checkbox][name=goal][value=energy]")).to_be_checked()
    for chart in ("gap-chart", "priority-chart"):
        expect(page.locator(f"#{chart} svg.main-svg").first).to_be_visible()
    steps = page.locator("details.action-card")
    if steps.count():
        expect(page.locator("#timeline-chart svg.main-svg").first).to_be_visible()
        steps.first.click()
        expect(steps.first.locator("p").first).to_be_visible()
    page.fill("#brand_name", "Harbour Consulting")
    with page.expect_download() as download_info:
        page.click("#download-report")
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    text = pdf_text(path.read_bytes())
    assert "Prepared by Harbour Consulting with imready" in " ".join(text.split())
    assert "energy and emissions" in text  # the goal chosen on the page reached the report
    assert outside == []


def test_administrator_watches_a_batch_and_downloads_the_zip(app, live_server, page, tmp_path):
    make_user(app, "admin", email="admin@example.org")
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        total = len(session.exec(select(Assessment.enterprise_id).distinct()).all())
    outside = watch_outside(page, live_server)
    page.goto(f"{live_server}/reports/batches")  # sends to sign in, and back here after
    page.fill("#email", "admin@example.org")
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    expect(page.locator("#enterprise-table")).to_be_visible()
    expect(page.locator("#match-count")).to_contain_text(str(total))
    page.uncheck("#select-all")
    boxes = page.locator("input[name=assessment]")
    for index in range(3):
        boxes.nth(index).check()
    page.click("#start-batch")
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#download")).to_be_visible(timeout=90_000)
    expect(page.locator("#progress-text")).to_have_text("3 / 3")
    assert page.locator("#progress").get_attribute("value") == "3"
    with page.expect_download() as download_info:
        page.click("#download-link")
    path = tmp_path / "batch.zip"
    download_info.value.save_as(path)
    assert len([n for n in zipfile.ZipFile(path).namelist() if n.endswith(".pdf")]) == 3
    assert outside == []

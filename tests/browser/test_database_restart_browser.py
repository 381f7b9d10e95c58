"""A respondent in Chromium while PostgreSQL restarts: a clear "try again" page, nothing typed is lost, and pressing
"Try again" once the server is back saves the page."""

from __future__ import annotations

import os
import subprocess

import pytest
from browser_pages import expect_answers_shown, fill_page, guard_offline
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from factories import ROOT

SERVER_URL = os.environ.get("IMREADY_TEST_DATABASE_URL")


def pg(command: str) -> None:
    """Halt or resume the test PostgreSQL server, keeping its data."""
    env = {**os.environ, "IMREADY_PG_PORT": str(make_url(SERVER_URL).port)}
    subprocess.run(["bash", str(ROOT / ".ci" / "pg.sh"), command], check=True, env=env)


@pytest.mark.skipif(not SERVER_URL, reason="restarts the PostgreSQL server of the tests (set in the PostgreSQL pass)")
def test_a_restart_mid_page_shows_try_again_and_keeps_the_page(page, live_server, survey, example_answers):
    questionnaire = survey.questionnaire("quick_check")
    outside = guard_offline(page, live_server)
    page.goto(live_server + "/start/quick_check")
    page.fill("#name", "Restart Tolerant Works")
    page.select_option("#region", "370200")
    page.select_option("#industry", "34")
    page.fill("#employees", "120")
    page.fill("#revenue", "50")
    page.click("#profile-submit")
    fill_page(page, questionnaire.dimensions[0].questions, example_answers)
    page.click("#next")
    second = questionnaire.dimensions[1]
    expect(page.locator("h1")).to_have_text(second.name.get("en"))
    fill_page(page, second.questions, example_answers)

    pg("halt")
    try:
        page.click("#next")
        expect(page.locator("h1")).to_have_text("Please try again")
        expect(page.locator("#unavailable")).to_have_text(
            "The database is not available for a moment, so nothing was saved this time. Please try again in a "
            "few seconds.")  # fmt: skip
        assert "Traceback" not in page.content()
    finally:
        pg("resume")
    page.click("#try-again")
    expect(page.locator("h1")).to_have_text(questionnaire.dimensions[2].name.get("en"))
    page.click("#back")  # the second page, as saved by "Try again"
    expect(page.locator("h1")).to_have_text(second.name.get("en"))
    expect_answers_shown(page, second.questions, example_answers)
    assert outside == []

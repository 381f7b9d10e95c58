"""A respondent takes the IMPULS questionnaire, a file without paradigm nodes, in a real Chromium: every page,
then the results with the six dimensions and their levels, no paradigm section and no error."""

from __future__ import annotations

from browser_pages import RESULTS, fill_page, guard_offline
from playwright.sync_api import expect

# Every field at level 3 (three of five protections ticked = 3; 6 % of revenue on [0, 10] -> [0, 5] = 3; 60 % of
# data on [0, 100] -> [0, 5] = 3), but IT systems at 1: smart factory = min(3, 3, 3, 1) = 1, the other dimensions 3.
# overall = (25·3 + 14·1 + 10·3 + 19·3 + 14·3 + 18·3) / 100 = (75 + 14 + 30 + 57 + 42 + 54) / 100 = 2.72
SPECIAL = {"sm_security_measures": ["backup", "access", "zones"], "ds_revenue_share": 6, "ds_data_share": 60,
           "sf_it_systems": 1}


def test_impuls_end_to_end_without_paradigms(page, live_server, survey):
    questionnaire = survey.questionnaire("impuls")
    answers = {qid: SPECIAL.get(qid, 3) for qid in questionnaire.questions}
    outside = guard_offline(page, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + "/")
    page.click("#start-impuls")
    page.fill("#name", "Yantai Gearboxes")
    page.select_option("#region", "370600")
    page.select_option("#industry", "34")
    page.fill("#employees", "240")
    page.fill("#revenue", "90")
    page.click("#profile-submit")
    for dimension in questionnaire.dimensions:
        expect(page.locator("h1")).to_have_text(dimension.name.en)
        fill_page(page, dimension.questions, answers)
        page.click("#next")
    expect(page.locator("#submit")).to_be_enabled()
    page.click("#submit")
    page.wait_for_url(RESULTS)
    expect(page.locator("#overall-score")).to_have_text("2.72")
    expect(page.locator("#dimension-smart_factory")).to_contain_text("Beginner")
    expect(page.locator("#dimension-employees")).to_contain_text("Experienced")
    expect(page.locator("#radar-chart .main-svg").first).to_be_visible()
    assert page.locator("#paradigms").count() == 0 and page.locator("#paradigm-chart").count() == 0
    assert page.locator(".flash-error").count() == 0
    assert errors == [] and outside == []

"""A respondent takes the quick check in a real Chromium, in English and in Chinese: stops half-way, resumes from
the link with answers intact, submits and sees the results, with nothing loaded from outside the app."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from browser_pages import RESULTS, expect_answers_shown, fill_page, guard_offline, new_page
from playwright.sync_api import expect

from factories import ROOT

CATALOG = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def chinese(message: str) -> str:
    """The Chinese interface text for an English message, from the shipped catalog."""
    with CATALOG.open("rb") as handle:
        translation = read_po(handle).get(message).string
    assert translation, f"no Chinese translation for {message!r}"
    return translation


@pytest.mark.parametrize("language", ["en", "zh"])
def test_quick_check_stop_resume_submit(language, page, browser, live_server, survey, example_answers):
    questionnaire = survey.questionnaire("quick_check")
    outside = guard_offline(page, live_server)
    page.goto(live_server + "/")
    if language == "zh":
        page.click("#lang-zh")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.click("#start-quick_check")
    page.fill("#name", "青岛精密零件有限公司" if language == "zh" else "Qingdao Precision Parts")
    page.select_option("#region", "370200")
    page.select_option("#industry", "34")
    page.fill("#employees", "120")
    page.fill("#revenue", "50")
    page.click("#profile-submit")

    # Two pages answered, then "save and finish later"
    for number in (1, 2):
        dimension = questionnaire.dimensions[number - 1]
        expect(page.locator("h1")).to_have_text(dimension.name.get(language))
        fill_page(page, dimension.questions, example_answers)
        if number == 1:
            expected_button = chinese("Save and continue") if language == "zh" else "Save and continue"
            expect(page.locator("#next")).to_have_text(expected_button)
            page.click("#next")
    page.click("#save-exit")
    resume_link = page.locator("#resume-link").get_attribute("href")
    assert resume_link and "/a/" in resume_link

    # Come back later in a fresh browser session, with only the link
    later = new_page(browser, locale="zh-CN" if language == "zh" else "en-US")
    outside_later = guard_offline(later, live_server)
    later.goto(resume_link)
    expect(later.locator("h1")).to_have_text(questionnaire.dimensions[2].name.get(language))
    later.click("#back")
    expect(later.locator("h1")).to_have_text(questionnaire.dimensions[1].name.get(language))
    expect_answers_shown(later, questionnaire.dimensions[1].questions, example_answers)
    later.click("#back")
    expect_answers_shown(later, questionnaire.dimensions[0].questions, example_answers)
    later.click("#next")
    later.click("#next")
    for dimension in questionnaire.dimensions[2:]:
        expect(later.locator("h1")).to_have_text(dimension.name.get(language))
        fill_page(later, dimension.questions, example_answers)
        later.click("#next")

    # Review, submit, results
    expect(later.locator("#submit")).to_be_enabled()
    later.click("#submit")
    later.wait_for_url(RESULTS)
    expect(later.locator("#overall-score")).to_have_text("1.98")  # quick check 2.0, hand-computed in tests/web
    expect(later.locator("#paradigm-chart .main-svg").first).to_be_visible()
    expect(later.locator("#radar-chart .main-svg").first).to_be_visible()
    for paradigm in ("digital", "networked", "intelligent"):
        expect(later.locator(f"#paradigm-{paradigm}")).to_be_visible()
    if language == "zh":
        expect(later.locator("#dimensions")).to_contain_text(questionnaire.dimensions[0].name.zh)
    assert outside == [] and outside_later == []
    later.context.close()

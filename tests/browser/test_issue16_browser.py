"""Issue 16 in a real Chromium: an invalid answer keeps its page whatever button is pressed, and the resume link of an
assessment started in Chinese opens in Chinese in a fresh English browser."""

from __future__ import annotations

import re

import pytest
from browser_pages import new_page
from playwright.sync_api import expect

SCREENSHOTS = "/tmp/imready-issue16"


@pytest.mark.parametrize("button", ["#save-exit", "#back", "#next"])
def test_an_invalid_answer_is_marked_in_place(button, page, browser, live_server, survey, example_answers):
    questionnaire = survey.questionnaire("quick_check")
    number = next(n for n, d in enumerate(questionnaire.dimensions, 1) if any(q.type == "number" for q in d.questions))
    dimension = questionnaire.dimensions[number - 1]
    numeric = next(q for q in dimension.questions if q.type == "number")
    ladder = next(q for q in dimension.questions if q.type == "ladder")

    page.goto(live_server + "/")
    page.click("#lang-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.click("#start-quick_check")
    page.fill("#name", "青岛精密零件有限公司")
    page.select_option("#region", "370200")
    page.select_option("#industry", "34")
    page.fill("#employees", "120")
    page.fill("#revenue", "50")
    page.click("#profile-submit")
    page.goto(re.sub(r"/page/\d+$", f"/page/{number}", page.url))
    page.check(f'input[name="{ladder.id}"][value="3"]')
    page.fill(f'[name="{numeric.id}"]', "150")
    page.click(button)

    expect(page.locator("h1")).to_have_text(dimension.name.zh)  # the same page, not the next, previous or saved one
    error = page.locator(f"#q-{numeric.id} .error")
    expect(error).to_contain_text("0")
    expect(error).to_contain_text("100")
    expect(page.locator(f'[name="{numeric.id}"]')).to_have_value("150")  # what was typed
    expect(page.locator(f'input[name="{ladder.id}"][value="3"]')).to_be_checked()
    expect(page.locator(".flash-error")).to_contain_text("请更正下方标出的答案")
    page.screenshot(path=f"{SCREENSHOTS}-{button.strip('#')}.png", full_page=True)

    if button == "#save-exit":  # corrected, the same button saves and goes to the saved page
        page.fill(f'[name="{numeric.id}"]', "40")
        page.click("#save-exit")
        expect(page.locator("h1")).to_have_text("您的答案已保存")
        resume = page.locator("#resume-link").get_attribute("href")
        later = new_page(browser, locale="en-US")  # a fresh browser that prefers English
        later.goto(resume)
        expect(later.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(later.locator("#save-exit")).to_have_text("保存，稍后继续")
        later.screenshot(path=f"{SCREENSHOTS}-resumed.png", full_page=True)
        later.context.close()

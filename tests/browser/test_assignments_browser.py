"""Two people answer one assessment in a real Chromium: the owner assigns a page to a colleague, the colleague opens
the mailed link, sees only that page, saves it, and the owner then sees who saved it and the answers themselves."""

from __future__ import annotations

import re

from browser_pages import fill_page, guard_offline, new_page
from playwright.sync_api import expect

from factories import make_user
from jobs import mail


def test_a_colleague_answers_the_page_assigned_to_them_and_the_owner_sees_it(
    app, live_server, page, browser, survey, example_answers
):
    questionnaire = survey.questionnaire("quick_check")
    operations = questionnaire.dimensions[3]
    make_user(app, "enterprise", email="owner@example.org")
    mail.outbox.clear()
    outside = guard_offline(page, live_server)

    # The owner signs in, starts the quick check, answers page 1 and opens "Assign pages to colleagues"
    page.goto(f"{live_server}/account/sign-in")
    page.fill("#email", "owner@example.org")
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    page.goto(f"{live_server}/start/quick_check")
    page.fill("#name", "Weifang Pumps")
    page.select_option("#region", "370700")
    page.select_option("#industry", "34")
    page.fill("#employees", "120")
    page.fill("#revenue", "50")
    page.click("#profile-submit")
    expect(page.locator("h1")).to_have_text(questionnaire.dimensions[0].name.en)
    resume_link = page.locator("#resume-link").get_attribute("href")
    fill_page(page, questionnaire.dimensions[0].questions, example_answers)
    page.click("#next")
    expect(page.locator("h1")).to_have_text(questionnaire.dimensions[1].name.en)
    page.click("#assign-pages")
    page.fill("#email", "li.wei@example.org")
    page.check('input[name="pages"][value="operations"]')
    page.click("#assign")
    expect(page.locator(".flash")).to_contain_text("li.wei@example.org")
    [message] = [message for message in mail.outbox if message["To"] == "li.wei@example.org"]
    link = re.search(rf"{re.escape(live_server)}/colleague/\S+", message.get_content())[0]

    # The colleague opens the link in a browser of their own: one page offered, and it opens
    colleague = new_page(browser)
    outside_colleague = guard_offline(colleague, live_server)
    colleague.goto(link)
    expect(colleague.locator("#colleague-pages a")).to_have_count(1)
    colleague.click("#open-page-4")
    expect(colleague.locator("h1")).to_have_text(operations.name.en)
    expect(colleague.locator("#colleague-step")).to_have_text("Page 1 of the 1 pages assigned to you")
    expect(colleague.locator("#resume-link")).to_have_count(0)
    fill_page(colleague, operations.questions, example_answers)
    colleague.click("#next")
    # saved: back on their list, the page marked with what they answered (the checklist hidden: en_platform is
    # not answered yet, so the page holds the ladder, the supply chain answer and the empty checklist, 3 of 3)
    expect(colleague.locator("#colleague-pages")).to_contain_text("3 of 3 questions answered")
    colleague.goto(link + "/page/2")  # a page not theirs
    expect(colleague.locator("h1")).to_have_text("Page not found")
    colleague.context.close()

    # The owner sees who saved the page and when, and finds the answers in the assessment
    page.reload()
    expect(page.locator('tr.save[data-page="operations"]')).to_contain_text("3 questions answered")
    expect(page.locator("#page-4")).to_contain_text("li.wei@example.org")
    page.goto(resume_link + "/page/4")
    expect(page.locator("h1")).to_have_text(operations.name.en)
    expect(page.locator('input[name="op_systems"][value="2"]')).to_be_checked()
    expect(page.locator('input[name="op_supply_chain"][value="system_files"]')).to_be_checked()
    assert outside == [] and outside_colleague == []

"""What a person does on the app's pages in a real browser, shared by the browser tests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from factories import form_values

# How long a page, a navigation or an expected state may take, in ms: a results page draws its charts after a
# submit that scores, stores and refreshes statistics, which takes a while on a busy 2-core machine.
TIMEOUT = 60_000
RESULTS = re.compile(r"/a/[^/]+/results$")  # where submitting an assessment leads


def new_page(browser: Browser, **context_options) -> Page:
    """A page in a fresh browser context (`context_options`: locale...) whose actions and navigations wait TIMEOUT."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT)
    context.set_default_navigation_timeout(TIMEOUT)
    return context.new_page()


def guard_offline(page: Page, base_url: str) -> list[str]:
    """Refuse every request that leaves the app, and collect them, so the test proves the page works offline."""
    outside: list[str] = []
    host = urlsplit(base_url).netloc

    def route(route_request):
        url = route_request.request.url
        if urlsplit(url).netloc != host and not url.startswith("data:"):
            outside.append(url)
            return route_request.abort()
        return route_request.continue_()

    page.route("**/*", route)
    return outside


def fill_page(page: Page, questions, answers: dict) -> None:
    """Answer the shown questions of one page as a person would: click levels, tick boxes, type numbers."""
    for question in questions:
        if question.id not in answers or page.locator(f"#q-{question.id}").is_hidden():
            continue
        for name, value in form_values(question, answers[question.id]).items():
            if question.type in ("number", "text") and not name.endswith("__na"):
                page.fill(f'[name="{name}"]', value)
            elif name.endswith("__na"):
                page.check(f'input[name="{name}"]')
            elif isinstance(value, list):
                for option in value:
                    page.check(f'input[name="{name}"][value="{option}"]')
            else:
                page.check(f'input[name="{name}"][value="{value}"]')


def expect_answers_shown(page: Page, questions, answers: dict) -> None:
    """Every saved answer of a page is shown again, checked or filled in."""
    for question in questions:
        if question.id not in answers:
            continue
        for name, value in form_values(question, answers[question.id]).items():
            if question.type in ("number", "text") and not name.endswith("__na"):
                expect(page.locator(f'[name="{name}"]')).to_have_value(value)
            elif name.endswith("__na"):
                expect(page.locator(f'input[name="{name}"]')).to_be_checked()
            else:
                for option in value if isinstance(value, list) else [value]:
                    expect(page.locator(f'input[name="{name}"][value="{option}"]')).to_be_checked()

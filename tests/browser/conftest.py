"""Fixtures for tests that drive a real Chromium against the app served on a local port."""

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_pages import TIMEOUT, new_page
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
FAILURE_SCREENSHOTS = Path("/tmp/imready-browser-failures")
# Debian's Chromium in a root container: no sandbox, no GPU, and no background traffic that could slow or flake a run.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent
reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()
expect.set_options(timeout=TIMEOUT)  # every expect(...) waits as long as a page may take, not Playwright's 5 s


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser as a browser test."""
    # This hook sees the whole session's items, not only this directory's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(reports_key, {})[report.when] = report
    return report


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port and yield its base URL, which is the app's BASE_URL meanwhile (the
    address its mails and resume links name)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live_server", daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app.config["BASE_URL"]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; run .ci/setup.sh to install Chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page (see browser_pages.new_page); a screenshot is kept if the test fails."""
    page = new_page(browser)
    context = page.context
    try:
        yield page
        call_report = request.node.stash.get(reports_key, {}).get("call")
        if call_report is not None and call_report.failed:
            FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=FAILURE_SCREENSHOTS / f"{name}.png", full_page=True)
    finally:
        context.close()

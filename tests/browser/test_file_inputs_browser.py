"""File inputs read in the page's language in a real Chromium: the browser labels its own file button in the
browser's language ("Choose File"), so the page puts its own button and file name in their place
(static/js/files.js), and the file chosen through that button is the one the form sends."""

from __future__ import annotations

from playwright.sync_api import expect

from factories import make_user


def test_a_chinese_page_chooses_its_file_in_chinese(app, live_server, page, tmp_path):
    make_user(app, "consultant", email="advisor@example.org")
    page.goto(f"{live_server}/language/zh")
    page.goto(f"{live_server}/account/sign-in")
    page.fill("#email", "advisor@example.org")
    page.fill("#password", "a long test password")
    page.click("#sign-in")
    page.wait_for_url("**/workspace/")
    page.goto(f"{live_server}/workspace/clients/import")

    button, chosen = page.locator("#import-form .file-choose"), page.locator("#import-form .file-chosen")
    expect(button).to_have_text("选择文件")
    expect(chosen).to_have_text("未选择文件")
    assert page.locator("#upload").evaluate("input => getComputedStyle(input).opacity") == "0"  # the browser's own

    upload = tmp_path / "客户.csv"
    upload.write_text("not,a,template\n1,2,3\n", encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        button.click()  # the page's button opens the form's own file input
    chooser.value.set_files(str(upload))
    expect(chosen).to_have_text("客户.csv")
    page.click("#import")
    expect(page.locator("#import-report")).to_be_visible()  # the file was sent, and read: its problems listed
    expect(page.locator("#import-problems")).to_be_visible()

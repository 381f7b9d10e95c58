"""Issue 16 in a real Chromium: the roadmap reached from the results page in Chinese names the statistics release
the results showed, and its priority table reads right (no two columns headed alike, the formula's 100 ×)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from factories import on_demo_population

POPULATION = (150, 4)  # demo enterprises, seed (as test_roadmap_browser.py)
pytestmark = on_demo_population(*POPULATION)


def test_roadmap_in_chinese_names_the_release_of_the_results(live_server, page, demo_population):
    token = demo_population(*POPULATION).tokens[-1]
    page.goto(f"{live_server}/a/{token}/results")
    page.click("#lang-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    release = re.search(r"第 (\d+) 版", page.locator("#comparison-release").inner_text()).group(1)
    page.click("#roadmap-link")
    page.select_option("#target", "upper_quartile")
    page.click("#update-plan")
    expect(page.locator("#priority-table")).to_be_visible()
    assert f"release={release}" in page.url  # kept through the settings form
    expect(page.locator("#roadmap-release")).to_contain_text(f"第 {release} 版统计发布")
    headings = page.locator("#priority-table thead th").all_inner_texts()
    assert len(set(headings)) == len(headings) == 8 and "经营目标" in headings
    expect(page.locator("#priority-formula")).to_contain_text("优先级 = 100 × (")
    page.locator("#priorities").screenshot(path="/tmp/imready-issue16-roadmap-zh.png")

"""The agencies' comparison goes down and back up the analyst's own hierarchy: a breadcrumb from the top of what
the analyst may see, "cities ›" on a province that opens into its cities, "up" to the level above and never above
the jurisdiction; a region outside the jurisdiction is refused and shows nothing of it."""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from assessment.classifications import load_regions
from assessment.regional.conditions import IndexRow
from factories import sign_in_as
from web.agencies import province_level_runs

SHANDONG, JIANGSU, CHINA = "370000", "320000", "100000"


@pytest.fixture
def demo_app(make_demo_app):
    """The app on its own copy of 300 demo enterprises (seed 11)."""
    return make_demo_app(300, 11)


def trail(html: str) -> list[tuple[str, str | None]]:
    """The breadcrumb as (name, link target or None for the step shown)."""
    nav = re.search(r'<nav class="hierarchy".*?</nav>', html, re.S).group(0)
    steps = re.findall(r'<li>(?:<a href="([^"]*)">|<span aria-current="page">)([^<]*)<', nav.split("</ol>")[0])
    return [(name, unescape(href) or None) for href, name in steps]


def up_link(html: str) -> tuple[str, str] | None:
    """The "up" link as (text, target); None without one."""
    found = re.search(r'<a href="([^"]*)" id="drill-up">([^<]*)</a>', html)
    return (found.group(2), unescape(found.group(1))) if found else None


def regions_of(html: str) -> list[str]:
    return re.findall(r'<tr id="region-(\d{6})"', html)


def drill_links(html: str) -> dict[str, str]:
    """Each row's "cities ›" link target, by region code."""
    rows = re.findall(r'<tr id="region-(\d{6})"(.*?)</tr>', html, re.S)
    return {code: unescape(found.group(1)) for code, row in rows
            if (found := re.search(r'<a class="drill" href="([^"]*)"', row))}


def within_of(url: str) -> str | None:
    """The `within` (or chosen `region`) of a link, None when it has neither: the top of the analyst's view."""
    query = parse_qs(urlsplit(url).query)
    assert "region" not in query
    return query.get("within", [None])[0]


def test_a_national_user_goes_down_into_a_province_and_back_up(demo_app):
    sign_in_as(demo_app, "agency", jurisdiction=CHINA)
    client, cities = demo_app.test_client(), [city.code for city in load_regions().children(SHANDONG)]
    top = client.get("/agencies/?period=2025").text
    assert trail(top) == [("China", None)] and up_link(top) is None
    provinces = regions_of(top)
    assert SHANDONG in provinces and provinces[-1] == CHINA
    down = drill_links(top)[SHANDONG]
    assert within_of(down) == SHANDONG and "period=2025" in down

    opened = client.get(down).text
    assert regions_of(opened) == [SHANDONG, *cities]  # its cities, the province first: not the same view again
    (china, china_link), shandong = trail(opened)
    assert china == "China" and within_of(china_link) is None and shandong == ("Shandong", None)
    text, up = up_link(opened)
    assert text == "↑ Up to China" and within_of(up) is None and "period=2025" in up
    assert SHANDONG not in drill_links(opened)  # the province shown opens into nothing new
    assert regions_of(client.get(up).text) == provinces


def test_a_one_province_analyst_starts_at_its_province_and_never_goes_above_it(demo_app):
    sign_in_as(demo_app, "agency", email="shandong@example.org", jurisdiction=SHANDONG)
    client, cities = demo_app.test_client(), [city.code for city in load_regions().children(SHANDONG)]
    for url in ("/agencies/?period=2025", f"/agencies/?period=2025&within={SHANDONG}"):
        html = client.get(url).text
        assert regions_of(html) == [SHANDONG, *cities]
        # the province is the top: no "China" above it, no way up, and no "cities ›" reloading the same view
        assert trail(html) == [("Shandong", None)] and up_link(html) is None
        assert drill_links(html) == {} and "Back to all provinces" not in html

    chosen = client.get("/agencies/?period=2025&region=370100&region=370200").text
    assert regions_of(chosen) == ["370100", "370200"]
    (shandong, shandong_link), step = trail(chosen)
    assert shandong == "Shandong" and within_of(shandong_link) is None and step == ("Regions chosen", None)
    text, up = up_link(chosen)
    assert text == "↑ Up to Shandong" and within_of(up) is None
    assert regions_of(client.get(up).text) == [SHANDONG, *cities]


def test_the_breadcrumb_reads_in_chinese(demo_app):
    sign_in_as(demo_app, "agency", jurisdiction=CHINA)
    html = demo_app.test_client().get(f"/agencies/?period=2025&within={SHANDONG}",
                                      headers={"Accept-Language": "zh-CN"}).text
    assert [name for name, _link in trail(html)] == ["中国", "山东省"]
    assert up_link(html)[0] == "↑ 返回上一级：中国"
    assert "仅有省级指标：区域指标只统计到各省和全国，城市没有。" in html


@pytest.mark.parametrize("query", [f"within={JIANGSU}", f"region={JIANGSU}", "region=320100", f"within={CHINA}",
                                   f"region={CHINA}", f"region={SHANDONG}&region={JIANGSU}"])
def test_a_region_outside_the_jurisdiction_is_refused_and_shows_nothing_of_it(demo_app, query):
    # Played as the attacker: an analyst of Shandong edits the query string to look at Jiangsu or the country.
    sign_in_as(demo_app, "agency", email="shandong@example.org", jurisdiction=SHANDONG)
    client = demo_app.test_client()
    for url in (f"/agencies/?period=2025&{query}", f"/agencies/export.csv?period=2025&{query}"):
        response = client.get(url)
        assert response.status_code == 400 and 'id="problems"' in response.text
        assert regions_of(response.text) == [] and 'id="comparison"' not in response.text
        for name in ("Jiangsu", "Nanjing", "China"):
            assert name not in response.text


def test_one_note_spans_each_run_of_neighbouring_city_rows():
    # chosen regions: two Shandong cities, Jiangsu, a Jiangsu city and a Shandong one, then a city that has
    # indicators of its own (inputs) keeps its row
    regions = load_regions()

    def row(code: str, inputs: tuple = ()) -> IndexRow:
        return IndexRow(code, code, (), inputs)

    rows = [row("370100"), row("370200"), row(JIANGSU, ((),)), row("320100"), row("370300"), row("370400", ((),))]
    runs = province_level_runs(SimpleNamespace(rows=tuple(rows)), regions)
    assert runs == {"370100": 2, "370200": 0, "320100": 2, "370300": 0}

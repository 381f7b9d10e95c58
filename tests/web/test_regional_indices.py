"""The agencies' view lets an analyst pick a regional index; the default stays the enabling-conditions index."""

from __future__ import annotations

import re

import pytest

from factories import sign_in_as

SHANDONG = "370000"


@pytest.fixture
def demo_app(make_demo_app):
    app = make_demo_app(300, 11)
    sign_in_as(app, "agency", jurisdiction="100000")
    return app


def index_cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr id="index-{code}".*?</tr>', html, re.S)
    assert row, f"no index row for {code}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(0),
                                                                          re.S)]


def test_the_index_is_offered_and_the_default_is_the_enabling_conditions(demo_app):
    html = demo_app.test_client().get("/agencies/?period=2025").text
    assert '<option selected value="enabling_conditions">' in html
    assert '<option value="two_integration">' in html
    assert "with the country at 100" in html and "<h2>Regional enabling conditions</h2>" in html


def test_the_two_integration_index_is_a_weighted_sum_as_published(demo_app):
    html = demo_app.test_client().get("/agencies/?period=2025&index=two_integration").text
    # Shandong's synthetic sub-indices 2025: base 69.0, application 48.7, benefits 60.7
    # 0.2·69.0 + 0.5·48.7 + 0.3·60.7 = 13.8 + 24.35 + 18.21 = 56.36 -> 56.4
    assert index_cells(html, SHANDONG)[2:6] == ["56.4", "69.0", "48.7", "60.7"]
    assert "already scores" in html and "Weights: illustrative, our judgement" in html
    assert "Score as published" in html and 'id="conditions-synthetic"' in html
    assert "<h2>Two-integration development index (form of the published index)</h2>" in html
    assert "with the country at 100" not in html


def test_an_unknown_index_is_refused_naming_the_field(demo_app):
    response = demo_app.test_client().get("/agencies/?period=2025&index=nowhere")
    assert response.status_code == 400 and "Regional index" in response.text and "nowhere" in response.text


@pytest.mark.parametrize(("language", "says"), [("en", "Weights: our judgement, not a published source"),
                                                 ("zh", "权重依据：本平台的判断")])
def test_the_methodology_page_has_the_regional_part(client, language, says):
    client.get(f"/language/{language}")
    html = client.get("/methodology/quick_check").text
    assert 'id="regional-indices"' in html
    assert 'id="index-enabling_conditions"' in html and 'id="index-two_integration"' in html
    assert says in html
    if language == "en":
        assert "SMEs served by industrial-internet platforms per 10,000 residents" in html
        assert "the indicators are already scores" in html

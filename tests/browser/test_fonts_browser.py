"""English pages draw Latin quotes and apostrophes narrow, with a Latin font; Chinese pages full width, with the CJK
font (a CJK font put first draws “Synthetic enterprises” with wide quotes on an English page)."""

from __future__ import annotations

import pytest

WIDTHS = """() => {
  const width = (text) => {
    const span = document.createElement("span");
    span.textContent = text;
    document.querySelector("main").append(span);
    const found = span.getBoundingClientRect().width;
    span.remove();
    return found;
  };
  return {quote: width("“"), apostrophe: width("’"), han: width("企")};
}"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_latin_quotes_are_narrow_in_english_and_full_width_in_chinese(language, page, live_server):
    page.goto(f"{live_server}/language/{language}?next=/")
    widths = page.evaluate(WIDTHS)
    if language == "en":
        # DejaVu Sans draws “ at about 0.4 em and ’ at about 0.3 em, a Han character takes 1 em
        assert widths["quote"] < 0.6 * widths["han"] and widths["apostrophe"] < 0.6 * widths["han"], widths
    else:
        assert widths["quote"] == pytest.approx(widths["han"], rel=0.05), widths

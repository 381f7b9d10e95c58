"""What an enterprise types is shown as text, never run or parsed as markup: in pages and in the PDF report."""

from __future__ import annotations

from factories import csrf_token, pdf_text

NAME = '<script>alert("x")</script> & <b>Sons</b>'
OBSTACLE = "<img src=x onerror=alert(1)> costs & </td></tr> risk"


def test_names_and_free_text_are_escaped_in_pages_and_pdf(client, survey, example_answers):
    token = survey.start(name=NAME)
    survey.answer_all(token, {**example_answers, "sp_obstacle": OBSTACLE})
    review = client.get(f"/a/{token}/review").text
    assert "<img src=x" not in review
    assert "&lt;img src=x onerror=alert(1)&gt; costs &amp; &lt;/td&gt;&lt;/tr&gt; risk" in review
    survey.submit(token)
    for url in (f"/a/{token}/results", f"/a/{token}/roadmap"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Sons&lt;/b&gt;" in html, url
    roadmap = client.get(f"/a/{token}/roadmap").text
    pdf = client.post(f"/a/{token}/report.pdf", data={"csrf_token": csrf_token(roadmap), "language": "en",
                                                      "brand_colour": "#2f6f9f"})  # fmt: skip
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.data).split())
    # markup would have been parsed away; escaped, it prints as the characters typed
    assert NAME in text
    assert OBSTACLE in text

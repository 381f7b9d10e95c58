"""The enterprise report and the roadmap page through the app, on 300 synthetic quick-check enterprises.

Every PDF is opened: its text extracted with pdftotext and checked against the enterprise's stored scores and its
plan, its pages rendered with pdftoppm and checked not blank, its fonts listed with pdffonts.
"""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from PIL import Image
from sqlmodel import Session, select

from assessment.roadmap import Settings, Target, build_plan
from assessment.scoring import Result
from factories import database_copy, make_app, pdf_text
from reports.enterprise_report import Branding, BrandingError
from storage.statistics import comparison
from storage.tables import Assessment, Enterprise

SETTINGS_FORM = {"goal": ["cost", "quality"], "target": "upper_quartile"}
POPULATION = (300, 5)  # demo enterprises, seed
CONFIG = {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def app(make_demo_app):
    """The app on this test's own copy of the 300 demo enterprises."""
    return make_demo_app(*POPULATION, **CONFIG)


def find_subject(app, tokens) -> dict:
    """An enterprise of the latest period in a published cohort: its assessment, stored result, comparison and plan
    for SETTINGS_FORM."""
    catalog = app.extensions["questionnaires"]
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        for token in reversed(tokens):
            assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
            questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
            result = Result.from_dict(questionnaire, assessment.result)
            compared = comparison(session=session, assessment=assessment, result=result,
                                  questionnaire=questionnaire)  # fmt: skip
            if compared is not None:
                break
        enterprise = session.get(Enterprise, assessment.enterprise_id)
    settings = Settings(default=Target("upper_quartile"), goals=frozenset({"cost", "quality"}))
    plan = build_plan(questionnaire, result, compared, settings, industry_type=enterprise.industry_type,
                      size=enterprise.size_class)  # fmt: skip
    return {"token": assessment.token, "assessment": assessment, "enterprise": enterprise, "q": questionnaire,
            "result": result, "compared": compared, "plan": plan}  # fmt: skip


@pytest.fixture
def subject(app, demo_population):
    """The subject enterprise in this test's copy (the same enterprise in every copy)."""
    return find_subject(app, demo_population(*POPULATION).tokens)


def page_images(pdf: bytes, tmp_path) -> list[Image.Image]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    return [Image.open(png).convert("L") for png in sorted(tmp_path.glob("page-*.png"))]


def ink(image: Image.Image) -> float:
    """The share of pixels that are not near white."""
    histogram = image.histogram()
    return sum(histogram[:230]) / sum(histogram)


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def english_pdf(demo_population, tmp_path_factory):
    """The subject's English report, printed once for the module on a copy of the population of its own (which only
    this fixture touches; the tests read the bytes)."""
    population = demo_population(*POPULATION)
    folder = tmp_path_factory.mktemp("english")
    with database_copy(population.template, folder) as (_copy, url):
        app = make_app(url, folder / "instance", **CONFIG)
        subject = find_subject(app, population.tokens)
        response = app.test_client().post(
            f"/a/{subject['token']}/report.pdf",
            data={**SETTINGS_FORM, "language": "en", "brand_name": "Northbridge Advisory", "brand_colour": "#884422"},
        )
        app.extensions["db_engine"].dispose()
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def test_report_text_holds_the_enterprise_scores_and_its_plan(english_pdf, subject):
    text = squeeze(pdf_text(english_pdf))
    q, result, plan = subject["q"], subject["result"], subject["plan"]
    assert subject["enterprise"].name in text
    assert "Prepared by Northbridge Advisory with imready" in text
    overall = result.overall(q)
    assert f"Overall {overall.level} · " in text and f"({overall.score:.2f} / 5)" in text
    for dimension in q.dimensions:  # the dimension table: name, score, level
        node = result.nodes[dimension.id]
        row = subject["compared"].nodes[dimension.id]
        # pdftotext sometimes drops the space before the dot ("2.00 2· Standardised"), depending on the glyphs
        assert re.search(rf"{re.escape(dimension.name.en)} {node.score:.2f} {node.level} ?· ", text), dimension.id
        assert f"{row.rank:.0f} {row.q1:.2f} {row.median:.2f} {row.q3:.2f} {row.p90:.2f}" in text
    for priority in plan.priorities:  # the priority table carries the engine's numbers
        assert f"{priority.score:.2f} → {priority.target_score:.2f}" in text
        assert f"{100 * priority.value:.1f}" in text
    assert plan.steps, "the demo enterprise should have something to do"
    for step in plan.steps:  # every action card
        assert squeeze(step.action.title.en) in text
    assert f"{subject['compared'].count} enterprises" in text
    for heading in ("Executive summary", "Gaps and priorities", "Roadmap", "Actions", "Methodology",
                    "Benchmark provenance", "Appendix: answers"):  # fmt: skip
        assert heading in text
    assert "could not be drawn" not in text


def test_report_shows_the_benefit_figures_once_with_their_caveat_and_the_steps_in_place(english_pdf, subject):
    text = squeeze(pdf_text(english_pdf))
    plan = subject["plan"]
    assert subject["q"].version == "2.0" and plan.benefit_context is not None
    # the survey's figures: one block, with its caveat and source, and no action card repeats them
    assert text.count("34 % higher productivity") == 1
    assert squeeze(plan.benefit_context.caveat.en) in text
    assert "What comparable projects achieved" in text and "Read with care" in text
    for step in plan.steps:
        assert step.action.benefit is None or "%" not in step.action.benefit.text.en
    for item in plan.in_place:  # steps the answers show done: listed, never planned
        assert (item.dimension, item.level) not in {(s.dimension, s.level) for s in plan.steps}
        assert squeeze(item.action.title.en) in text


def test_report_pages_are_drawn_and_not_blank(english_pdf, tmp_path):
    pages = page_images(english_pdf, tmp_path)
    assert 8 <= len(pages) <= 16
    for number, page in enumerate(pages, start=1):
        assert ink(page) > 0.01, f"page {number} is blank"
    # charts are vector drawings: the pages with charts carry far more ink than text alone
    assert max(ink(page) for page in pages[1:]) > 0.05


def test_chinese_report_prints_chinese_with_an_embedded_cjk_font(app, subject, tmp_path):
    response = app.test_client().post(f"/a/{subject['token']}/report.pdf", data={**SETTINGS_FORM, "language": "zh"})
    assert response.status_code == 200
    text = squeeze(pdf_text(response.data))
    for dimension in subject["q"].dimensions:
        assert dimension.name.zh in text
    assert "执行摘要" in text and "差距与优先级" in text and "附录：答卷" in text
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded, so glyphs print, not boxes
    pages = page_images(response.data, tmp_path)
    assert all(ink(page) > 0.01 for page in pages)


def test_without_a_browser_the_report_prints_tables_and_says_so(app, subject, tmp_path):
    broken = make_app(app.config["DATABASE_URL"], tmp_path / "instance", **CONFIG,
                      CHROMIUM_PATH="/nonexistent/chromium")  # fmt: skip
    response = broken.test_client().post(f"/a/{subject['token']}/report.pdf", data={**SETTINGS_FORM, "language": "en"})
    broken.extensions["db_engine"].dispose()
    assert response.status_code == 200
    text = squeeze(pdf_text(response.data))
    assert "The charts could not be drawn for this report (no browser to draw them was found)" in text
    for dimension in subject["q"].dimensions:
        assert dimension.name.en in text
    for priority in subject["plan"].priorities:
        assert f"{100 * priority.value:.1f}" in text


def test_bad_branding_is_refused_with_the_field_and_nothing_lost(app, subject):
    response = app.test_client().post(
        f"/a/{subject['token']}/report.pdf",
        data={**SETTINGS_FORM, "language": "en", "brand_name": "Northbridge Advisory", "brand_colour": "red",
              "brand_logo": (io.BytesIO(b"GIF89a not a png"), "logo.gif")},  # fmt: skip
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="brand_colour-error"' in page and "Use the form #2f6f9f." in page
    assert 'id="brand_logo-error"' not in page  # the form's own check stops first; the logo is checked next time
    assert 'value="Northbridge Advisory"' in page
    for name, value in (("goal", "cost"), ("goal", "quality"), ("target", "upper_quartile")):
        assert f'name="{name}" value="{value}"' in page


def test_a_logo_that_is_not_an_image_is_refused(app, subject):
    response = app.test_client().post(
        f"/a/{subject['token']}/report.pdf",
        data={"language": "en", "brand_colour": "#123456", "brand_logo": (io.BytesIO(b"GIF89a..."), "logo.gif")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The logo must be a PNG or JPEG image." in response.get_data(as_text=True)


def test_roadmap_page_shows_the_engine_s_priorities(app, subject):
    page = app.test_client().get(f"/a/{subject['token']}/roadmap?goal=cost&goal=quality&target=upper_quartile")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for priority in subject["plan"].priorities:
        row = html[html.index(f'id="priority-{priority.dimension}"') :]
        row = row[: row.index("</tr>")]
        assert f"<strong>{100 * priority.value:.1f}</strong>" in row
    assert "0.35 × gap + 0.15 × weight + 0.25 × distance to group + 0.25 × goals" in html
    for step in subject["plan"].steps:
        assert f'id="step-{step.dimension}-{step.level}"' in html


def test_unknown_settings_are_named_and_the_plan_still_shows(app, subject):
    page = app.test_client().get(f"/a/{subject['token']}/roadmap?target=everything&goal=happiness")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "target: &#39;everything&#39; is not a target." in html
    assert "goal: &#39;happiness&#39; is not a business goal." in html
    assert 'id="priority-table"' in html


def test_a_truncated_logo_is_refused_before_it_is_stored():
    logo = io.BytesIO()
    Image.new("RGB", (40, 20), "#aa3300").save(logo, "PNG")
    whole = logo.getvalue()
    assert Branding("Harbour", "#336699", whole).logo_type == "image/png"
    for broken in (whole[: len(whole) // 2], b"\x89PNG\r\n\x1a\n" + b"\x00" * 32):
        with pytest.raises(BrandingError, match="The logo must be a PNG or JPEG image."):
            Branding("Harbour", "#336699", broken)

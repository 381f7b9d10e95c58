"""The report batch page starts with nothing ticked, takes the consultant's saved branding as its default, and
shows what each batch holds: how many enterprises, their names, and the branding of the reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from factories import client_as, make_user
from storage.tables import Assessment, Enterprise, ReportBatch, User

T0 = datetime(2026, 3, 1, tzinfo=UTC)
CLIENTS = ("Anchor Castings", "Birch Looms", "Cedar Pumps", "Dune Glass", "Elm Wires")


@pytest.fixture
def consultant_world(app):
    """A consultant with saved branding, five clients with a submitted quick check each, and a batch of four."""
    consultant = make_user(app, "consultant")
    with Session(app.extensions["db_engine"]) as session:
        saved = session.get(User, consultant.id)
        saved.brand_name, saved.brand_colour = "Harbour Advisory", "#aa3300"
        session.add(saved)
        ids = []
        for number, name in enumerate(CLIENTS):
            enterprise = Enterprise(name=name, region_code="370400", industry_code="34", industry_type="discrete",
                                    employees=40, revenue_million_yuan=8.0, size_class="small",
                                    consultant_id=consultant.id)  # fmt: skip
            session.add(enterprise)
            session.flush()
            assessment = Assessment(enterprise_id=enterprise.id, questionnaire_id="quick_check",
                                    questionnaire_version="2.0", token=f"batch-token-{number}", status="submitted",
                                    submitted_at=T0, overall_score=2.0, overall_level=2)  # fmt: skip
            session.add(assessment)
            session.flush()
            ids.append(assessment.id)
        batch = ReportBatch(settings={}, brand_name="Harbour Advisory", brand_colour="#aa3300", assessment_ids=ids[:4],
                            user_id=consultant.id, status="done", done=4, brand_logo=b"logo")  # fmt: skip
        session.add(batch)
        session.commit()
        batch_id = batch.id
    return client_as(app, consultant), batch_id


def test_nothing_is_ticked_at_start(consultant_world):
    client, _batch_id = consultant_world
    page = client.get("/reports/batches?q=quick_check").text
    boxes = re.findall(r'<input type="checkbox" name="assessment"[^>]*>', page)
    assert len(boxes) == 5 and not any("checked" in box for box in boxes)
    assert "checked" not in re.search(r'<input type="checkbox" id="select-all"[^>]*>', page)[0]
    assert "Shandong / Zaozhuang" in page  # region names, not the code 370400


def test_the_branding_defaults_to_the_saved_one(consultant_world):
    client, _batch_id = consultant_world
    page = client.get("/reports/batches?q=quick_check").text
    assert re.search(r'<input[^>]*id="brand_name"[^>]*value="Harbour Advisory"', page)
    assert re.search(r'<input[^>]*id="brand_colour"[^>]*value="#aa3300"', page)


def test_the_list_and_the_page_show_what_a_batch_holds(consultant_world):
    client, batch_id = consultant_world
    row = re.search(rf'<tr id="batch-{batch_id}">.*?</tr>', client.get("/reports/batches").text, re.S)[0]
    # four enterprises: the first three names in full, the fourth counted, all four on hover
    summary = r"<strong>Enterprises: 4</strong><br>\s*<span[^>]*>Anchor Castings, Birch Looms, Cedar Pumps and 1 more"
    assert re.search(summary, row)
    assert 'title="Anchor Castings, Birch Looms, Cedar Pumps, Dune Glass"' in row
    assert "Harbour Advisory" in row and 'fill="#aa3300"' in row and "logo" in row and "Done" in row
    page = client.get(f"/reports/batches/{batch_id}").text
    listed = re.search(r'<ul id="batch-enterprises">(.*?)</ul>', page, re.S)[1]
    assert re.findall(r"<li>([^<]+)</li>", listed) == list(CLIENTS[:4])  # Elm Wires is not in the batch
    assert "Harbour Advisory" in page


def test_another_consultant_sees_neither_the_batch_nor_its_names(app, consultant_world):
    _client, batch_id = consultant_world
    other = client_as(app, make_user(app, "consultant", email="other@example.org"))
    assert other.get(f"/reports/batches/{batch_id}").status_code == 404
    assert "Anchor Castings" not in other.get("/reports/batches").text


def test_the_batch_pages_read_in_chinese(consultant_world):
    client, batch_id = consultant_world
    client.get("/language/zh")
    listing = client.get("/reports/batches?q=quick_check").text
    assert "企业：4家" in listing and "山东省 / 枣庄市" in listing and "已完成" in listing
    page = client.get(f"/reports/batches/{batch_id}").text
    assert "企业：4家" in page and "标志" in page and ">done<" not in page

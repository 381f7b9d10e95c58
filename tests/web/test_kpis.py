"""An enterprise's own KPIs through the pages: entered at its first assessment and again at the next, then shown on
the results page and in the PDF report as its own change, in English and in Chinese; a wrong entry names the field
and keeps what was typed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from factories import csrf_token, pdf_text
from storage.assessments import start_reassessment
from storage.tables import Assessment, AuditEvent, Enterprise, EnterpriseKpi

FIRST = {  # the baseline, 2025
    "oee_value": "60", "oee_period_start": "2025-01-01", "oee_period_end": "2025-12-31",
    "defect_rate_value": "0.5", "defect_rate_unit": "%", "defect_rate_period_start": "2025-01-01",
    "defect_rate_period_end": "2025-12-31",
    "energy_per_unit_value": "500", "energy_per_unit_unit": "kWh/t", "energy_per_unit_period_start": "2025-01-01",
    "energy_per_unit_period_end": "2025-12-31",
    "lead_time_value": "10", "lead_time_period_start": "2025-01-01", "lead_time_period_end": "2025-12-31",
}  # fmt: skip
SECOND = {  # a year later: OEE up, defects down (now in ppm), energy in another unit, lead time up
    "oee_value": "66", "oee_period_start": "2026-01-01", "oee_period_end": "2026-10-31",
    "defect_rate_value": "4000", "defect_rate_unit": "ppm", "defect_rate_period_start": "2026-01-01",
    "defect_rate_period_end": "2026-10-31",
    "energy_per_unit_value": "0.45", "energy_per_unit_unit": "MWh/t", "energy_per_unit_period_start": "2026-01-01",
    "energy_per_unit_period_end": "2026-10-31",
    "lead_time_value": "12", "lead_time_period_start": "2026-01-01", "lead_time_period_end": "2026-10-31",
}  # fmt: skip


def enter(client, token: str, values: dict):
    page = client.get(f"/a/{token}/kpis")
    return client.post(f"/a/{token}/kpis", data={**values, "csrf_token": csrf_token(page.text)})


@pytest.fixture
def two_assessments(app, survey, example_answers):
    """An enterprise's first quick check and its next, both submitted, with KPIs entered at each: the tokens."""
    first = survey.start()
    survey.answer_all(first, example_answers)
    survey.submit(first)
    assert enter(survey.client, first, FIRST).status_code == 302
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == first)).one()
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        second = start_reassessment(session=session, enterprise=enterprise,
                                    questionnaire=survey.questionnaire("quick_check")).token
    survey.answer_all(second, example_answers)
    survey.submit(second)
    assert enter(survey.client, second, SECOND).status_code == 302
    return first, second


def cells(html: str, kpi: str) -> list[str]:
    """The text of each cell of one KPI's row in the change table."""
    row = re.search(rf'<tr id="kpi-{kpi}"[^>]*>(.*?)</tr>', html, re.S)[1]
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_results_page_shows_the_enterprise_s_own_change(client, two_assessments):
    _first, second = two_assessments
    html = client.get(f"/a/{second}/results").text
    # OEE 60 % -> 66 %: +6 %, +6/60 = +10.0 %; higher is better
    assert cells(html, "oee") == ["OEE (overall equipment effectiveness)", "60 % (2025-01-01 – 2025-12-31)",
                                  "66 % (2026-01-01 – 2026-10-31)", "+6 % (+10.0 %)", "better"]  # fmt: skip
    # defect rate 0.5 % = 5,000 ppm -> 4,000 ppm: -1,000 ppm, -1000/5000 = -20.0 %; lower is better
    assert cells(html, "defect_rate")[3:] == ["-1000 ppm (-20.0 %)", "better"]
    # energy 500 kWh/t against 0.45 MWh/t: units the enterprise named differently are not converted
    assert cells(html, "energy_per_unit")[3:] == ["not comparable: different units", "—"]
    # lead time 10 -> 12 days: +2 days, +20.0 %; lower is better, so worse
    assert cells(html, "lead_time")[3:] == ["+2 days (+20.0 %)", "worse"]
    assert "pilot" not in html.lower()


def test_the_first_assessment_shows_its_baseline_alone(client, two_assessments):
    first, _second = two_assessments
    html = client.get(f"/a/{first}/results").text
    assert cells(html, "oee") == ["OEE (overall equipment effectiveness)", "—", "60 % (2025-01-01 – 2025-12-31)",
                                  "—", "—"]  # fmt: skip


def test_the_results_page_in_chinese(client, two_assessments):
    _first, second = two_assessments
    client.get("/language/zh")
    html = client.get(f"/a/{second}/results").text
    assert cells(html, "defect_rate")[0] == "不良率" and cells(html, "defect_rate")[4] == "改善"
    assert cells(html, "lead_time")[3:] == ["+2 天 (+20.0 %)", "变差"]
    assert "自有指标：与上次评估相比的变化" in html


def test_the_pdf_report_shows_the_change(app, client, two_assessments):
    _first, second = two_assessments
    app.config.update(WTF_CSRF_ENABLED=False, CHROMIUM_PATH="/nonexistent/chromium")  # tables only: no charts
    for language, expected in (("en", ["Your own KPIs: change since the previous assessment",
                                       "+6 % (+10.0 %) better", "-1000 ppm (-20.0 %) better",
                                       "+2 days (+20.0 %) worse"]),
                               ("zh", ["自有指标：与上次评估相比的变化", "不良率", "改善", "+2 天 (+20.0 %) 变差"])):
        response = client.post(f"/a/{second}/report.pdf", data={"language": language, "target": "upper_quartile"})
        assert response.status_code == 200, response.data[:300]
        text = " ".join(pdf_text(response.data).split())
        for part in expected:
            assert part in text, (language, part)


def test_a_wrong_entry_names_the_field_keeps_what_was_typed_and_saves_nothing(app, client, survey):
    token = survey.start()
    typed = {**FIRST, "oee_value": "160", "defect_rate_unit": "permille", "lead_time_period_end": "2024-12-31"}
    response = enter(client, token, typed)
    assert response.status_code == 400
    errors = re.findall(r'<p class="error" role="alert"[^>]*>(.*?)</p>', response.text)
    assert errors == ["OEE (overall equipment effectiveness), value: enter a number from 0 to 100",
                      "Defect rate, unit: choose one of the units offered",
                      "Lead time, period to: the period ends before it starts".replace("Lead", "Order lead")]
    assert 'value="160"' in response.text and 'value="kWh/t"' in response.text  # as typed
    assert 'value="2024-12-31"' in response.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(EnterpriseKpi)).all() == []


def test_an_empty_kpi_is_not_entered_and_a_half_filled_one_is_refused(app, client, survey):
    token = survey.start()
    response = enter(client, token, {"oee_value": "71.5", "oee_period_start": "2025-01-01",
                                     "oee_period_end": "2025-06-30", "lead_time_value": "8"})
    assert response.status_code == 400
    assert "Order lead time, period from: this field is required" in response.text
    assert enter(client, token, {"oee_value": "71,5", "oee_period_start": "2025-01-01",
                                 "oee_period_end": "2025-06-30"}).status_code == 302
    with Session(app.extensions["db_engine"]) as session:
        rows = session.exec(select(EnterpriseKpi)).all()
        event = session.exec(select(AuditEvent).where(AuditEvent.detail.startswith("KPIs entered"))).one()
    assert [(row.kpi, row.value, row.unit) for row in rows] == [("oee", 71.5, "%")]
    assert event.detail == "KPIs entered: oee"
    page = client.get(f"/a/{token}/kpis").text
    assert 'value="71.5"' in page and 'value="2025-06-30"' in page  # shown again as saved

"""An enterprise's own KPIs (storage/kpis.py): what is accepted, and the change from one assessment to the next."""

from __future__ import annotations

from datetime import date

import pytest

from storage.assessments import start_assessment, start_reassessment
from storage.kpis import KPIS, KpiValue, check_kpi, compare, converted, kpi_changes, kpis_of, save_kpis
from storage.tables import Enterprise, EnterpriseBase, EnterpriseKpi

PROFILE = dict(region_code="370200", industry_code="34", industry_type="discrete", employees=120,
               revenue_million_yuan=50.0, size_class="small")  # fmt: skip
Y2025 = ("2025-01-01", "2025-12-31")


@pytest.mark.parametrize(("kpi", "value", "unit", "period", "problems"), [
    ("oee", "62.5", "%", Y2025, {}),
    ("oee", "62,5", "%", Y2025, {}),  # a decimal comma is read as a point
    ("oee", "100", "%", Y2025, {}),
    ("oee", "100.1", "%", Y2025, {"value": "out_of_range"}),
    ("oee", "-1", "%", Y2025, {"value": "out_of_range"}),
    ("oee", "nan", "%", Y2025, {"value": "out_of_range"}),
    ("oee", "sixty", "%", Y2025, {"value": "not_a_number"}),
    ("oee", "", "%", Y2025, {"value": "missing"}),
    ("oee", "60", "ppm", Y2025, {"unit": "unknown_unit"}),
    ("defect_rate", "1500", "ppm", Y2025, {}),
    ("defect_rate", "150", "%", Y2025, {"value": "out_of_range"}),  # % stops at 100, ppm at 1,000,000
    ("defect_rate", "150", "", Y2025, {"unit": "missing"}),  # without a unit, checked against the widest (ppm)
    ("energy_per_unit", "420", "kWh/t", Y2025, {}),
    ("energy_per_unit", "420", "", Y2025, {"unit": "missing"}),
    ("energy_per_unit", "420", "k" * 41, Y2025, {"unit": "too_long"}),
    ("lead_time", "12", "days", ("2025-01-01", ""), {"period_end": "missing"}),
    ("lead_time", "12", "days", ("2025-13-01", "2025-12-31"), {"period_start": "not_a_date"}),
    ("lead_time", "12", "days", ("2025-12-31", "2025-01-01"), {"period_end": "period_order"}),
])  # fmt: skip
def test_check_kpi_names_each_problem_by_field(kpi, value, unit, period, problems):
    checked, found = check_kpi(kpi, value, unit, *period)
    assert found == problems
    assert (checked is None) == bool(problems)


def test_a_checked_kpi_keeps_its_value_unit_and_period():
    checked, _ = check_kpi("energy_per_unit", " 412.5 ", " kWh/t ", "2025-07-01", "2025-12-31")
    assert checked == KpiValue("energy_per_unit", 412.5, "kWh/t", date(2025, 7, 1), date(2025, 12, 31))


def row(kpi: str, value: float, unit: str) -> EnterpriseKpi:
    return EnterpriseKpi(enterprise_id=1, assessment_id=1, kpi=kpi, value=value, unit=unit,
                         period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))


@pytest.mark.parametrize(("kpi", "then", "now", "change", "percent", "verdict"), [
    # OEE 60 % -> 66 %: +6 points, +6/60 = +10 %, higher is better
    ("oee", (60, "%"), (66, "%"), 6.0, 10.0, "better"),
    ("oee", (60, "%"), (54, "%"), -6.0, -10.0, "worse"),
    # defect rate 2 % -> 1.5 %: -0.5 points, -0.5/2 = -25 %, lower is better
    ("defect_rate", (2, "%"), (1.5, "%"), -0.5, -25.0, "better"),
    # 0.5 % = 5,000 ppm -> 4,000 ppm: -1,000 ppm, -1000/5000 = -20 %
    ("defect_rate", (0.5, "%"), (4000, "ppm"), -1000.0, -20.0, "better"),
    # 3,000 ppm = 0.3 % -> 0.45 %: +0.15 points, +0.15/0.3 = +50 %, worse
    ("defect_rate", (3000, "ppm"), (0.45, "%"), 0.15, 50.0, "worse"),
    # energy 500 -> 450 kWh/t: -50, -10 %; the unit's spelling aside ("kWh / t")
    ("energy_per_unit", (500, "kWh / t"), (450, "kWh/t"), -50.0, -10.0, "better"),
    # lead time 10 -> 12 days: +2, +20 %, worse
    ("lead_time", (10, "days"), (12, "days"), 2.0, 20.0, "worse"),
    ("lead_time", (10, "days"), (10, "days"), 0.0, 0.0, "same"),
    # from 0 ppm: a change, but no percentage of nothing
    ("defect_rate", (0, "ppm"), (200, "ppm"), 200.0, None, "worse"),
])  # fmt: skip
def test_compare_judges_each_kpi_in_its_direction(kpi, then, now, change, percent, verdict):
    result = compare(kpi, row(kpi, *then), row(kpi, *now))
    assert result.change == pytest.approx(change) and result.verdict == verdict and result.comparable
    assert (result.percent is None) if percent is None else result.percent == pytest.approx(percent)


def test_energy_in_different_units_is_not_compared():
    result = compare("energy_per_unit", row("energy_per_unit", 500, "kWh/t"), row("energy_per_unit", 0.5, "MWh/t"))
    assert (result.change, result.verdict, result.comparable) == (None, None, False)
    assert converted(1, "kWh/t", "MWh/t") is None and converted(2, "%", "ppm") == 20_000


def test_directions_are_those_of_the_kpis():
    assert {kpi: kind.lower_is_better for kpi, kind in KPIS.items()} == {
        "oee": False, "defect_rate": True, "energy_per_unit": True, "lead_time": True}


def value(kpi, number, unit, year=2025):
    return KpiValue(kpi, number, unit, date(year, 1, 1), date(year, 12, 31))


def test_the_change_is_from_the_latest_earlier_assessment_of_the_same_enterprise(session, quick):
    first = start_assessment(session=session, profile=EnterpriseBase(name="Qingdao Parts", **PROFILE),
                             questionnaire=quick)
    enterprise = session.get(Enterprise, first.enterprise_id)
    second = start_reassessment(session=session, enterprise=enterprise, questionnaire=quick)
    third = start_reassessment(session=session, enterprise=enterprise, questionnaire=quick)
    other = start_assessment(session=session, profile=EnterpriseBase(name="Zibo Steel", **PROFILE),
                             questionnaire=quick)
    save_kpis(session=session, assessment=first, values={"oee": value("oee", 50, "%", 2023),
                                                         "lead_time": value("lead_time", 20, "days", 2023)})
    save_kpis(session=session, assessment=second, values={"oee": value("oee", 55, "%", 2024)})
    save_kpis(session=session, assessment=other, values={"oee": value("oee", 99, "%")})  # another enterprise's
    save_kpis(session=session, assessment=third, values={"oee": value("oee", 60.5, "%"),
                                                         "defect_rate": value("defect_rate", 800, "ppm")})
    changes = {change.kpi: change for change in kpi_changes(session=session, assessment=third)}
    assert list(changes) == ["oee", "defect_rate", "lead_time"]  # the order of KPIS
    # OEE: then the second assessment's 55 (not the first's 50, nor the other enterprise's 99): +5.5, +10 %
    assert changes["oee"].then.value == 55 and changes["oee"].change == pytest.approx(5.5)
    assert changes["oee"].percent == pytest.approx(10.0) and changes["oee"].verdict == "better"
    # defect rate entered only now, lead time only then: shown, with no change to judge
    assert changes["defect_rate"].then is None and changes["defect_rate"].verdict is None
    assert changes["lead_time"].now is None and changes["lead_time"].then.value == 20
    # the first assessment has nothing earlier: its values stand alone
    assert [(c.kpi, c.then, c.now.value) for c in kpi_changes(session=session, assessment=first)] == [
        ("oee", None, 50), ("lead_time", None, 20)]


def test_saving_again_replaces_and_none_removes(session, quick):
    assessment = start_assessment(session=session, profile=EnterpriseBase(name="Qingdao Parts", **PROFILE),
                                  questionnaire=quick)
    save_kpis(session=session, assessment=assessment, values={"oee": value("oee", 50, "%"),
                                                              "lead_time": value("lead_time", 9, "days")})
    save_kpis(session=session, assessment=assessment, values={"oee": value("oee", 52, "%"), "lead_time": None})
    assert [(row.kpi, row.value) for row in kpis_of(session=session, assessment=assessment)] == [("oee", 52)]

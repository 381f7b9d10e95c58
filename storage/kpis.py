"""An enterprise's own KPIs, measured by itself and entered with its assessments, and their change from one
assessment to the next. No Flask requests here; pages word the problems `check_kpi` names.

The KPIs, their units, limits and which way is better are defined here (KPIS), once: a higher OEE is better; a lower
defect rate, energy per unit of output and order lead time are. A value is compared with the same KPI entered with
the enterprise's latest earlier assessment; a defect rate in % is converted to ppm and back (1 % = 10,000 ppm);
energy per unit is compared only when both values are in the same unit, which the enterprise names itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from storage.tables import Assessment, EnterpriseKpi, utcnow

PPM_PER_PERCENT = 10_000
UNIT_MAX_LENGTH = 40
TOLERANCE = 1e-9  # changes smaller than this count as no change (floating-point rounding of converted units)


@dataclass(frozen=True)
class KpiKind:
    """One KPI: which way is better, the units it is entered in (empty: the enterprise names its unit) and the
    largest value each unit allows."""

    id: str
    lower_is_better: bool
    units: tuple[str, ...]
    maximum: dict[str, float]  # by unit; "" for a unit the enterprise names
    default_unit: str = ""


KPIS: dict[str, KpiKind] = {
    kind.id: kind
    for kind in (
        KpiKind("oee", False, ("%",), {"%": 100.0}, "%"),
        KpiKind("defect_rate", True, ("%", "ppm"), {"%": 100.0, "ppm": 1_000_000.0}, "%"),
        KpiKind("energy_per_unit", True, (), {"": 1e9}),
        KpiKind("lead_time", True, ("days",), {"days": 3650.0}, "days"),
    )
}


@dataclass(frozen=True)
class KpiValue:
    """A KPI as entered: its value in its unit over a period."""

    kpi: str
    value: float
    unit: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class KpiChange:
    """One KPI then (the latest earlier assessment's) and now, the change in now's unit and whether it is better."""

    kpi: str
    then: EnterpriseKpi | None
    now: EnterpriseKpi | None
    change: float | None  # now - then, then converted to now's unit; None when either is missing or not comparable
    percent: float | None  # the change as a percentage of then; None also when then is 0
    verdict: str | None  # "better", "worse", "same"; None when there is no change to judge
    comparable: bool  # False when both exist but their units cannot be converted


def check_kpi(kpi: str, value: str, unit: str, period_start: str, period_end: str
              ) -> tuple[KpiValue | None, dict[str, str]]:  # fmt: skip
    """A KPI as typed (text), checked: the value, or the problem of each field by name ("value", "unit",
    "period_start", "period_end") as a code: "missing", "not_a_number", "out_of_range", "unknown_unit", "too_long",
    "not_a_date", "period_order"."""
    kind = KPIS[kpi]
    problems: dict[str, str] = {}
    unit = unit.strip()
    if kind.units and unit not in kind.units:
        problems["unit"] = "unknown_unit" if unit else "missing"
    elif not kind.units and not unit:
        problems["unit"] = "missing"
    elif len(unit) > UNIT_MAX_LENGTH:
        problems["unit"] = "too_long"
    number = None
    if not value.strip():
        problems["value"] = "missing"
    else:
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            problems["value"] = "not_a_number"
        else:
            limit = kind.maximum.get(unit if kind.units else "", max(kind.maximum.values()))
            if not 0 <= number <= limit:  # also refuses nan; inf is above every limit
                problems["value"] = "out_of_range"
    dates = {}
    for name, text in (("period_start", period_start), ("period_end", period_end)):
        if not text.strip():
            problems[name] = "missing"
            continue
        try:
            dates[name] = date.fromisoformat(text.strip())
        except ValueError:
            problems[name] = "not_a_date"
    if len(dates) == 2 and dates["period_end"] < dates["period_start"]:
        problems["period_end"] = "period_order"
    if problems:
        return None, problems
    return KpiValue(kpi, number, unit, dates["period_start"], dates["period_end"]), {}


def save_kpis(*, session: Session, assessment: Assessment, values: dict[str, KpiValue | None],
              user_id: int | None = None) -> None:  # fmt: skip
    """Store an assessment's KPIs in one transaction (None removes one); other KPIs stay as they are."""
    existing = {row.kpi: row for row in kpis_of(session=session, assessment=assessment)}
    for kpi, value in values.items():
        row = existing.get(kpi)
        if value is None:
            if row is not None:
                session.delete(row)
            continue
        row = row or EnterpriseKpi(enterprise_id=assessment.enterprise_id, assessment_id=assessment.id, kpi=kpi,
                                   value=value.value, unit=value.unit, period_start=value.period_start,
                                   period_end=value.period_end)  # fmt: skip
        row.value, row.unit, row.period_start, row.period_end = (value.value, value.unit, value.period_start,
                                                                 value.period_end)  # fmt: skip
        row.updated_at, row.user_id = utcnow(), user_id
        session.add(row)
    session.commit()


def kpis_of(*, session: Session, assessment: Assessment) -> list[EnterpriseKpi]:
    """The KPIs entered with one assessment, in the order of KPIS."""
    rows = session.exec(select(EnterpriseKpi).where(EnterpriseKpi.assessment_id == assessment.id)).all()
    order = list(KPIS)
    return sorted(rows, key=lambda row: order.index(row.kpi) if row.kpi in order else len(order))


def kpi_changes(*, session: Session, assessment: Assessment) -> list[KpiChange]:
    """Each KPI entered with this assessment or an earlier one of its enterprise: the latest earlier value (then),
    this assessment's (now) and the change; empty when the enterprise entered none."""
    now = {row.kpi: row for row in kpis_of(session=session, assessment=assessment)}
    earlier = session.exec(
        select(EnterpriseKpi).join(Assessment, col(EnterpriseKpi.assessment_id) == col(Assessment.id))
        .where(EnterpriseKpi.enterprise_id == assessment.enterprise_id, col(Assessment.id) < assessment.id,
               Assessment.enterprise_id == assessment.enterprise_id)
        .order_by(col(Assessment.id))
    ).all()  # fmt: skip
    then = {row.kpi: row for row in earlier}  # ordered by assessment: the latest earlier one wins
    return [compare(kpi, then.get(kpi), now.get(kpi)) for kpi in KPIS if kpi in then or kpi in now]


def compare(kpi: str, then: EnterpriseKpi | None, now: EnterpriseKpi | None) -> KpiChange:
    """The change of one KPI from then to now, judged by its direction."""
    if then is None or now is None:
        return KpiChange(kpi, then, now, None, None, None, True)
    before = converted(then.value, then.unit, now.unit)
    if before is None:
        return KpiChange(kpi, then, now, None, None, None, False)
    change = now.value - before
    if abs(change) < TOLERANCE:
        change, verdict = 0.0, "same"
    else:
        verdict = "better" if (change < 0) == KPIS[kpi].lower_is_better else "worse"
    percent = 100 * change / before if before else None
    return KpiChange(kpi, then, now, change, percent, verdict, True)


def converted(value: float, unit: str, to: str) -> float | None:
    """A value in another unit of the same KPI: % and ppm convert; units named by the enterprise only to
    themselves (spaces and case aside); None when they cannot."""
    if unit == to:
        return value
    if (unit, to) == ("%", "ppm"):
        return value * PPM_PER_PERCENT
    if (unit, to) == ("ppm", "%"):
        return value / PPM_PER_PERCENT
    if _plain(unit) == _plain(to):
        return value
    return None


def _plain(unit: str) -> str:
    return "".join(unit.split()).casefold()

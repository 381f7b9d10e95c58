"""Population margins in the database: imported from CSV (`flask reference import-margins`, the administrator's
Reference data page), read by releases to weight regions' figures to their population.

The parsing and checks live in `assessment/margins.py`; every function takes the session as a keyword argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from assessment.margins import MarginRow
from storage.tables import PopulationMargin, WeightedStat, utcnow


@dataclass(frozen=True)
class MarginImport:
    """The counts of one source and year, as imported."""

    source: str
    year: int
    imported_at: datetime
    rows: tuple[MarginRow, ...]


def import_margins(*, session: Session, rows: Iterable[MarginRow], source: str, year: int) -> int:
    """Replace the counts of `source` and `year` by `rows` (committed); return how many were written."""
    rows = list(rows)
    session.execute(delete(PopulationMargin).where(PopulationMargin.source == source, PopulationMargin.year == year))
    now = utcnow()
    session.add_all(PopulationMargin(**row.model_dump(), source=source, year=year, imported_at=now) for row in rows)
    session.commit()
    return len(rows)


def margin_imports(*, session: Session) -> list[MarginImport]:
    """Every import of margins with its rows, the newest year first (then the latest imported)."""
    found: dict[tuple[str, int], list[PopulationMargin]] = {}
    for record in session.exec(select(PopulationMargin).order_by(PopulationMargin.id)):
        found.setdefault((record.source, record.year), []).append(record)
    imports = [MarginImport(source, year, max(_as_naive(r.imported_at) for r in records),
                            tuple(MarginRow.model_construct(region_code=r.region_code, industry=r.industry,
                                                            size_class=r.size_class, count=r.count)
                                  for r in records))
               for (source, year), records in found.items()]
    return sorted(imports, key=lambda each: (each.year, each.imported_at), reverse=True)


def margin_summary(*, session: Session) -> list[tuple[str, int, int, int]]:
    """(source, year, rows, enterprises) of each import, for the Reference data page."""
    query = (select(PopulationMargin.source, PopulationMargin.year, func.count(), func.sum(PopulationMargin.count))
             .group_by(PopulationMargin.source, PopulationMargin.year)
             .order_by(PopulationMargin.year.desc(), PopulationMargin.source))
    return [(source, year, rows, int(total or 0)) for source, year, rows, total in session.exec(query)]


def _as_naive(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; compare them all without it (all are UTC)."""
    return moment.replace(tzinfo=None)


def weighted_stats(*, session: Session, release_id: int | None, questionnaire_id: str, period: int,
                   region_codes: Iterable[str]) -> dict[str, WeightedStat]:
    """The weighted figures a release stored for these regions (those with population margins), by region code."""
    if release_id is None:
        return {}
    query = select(WeightedStat).where(
        WeightedStat.release_id == release_id, WeightedStat.questionnaire_id == questionnaire_id,
        WeightedStat.period == period, col(WeightedStat.region_code).in_(set(region_codes)))
    return {record.region_code: record for record in session.exec(query)}

"""Reference data in the database: regional indicators, the regional index computed from them, and published
benchmarks; `flask reference import-indicators|import-published` load them from CSV files.

Every function takes the session as a keyword argument; the parsing lives in `assessment/regional/indicators.py` and
`assessment/published.py`, the arithmetic in `assessment/regional/index.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from assessment.classifications import load_regions
from assessment.published import PublishedRow
from assessment.regional.index import IndexDefinition, RegionalIndex, composite_index
from assessment.regional.indicators import IndicatorRow
from storage.tables import PublishedBenchmark, RegionalIndicator, utcnow


def import_indicators(*, session: Session, rows: Iterable[IndicatorRow]) -> int:
    """Insert or replace each (region, period, indicator) value; return how many rows were written."""
    rows = list(rows)
    periods = {row.period for row in rows}
    stored = {
        (record.region_code, record.period, record.indicator): record
        for record in session.exec(select(RegionalIndicator).where(col(RegionalIndicator.period).in_(periods)))
    }
    now = utcnow()
    for row in rows:
        key = (row.region_code, row.period, row.indicator)
        record = stored.get(key)
        if record is None:
            stored[key] = RegionalIndicator(**row.model_dump(), imported_at=now)
            session.add(stored[key])
        else:
            record.value, record.source, record.imported_at = row.value, row.source, now
    session.commit()
    return len(rows)


def import_published(*, session: Session, rows: Iterable[PublishedRow]) -> int:
    """Replace the figures of each publication (source, year, scope) in `rows` by theirs; return how many."""
    rows = list(rows)
    for source, year, scope in {row.publication for row in rows}:
        session.execute(delete(PublishedBenchmark).where(
            PublishedBenchmark.source == source, PublishedBenchmark.year == year, PublishedBenchmark.scope == scope,
        ))
    now = utcnow()
    session.add_all(PublishedBenchmark(**row.model_dump(), imported_at=now) for row in rows)
    session.commit()
    return len(rows)


def regional_index_table(*, session: Session, region_codes: Sequence[str], period: int,
                         definition: IndexDefinition) -> list[RegionalIndex]:
    """The index of the country (= 100) and then of each region in `region_codes`, for one period."""
    regions = load_regions()
    reference, provinces = regions.country.code, [province.code for province in regions.provinces()]
    wanted = {reference, *provinces, *region_codes}
    values: dict[str, dict[str, float]] = {code: {} for code in region_codes}
    # the three columns only: loading whole rows as objects cost more than the index computed from them
    query = select(RegionalIndicator.region_code, RegionalIndicator.indicator, RegionalIndicator.value).where(
        RegionalIndicator.period == period, col(RegionalIndicator.region_code).in_(wanted))
    for code, indicator, value in session.exec(query):
        values.setdefault(code, {})[indicator] = value
    results = composite_index(definition, values, reference, reference_parts=provinces)
    return [results[reference], *(results[code] for code in dict.fromkeys(region_codes) if code != reference)]


def published_benchmarks(*, session: Session, framework: str | None = None) -> list[PublishedBenchmark]:
    """The published figures, of one framework or all, by framework, year and scope, in the order imported."""
    query = select(PublishedBenchmark)
    if framework is not None:
        query = query.where(PublishedBenchmark.framework == framework)
    order = (PublishedBenchmark.framework, PublishedBenchmark.year, PublishedBenchmark.scope, PublishedBenchmark.id)
    return list(session.exec(query.order_by(*order)))


def indicator_periods(*, session: Session) -> list[int]:
    """The periods that have regional indicators, oldest first."""
    query = select(RegionalIndicator.period).distinct().order_by(RegionalIndicator.period)
    return list(session.exec(query))


def indicator_sources(*, session: Session, period: int, region_codes: Iterable[str]) -> dict[tuple[str, str], str]:
    """The source of each (region, indicator) value of a period, in one query."""
    query = select(RegionalIndicator.region_code, RegionalIndicator.indicator, RegionalIndicator.source).where(
        RegionalIndicator.period == period, col(RegionalIndicator.region_code).in_(set(region_codes)))
    return {(code, indicator): source for code, indicator, source in session.exec(query)}

"""Benchmarks in the database: entries kept as assessments are submitted, and what a page may read of the latest
release (published cohorts only). Releases themselves are made in `storage/releases.py`. Every function takes the
session as a keyword argument."""

from __future__ import annotations

import fcntl
import functools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import numpy as np
from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Connection,
    LargeBinary,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    text,
    union_all,
)
from sqlmodel import Session, select

from assessment.classifications import load_regions
from assessment.cohorts.groups import (
    ALL,
    FALLBACK_PATH,
    Cohort,
    CohortComparison,
    CohortStats,
    Hidden,
    NodeComparison,
    benchmark_nodes,
    estimated_rank,
    pack_scores,
    release_scales,
    stats_from_json,
)
from assessment.cohorts.perturbation import draw_noise
from assessment.cohorts.statistics import CLASSIFICATIONS, EntryBlock, Population
from assessment.scoring import Result
from assessment.trust import DEFAULT_MIN_TRUST, TrustLevel, counted
from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire
from storage.bulk import fetch_rows
from storage.tables import Assessment, BenchmarkEntry, CohortStat, Enterprise, StatisticsRelease, utcnow


def period_of(submitted_at: datetime) -> int:
    """The period an assessment counts in: the calendar year it was submitted (UTC)."""
    return submitted_at.year


def record_submission(*, session: Session, assessment: Assessment, questionnaire: Questionnaire, result: Result,
                      enterprise: Enterprise, trust: TrustLevel) -> bool:
    """Make a submitted assessment its enterprise's entry for the period, unless a later one already is (then
    False). Nobody else sees it before the next release."""
    period = period_of(assessment.submitted_at)
    key = (questionnaire.id, period, enterprise.id)
    entry = session.get(BenchmarkEntry, key)
    if entry is not None and entry.assessment_id != assessment.id:
        current = session.get(Assessment, entry.assessment_id)
        if current is not None and _as_utc(current.submitted_at) > _as_utc(assessment.submitted_at):
            return False
    nodes = [result.nodes[node_id] for node_id in benchmark_nodes(questionnaire)]
    scores, levels = pack_scores([n.score for n in nodes], [n.level for n in nodes])
    # The same scores keep their noise: drawing again would let releases be averaged over resubmissions.
    noise = entry.noise if entry is not None and entry.scores == scores and entry.noise else draw_noise(len(nodes))
    values = dict(
        assessment_id=assessment.id, questionnaire_version=questionnaire.version, **classification(enterprise),
        synthetic=enterprise.synthetic, scores=scores, levels=levels, noise=noise, trust=trust,
        verified=False,  # a (re)submission is self-declared until signed off (storage/verification.py)
    )
    if entry is None:
        entry = BenchmarkEntry(questionnaire_id=questionnaire.id, period=period, enterprise_id=enterprise.id, **values)
    else:
        for name, value in values.items():
            setattr(entry, name, value)
    session.add(entry)
    session.commit()
    return True


def record_submitted(*, session: Session, catalog: Catalog, assessment_id: int, trust: TrustLevel) -> bool:
    """`record_submission` for a submitted assessment named by its id, as the queue hands it over
    (jobs/statistics.py); False when it is not submitted (any more) or a later one is its enterprise's entry."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.status != "submitted" or assessment.result is None:
        return False
    questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
    return record_submission(session=session, assessment=assessment, questionnaire=questionnaire,
                             result=Result.from_dict(questionnaire, assessment.result),
                             enterprise=session.get(Enterprise, assessment.enterprise_id), trust=trust)


def classification(enterprise: Enterprise) -> dict[str, str | None]:
    """The fields of an entry that place its enterprise in cohorts: province, city (None when it named none),
    division, industry type and size class."""
    regions = [region.code for region in load_regions().path(enterprise.region_code)]
    return dict(province_code=regions[1], city_code=regions[2] if len(regions) > 2 else None,
                industry_code=enterprise.industry_code, industry_type=enterprise.industry_type,
                size_class=enterprise.size_class)


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def load_population(*, session: Session, catalog: Catalog, questionnaire_id: str, period: int,
                    min_trust: str = DEFAULT_MIN_TRUST, where: Iterable = ()) -> Population:
    """The entries of a questionnaire in a period (optionally filtered) that count in statistics, as arrays: those
    of `min_trust` and up, without those of enterprises that withdrew their consent to count in benchmarks.

    Every release is computed from here, so a change of consent counts from the next release on; the entries
    themselves are still recorded on submission."""
    # Looked up by primary key per entry (an anti-join): cheap for one cohort's comparison, no scan of enterprises.
    withdrawn = exists().where(Enterprise.id == BenchmarkEntry.enterprise_id, Enterprise.benchmark_consent == false())
    conditions = (BenchmarkEntry.questionnaire_id == questionnaire_id, BenchmarkEntry.period == period,
                  BenchmarkEntry.trust.in_(counted(min_trust)), ~withdrawn, *where)
    latest = catalog.get(questionnaire_id)
    dimensions = [d.id for d in latest.dimensions]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        try:
            return _population_in_bulk(connection, catalog, latest, conditions, dimensions)
        except FixedWidth:  # entries the bulk read cannot take (see CODE_WIDTHS): row by row
            pass
    return _population_by_rows(connection, catalog, latest, conditions, dimensions)


def _population_by_rows(connection: Connection, catalog: Catalog, latest: Questionnaire, conditions: tuple,
                        dimensions: list[str]) -> Population:
    # Through the connection, not the ORM: a million plain rows, no objects to build per row.
    rows = fetch_rows(connection,
        select(BenchmarkEntry.enterprise_id, BenchmarkEntry.questionnaire_version, BenchmarkEntry.province_code,
               BenchmarkEntry.city_code, BenchmarkEntry.industry_code, BenchmarkEntry.industry_type,
               BenchmarkEntry.size_class, BenchmarkEntry.synthetic, BenchmarkEntry.scores, BenchmarkEntry.levels,
               BenchmarkEntry.noise)
        .where(*conditions)
        # In the primary key's order: SQLite then reads the entries through that index, a third faster than through
        # the cohort index it picks otherwise, and looks their enterprises up in order.
        .order_by(BenchmarkEntry.enterprise_id))
    layouts = _layouts(catalog, latest, {row[1] for row in rows})
    return Population(_node_ids(latest, layouts), dimensions, rows, layouts)  # rows hold EntryRow's fields, in order


def _layouts(catalog: Catalog, latest: Questionnaire, versions: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The benchmarked nodes of each version, in the order its entries hold them."""
    return {version: benchmark_nodes(catalog.get(latest.id, version) or latest) for version in versions}


def _node_ids(latest: Questionnaire, layouts: dict[str, tuple[str, ...]]) -> list[str]:
    """A population's nodes: the latest version's, then any other version's, sorted."""
    node_ids = list(benchmark_nodes(latest))
    return node_ids + sorted({n for nodes in layouts.values() for n in nodes} - set(node_ids))


class FixedWidth(Exception):
    """Entries whose values do not all have the widths a period's bulk read expects."""


# How a PostgreSQL release reads a period's entries: each entry as one fixed-width record of bytes made by the server
# (codes padded to their column's width), records joined in chunks of 8,192 enterprise ids, so that a whole period
# becomes arrays at once with no Python object per value (a period of 500,000 entries: 1.7-2.0 s, against 2.1-3.0 s
# row by row). The scores, levels and noise must be as wide as the latest version benchmarks nodes, and the codes fit
# their widths; otherwise FixedWidth is raised, and the entries are read row by row.
CODE_WIDTHS = {"version": 20, "province": 6, "city": 6, "division": 2, "type": 8, "size": 8}
CHUNK_BITS = 13


def _population_in_bulk(connection: Connection, catalog: Catalog, latest: Questionnaire, conditions: tuple,
                        dimensions: list[str]) -> Population:
    width = len(benchmark_nodes(latest))
    record = np.dtype([("id", ">i8"), *((name, f"S{size}") for name, size in CODE_WIDTHS.items()), ("synthetic", "?"),
                       ("drawn", "?"), ("scores", "<f8", (width,)), ("levels", "i1", (width,)),
                       ("noise", "<f4", (width,))])
    entry = BenchmarkEntry
    no_noise = literal(bytes(4 * width), LargeBinary)
    codes = func.convert_to(func.concat(*(func.rpad(func.coalesce(column, ""), size) for column, size in zip(
        (entry.questionnaire_version, entry.province_code, entry.city_code, entry.industry_code, entry.industry_type,
         entry.size_class), CODE_WIDTHS.values(), strict=True))), "UTF8")
    flags = [case((flag, literal(b"\x01", LargeBinary)), else_=literal(b"\x00", LargeBinary))
             for flag in (entry.synthetic, entry.noise.is_not(None))]
    parts = [func.int8send(cast(entry.enterprise_id, BigInteger)), codes, *flags, entry.scores, entry.levels,
             func.coalesce(entry.noise, no_noise)]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||", return_type=LargeBinary)(part)
    # (an industry type or size class longer than its 8 bytes here would be cut short: the entries are then read
    # row by row)
    widths = and_(func.octet_length(entry.scores) == 8 * width, func.octet_length(entry.levels) == width,
                  func.octet_length(func.coalesce(entry.noise, no_noise)) == 4 * width,
                  func.length(entry.industry_type) <= CODE_WIDTHS["type"],
                  func.length(entry.size_class) <= CODE_WIDTHS["size"])
    chunks = fetch_rows(connection, select(func.string_agg(joined, literal(b"", LargeBinary)), func.bool_and(widths),
                                           func.count()).where(*conditions)
                        .group_by(entry.enterprise_id.op(">>")(CHUNK_BITS)))
    if not all(ok and len(data) == count * record.itemsize for data, ok, count in chunks):
        raise FixedWidth("entries of a version benchmarking another number of nodes, or codes of other widths")
    records = np.frombuffer(b"".join(data for data, _, _ in chunks), record)
    found = np.unique(records["version"]).tolist()
    versions = [code.decode().strip() for code in found]
    layouts = _layouts(catalog, latest, versions)
    if len(layouts) != len(found) or any(len(nodes) != width for nodes in layouts.values()):
        raise FixedWidth("entries of a version benchmarking another number of nodes")
    blocks = []
    for code, version in zip(found, versions, strict=True):
        part = records[records["version"] == code] if len(found) > 1 else records
        classifications = {name: part[key] for name, key in zip(CLASSIFICATIONS, list(CODE_WIDTHS)[1:], strict=True)}
        blocks.append(EntryBlock(version, part["id"].astype(np.int64), part["synthetic"], classifications,
                                 part["scores"], part["levels"], part["noise"], part["drawn"]))
    return Population.from_blocks(_node_ids(latest, layouts), dimensions, blocks, layouts)


def entry_periods(*, session: Session, questionnaire_id: str) -> list[int]:
    """The periods with at least one entry, oldest first."""
    return list(session.exec(select(BenchmarkEntry.period).where(BenchmarkEntry.questionnaire_id == questionnaire_id)
                             .distinct().order_by(BenchmarkEntry.period)))


# The key of the PostgreSQL advisory lock that writers of cohort statistics take (any constant 64-bit number).
STATISTICS_LOCK = 0x696D72_7374617473  # "imr" "stats"


@contextmanager
def statistics_lock(session: Session) -> Iterator[None]:
    """Let one writer of cohort statistics run at a time, from here until the transaction is committed.

    Two refreshes that read the entries at the same time and then replace the same cells would collide (duplicate
    keys, deadlocks) or store figures missing the other's submission. On PostgreSQL an advisory lock, released with
    the transaction, serialises them across every process and machine; on SQLite a lock on a file beside the
    database does, across the processes of the one machine that can share it."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STATISTICS_LOCK})
        yield
        return
    database = bind.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.statistics-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            session.commit()  # end any snapshot taken before the lock: the entries are read after it
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def latest_release(*, session: Session, verified_only: bool = False) -> StatisticsRelease | None:
    """The release pages and the API show: the latest one (of verified entries only, when asked: the agencies' view
    restricted to verified assessments; see storage/releases.py)."""
    return session.exec(select(StatisticsRelease).where(StatisticsRelease.verified_only == verified_only)
                        .order_by(StatisticsRelease.id.desc()).limit(1)).first()


def published_release(*, session: Session, release_id: int | None = None) -> StatisticsRelease | None:
    """The release an enterprise's pages compare it with: the one named, when a page links to another with the
    figures it showed (results and roadmap must agree), if it is a release of all entries; else the latest."""
    if release_id is not None:
        named = session.get(StatisticsRelease, release_id)
        if named is not None and not named.verified_only:
            return named
    return latest_release(session=session)


def _release_id(session: Session, release: StatisticsRelease | int | None, verified_only: bool = False) -> int | None:
    if isinstance(release, StatisticsRelease):
        return release.id
    if release is None:
        latest = latest_release(session=session, verified_only=verified_only)
        return latest.id if latest else None
    return release


def _scope(release_id: int | None, questionnaire_id: str, period: int, base_period: int) -> tuple:
    """SQL conditions selecting the statistics of one release, questionnaire, period and base period."""
    return (CohortStat.release_id == release_id, CohortStat.questionnaire_id == questionnaire_id,
            CohortStat.period == period, CohortStat.base_period == base_period)


def cohort_stats(*, session: Session, cohorts: Iterable[Cohort], release: StatisticsRelease | int | None = None
                 ) -> dict[Cohort, CohortStats | Hidden | None]:
    """What a release (the latest unless named) shows of each cohort: its statistics, Hidden (no figures at all), or
    None when it is empty or there is no release yet."""
    release_id = _release_id(session, release)
    wanted = list(dict.fromkeys(cohorts))
    found: dict[Cohort, CohortStats | Hidden | None] = dict.fromkeys(wanted)
    groups: dict[tuple[str, int, int], list[Cohort]] = {}
    for cohort in wanted:
        groups.setdefault((cohort.questionnaire_id, cohort.period, cohort.base_period), []).append(cohort)
    for (questionnaire_id, period, base_period), members in groups.items():
        keys = {(c.region_code, c.industry, c.size) for c in members}
        regions = sorted({key[0] for key in keys})
        for start in range(0, len(regions), 500):
            # Conditions on each column (the first ones those of the primary key) let every database use the
            # index; the few extra rows they match are dropped here.
            rows = session.exec(select(CohortStat).where(
                *_scope(release_id, questionnaire_id, period, base_period),
                CohortStat.region_code.in_(regions[start:start + 500]),
                CohortStat.industry.in_({key[1] for key in keys}), CohortStat.size.in_({key[2] for key in keys}),
            )).all()
            for row in rows:
                if (row.region_code, row.industry, row.size) not in keys:
                    continue
                cohort = Cohort(questionnaire_id, period, row.region_code, row.industry, row.size, base_period)
                found[cohort] = (Hidden(cohort, row.suppressed) if row.suppressed else
                                 stats_from_json(cohort, row.count, row.synthetic, row.stats))
    return found


def stats_periods(*, session: Session, questionnaire_id: str, verified_only: bool = False) -> list[int]:
    """The periods the latest release (of verified entries only, when asked) has statistics of, oldest first."""
    return list(session.exec(select(CohortStat.period).where(
        CohortStat.release_id == _release_id(session, None, verified_only),
        CohortStat.questionnaire_id == questionnaire_id,
        CohortStat.base_period == 0).distinct().order_by(CohortStat.period)))


def periods_with_statistics(*, session: Session, catalog: Catalog, verified_only: bool = False
                            ) -> dict[str, list[int]]:
    """The periods with statistics (oldest first) of each offered questionnaire that has any, in the catalog's order
    (`Catalog.latest`): what the agencies' page and the API let one choose from."""
    found = {q.id: stats_periods(session=session, questionnaire_id=q.id, verified_only=verified_only)
             for q in catalog.latest()}
    return {questionnaire_id: periods for questionnaire_id, periods in found.items() if periods}


def fallback_cohorts(entry: BenchmarkEntry, country_code: str) -> list[tuple[tuple[str, str, str], Cohort]]:
    """The cohorts an entry is compared with, closest first, along FALLBACK_PATH (city steps need a city)."""
    region = {"city": entry.city_code, "province": entry.province_code, "country": country_code}
    industry = {"division": entry.industry_code, "type": entry.industry_type, ALL: ALL}
    size = {"class": entry.size_class, ALL: ALL}
    return [(kind, Cohort(entry.questionnaire_id, entry.period, region[kind[0]], industry[kind[1]], size[kind[2]]))
            for kind in FALLBACK_PATH if region[kind[0]] is not None]


def comparison(*, session: Session, assessment: Assessment, result: Result, questionnaire: Questionnaire,
               release: StatisticsRelease | None = None) -> CohortComparison | None:
    """The assessment (its own result, at once) against the closest published cohort of its period in a release
    (the latest unless given: see `published_release`), or None if that release has none.

    Only the release is read: the enterprise's percentile rank is estimated from the release's quantiles, so what
    it sees of the others changes only when a release is made."""
    connection = session.connection()
    release = release or connection.execute(_LATEST_RELEASE).first()
    if release is None:
        return None
    period = period_of(assessment.submitted_at)
    entry = connection.execute(_ENTRY_PLACE, dict(questionnaire=questionnaire.id, period=period,
                                                  enterprise=assessment.enterprise_id)).first()
    if entry is None:  # still on the queue (jobs/statistics.py): placed as its entry will be, from the enterprise
        entry = BenchmarkEntry(questionnaire_id=questionnaire.id, period=period, enterprise_id=assessment.enterprise_id,
                               **classification(session.get(Enterprise, assessment.enterprise_id)))
    path = fallback_cohorts(entry, load_regions().country.code)
    closest = _closest_shown(session, release.id, [cohort for _, cohort in path])
    if closest is None:
        return None
    step, found = closest
    kind, cohort = path[step]
    passed = [closer for _, closer in path[:step]]
    node_ids = benchmark_nodes(questionnaire)
    scales, _ = release_scales(questionnaire, node_ids)
    nodes = {}
    for node_id, scale in zip(node_ids, scales, strict=True):
        mine, node_stats = result.nodes.get(node_id), found.nodes.get(node_id)
        if mine is None or mine.score is None or node_stats is None:
            continue
        nodes[node_id] = NodeComparison(score=mine.score, rank=estimated_rank(mine.score, node_stats, scale),
                                        q1=node_stats.q1, median=node_stats.median, q3=node_stats.q3,
                                        p90=node_stats.p90)
    return CohortComparison(cohort=cohort, kind=kind, count=found.count, synthetic=found.synthetic, nodes=nodes,
                            passed=tuple(passed), release_id=release.id, released_at=release.created_at)


# Built once, as the statements below: a comparison runs on every results page, and building a statement costs
# more than running it.
_LATEST_RELEASE = (select(StatisticsRelease.id, StatisticsRelease.created_at)
                   .where(StatisticsRelease.verified_only == false()).order_by(StatisticsRelease.id.desc()).limit(1))
_ENTRY_PLACE = (
    select(BenchmarkEntry.questionnaire_id, BenchmarkEntry.period, BenchmarkEntry.province_code,
           BenchmarkEntry.city_code, BenchmarkEntry.industry_code, BenchmarkEntry.industry_type,
           BenchmarkEntry.size_class)
    .where(BenchmarkEntry.questionnaire_id == bindparam("questionnaire"), BenchmarkEntry.period == bindparam("period"),
           BenchmarkEntry.enterprise_id == bindparam("enterprise"))
)
@functools.cache
def _path_rows(regions: int) -> CompoundSelect:
    """The release's rows of a path's cohorts in `regions` regions, statistics as text (decoded for the one cohort
    chosen only): per region, the rows of that region, read by the primary key down to the region. A single scan
    with the regions as a list read every cell of the period (28,000 rows at 200,000 entries, 22 ms) while the
    newest release was not yet in PostgreSQL's statistics. Made once per number of regions."""
    return union_all(*(
        select(CohortStat.region_code, CohortStat.industry, CohortStat.size, CohortStat.count, CohortStat.synthetic,
               CohortStat.suppressed, cast(CohortStat.stats, Text))
        .where(CohortStat.release_id == bindparam("release"), CohortStat.questionnaire_id == bindparam("questionnaire"),
               CohortStat.period == bindparam("period"), CohortStat.base_period == 0,
               CohortStat.region_code == bindparam(f"region{number}"),
               CohortStat.industry.in_(bindparam("industries", expanding=True)),
               CohortStat.size.in_(bindparam("sizes", expanding=True)))
        for number in range(regions)))


def _closest_shown(session: Session, release_id: int, path: list[Cohort]) -> tuple[int, CohortStats] | None:
    """The first cohort of `path` (one questionnaire and period) that the release shows: its step and statistics."""
    if not path:
        return None
    first, regions = path[0], sorted({c.region_code for c in path})
    rows = session.connection().execute(_path_rows(len(regions)), dict(
        release=release_id, questionnaire=first.questionnaire_id, period=first.period,
        industries=sorted({c.industry for c in path}), sizes=sorted({c.size for c in path}),
        **{f"region{number}": region for number, region in enumerate(regions)})).all()
    shown = {(region, industry, size): row for region, industry, size, *row in rows if row[2] is None}
    for step, cohort in enumerate(path):
        row = shown.get((cohort.region_code, cohort.industry, cohort.size))
        if row is not None:
            count, synthetic, _, stats = row
            return step, stats_from_json(cohort, count, synthetic, json.loads(stats))
    return None

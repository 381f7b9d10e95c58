"""Print how fast cohort statistics are rebuilt and read, over a database of a million submitted assessments.

    .venv/bin/python benchmarks/benchmarks.py [--rows 1000000] [--reuse] [--postgres] [--database-url URL]

Targets: rebuilding every cohort statistic takes at most 1.5 times as long as one hand-written SQL aggregate over the
same rows (count and mean score per finest cohort and node: the floor); one enterprise's comparison takes under 20 ms
(median); the agencies' comparison of all provinces renders in under 300 ms (median). Each figure comes with its
same-run baseline (the floor; a static file through the same client), so the machine's own noise can be read off.
The database is filled in bulk with exactly the rows the submission path writes (enterprise, assessment with its
result, node scores, benchmark entry), half a million enterprises each assessed in two periods. SQLite always;
PostgreSQL with --postgres (the throwaway server of .ci/pg.sh) or --database-url postgresql+psycopg://... (or
IMREADY_BENCH_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from protection import protection_cost  # noqa: E402
from sqlalchemy import Engine, create_engine, func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import create_app  # noqa: E402
from assessment.classifications import load_industries, load_regions, size_class  # noqa: E402
from assessment.cohorts.groups import benchmark_nodes, pack_scores  # noqa: E402
from assessment.cohorts.perturbation import draw_noise  # noqa: E402
from assessment.scoring import Result, score  # noqa: E402
from assessment.synthetic import draw_maturity, synthetic_answers  # noqa: E402
from questionnaires.catalog import Catalog  # noqa: E402
from questionnaires.loader import Questionnaire  # noqa: E402
from questionnaires.vocabulary import INDUSTRY_TYPES  # noqa: E402
from storage.accounts import create_user, set_password, user_by_email  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.demo import PERIODS, SIZE_RANGES, SIZE_WEIGHTS  # noqa: E402
from storage.releases import make_release  # noqa: E402
from storage.statistics import comparison  # noqa: E402
from storage.tables import Assessment, BenchmarkEntry, Enterprise, NodeScore  # noqa: E402

QUESTIONNAIRE = "quick_check"
K = 5  # the app's BENCHMARK_MIN_GROUP
# Issue 16: a rebuild within 1.5 times the floor on both engines, at any size (its cost is per cohort, not per row)
REBUILD_TARGET = 1.5
CHUNK = 20_000  # assessments per insert transaction
SYNTHETIC = True  # generated enterprises are labelled so, as `flask demo load` labels its own
FLOOR = """
SELECT e.region_code, e.industry_code, e.size_class, n.node_id, COUNT(*), AVG(n.score)
FROM nodescore n JOIN assessment a ON a.id = n.assessment_id JOIN enterprise e ON e.id = a.enterprise_id
WHERE a.status = 'submitted'
GROUP BY 1, 2, 3, 4
"""


class Scored(NamedTuple):
    """One scored answer set of the pool, in every form the submission path stores it."""

    result: dict  # Result.to_dict: the assessment's `result` column
    overall_score: float | None
    overall_level: int | None
    nodes: tuple[tuple[str, str, float | None, int | None], ...]  # (node id, kind, score, level) per NodeScore row
    scores: bytes  # the benchmark entry's packed blobs
    levels: bytes


class Target(NamedTuple):
    """A database to measure: its label, URL, and whether this script may drop and recreate it."""

    label: str
    url: str
    owned: bool


class SerialisedOnce:
    """json.dumps for an engine, with the JSON of some values made once: not once per row that stores them."""

    def __init__(self, values: list[dict]) -> None:
        self.values = values  # kept alive, so that their ids stay theirs
        self.texts = {id(value): json.dumps(value) for value in values}

    def __call__(self, value: object) -> str:
        return self.texts.get(id(value)) or json.dumps(value)


def scored_pool(questionnaire: Questionnaire, size: int, rng: random.Random) -> dict[str, list[Scored]]:
    """About `size` distinct scored answer sets, half per industry type (the weight profile), by overall score."""
    pool: dict[str, list[Scored]] = {}
    nodes = benchmark_nodes(questionnaire)
    for profile in INDUSTRY_TYPES:
        seen, members = set(), []
        for _ in range(20 * size):
            if len(members) == size // 2:
                break
            answers = synthetic_answers(questionnaire, draw_maturity(rng), rng)
            if (key := repr(sorted(answers.items()))) in seen:
                continue
            seen.add(key)
            result = score(questionnaire, answers, profile=profile)
            overall = result.overall(questionnaire)
            packed = pack_scores([result.nodes[n].score for n in nodes], [result.nodes[n].level for n in nodes])
            members.append(Scored(result.to_dict(questionnaire), overall.score, overall.level,
                                  tuple((n.id, n.kind, n.score, n.level) for n in result.nodes.values()), *packed))
        pool[profile] = sorted(members, key=lambda m: -1.0 if m.overall_score is None else m.overall_score)
    return pool


def chunk_rows(questionnaire: Questionnaire, pool: dict[str, list[Scored]], rows: int, rng: random.Random
               ) -> Iterator[tuple[int, list[dict], list[dict], list[dict], list[dict]]]:
    """Rows to insert, `CHUNK` assessments at a time: (assessments so far, enterprises, assessments, node scores,
    benchmark entries). Enterprise n has assessment ids 2n-1 (first period) and 2n (second period)."""
    regions = load_regions()
    # Every city, and every province as named by enterprises that give no city; codes as record_submission has them.
    places = []
    for province in regions.provinces():
        for region in (province, *regions.children(province.code)):
            path = [r.code for r in regions.path(region.code)]
            places.append((region.code, path[1], path[2] if len(path) > 2 else None))
    industries = sorted(load_industries().values(), key=lambda i: i.code)
    enterprises, assessments, node_scores, entries = [], [], [], []
    noise_rng = np.random.default_rng(rng.randrange(2**32))
    for number in range(1, (rows + 1) // 2 + 1):
        region_code, province_code, city_code = rng.choice(places)
        industry = rng.choice(industries)
        low_e, high_e, low_r, high_r = SIZE_RANGES[rng.choices(range(4), SIZE_WEIGHTS)[0]]
        employees, revenue = rng.randint(low_e, high_e), round(rng.uniform(low_r, high_r), 1)
        members = pool[industry.type]
        first = rng.randrange(len(members))
        # a year of work, sometimes a step back: the second result lies near the first in the pool's order
        second = min(len(members) - 1, max(0, first + round(rng.gauss(0.05, 0.1) * len(members))))
        klass = size_class(employees, revenue)
        created = None
        for period, index, assessment_id in zip(PERIODS, (first, second), (2 * number - 1, 2 * number), strict=True):
            if assessment_id > rows:
                break
            scored = members[index]
            submitted = datetime(period, 1, 1, tzinfo=UTC) + timedelta(
                days=rng.randint(15, 330), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            started = submitted - timedelta(minutes=rng.randint(5, 60))
            created = created or started
            assessments.append(dict(
                id=assessment_id, enterprise_id=number, questionnaire_id=questionnaire.id,
                questionnaire_version=questionnaire.version, token=secrets.token_urlsafe(18), status="submitted",
                created_at=started, updated_at=submitted, submitted_at=submitted, overall_score=scored.overall_score,
                overall_level=scored.overall_level, result=scored.result))
            node_scores.extend(dict(assessment_id=assessment_id, node_id=node_id, kind=kind, score=value, level=level)
                               for node_id, kind, value, level in scored.nodes)
            entries.append(dict(
                questionnaire_id=questionnaire.id, period=period, enterprise_id=number, assessment_id=assessment_id,
                questionnaire_version=questionnaire.version, province_code=province_code, city_code=city_code,
                industry_code=industry.code, industry_type=industry.type, size_class=klass, synthetic=SYNTHETIC,
                scores=scored.scores, levels=scored.levels, trust="vouched",
                noise=draw_noise(len(scored.levels), noise_rng)))
        enterprises.append(dict(
            id=number, name=f"Benchmark enterprise {number:07d}", region_code=region_code,
            industry_code=industry.code, industry_type=industry.type, employees=employees,
            revenue_million_yuan=revenue, size_class=klass, synthetic=SYNTHETIC, created_at=created))
        if len(assessments) >= CHUNK or assessments[-1]["id"] == rows:
            yield assessments[-1]["id"], enterprises, assessments, node_scores, entries
            enterprises, assessments, node_scores, entries = [], [], [], []


def fill(url: str, questionnaire: Questionnaire, rows: int, pool_size: int, seed: int) -> float:
    """Create the schema and insert `rows` submitted assessments; returns the seconds it took."""
    started = time.perf_counter()
    upgrade(url)
    rng = random.Random(seed)
    pool = scored_pool(questionnaire, pool_size, rng)
    engine = create_engine(url, json_serializer=SerialisedOnce([m.result for ms in pool.values() for m in ms]))
    tables = [model.__table__ for model in (Enterprise, Assessment, NodeScore, BenchmarkEntry)]
    for done, *batches in chunk_rows(questionnaire, pool, rows, rng):
        with engine.begin() as connection:
            for table, batch in zip(tables, batches, strict=True):
                connection.execute(insert(table), batch)
        if done % 200_000 < CHUNK:
            print(f"    {done:>9,} assessments in {time.perf_counter() - started:6.0f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("enterprise", "assessment"):  # ids were given explicitly; the app's next ones follow them
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
            # What autovacuum does soon after a bulk load anyway; done now so that plans do not change mid-run.
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def filled_rows(url: str) -> int:
    """Submitted assessments in the database (0 without one or its schema), if each has its benchmark entry; else -1."""
    if url.startswith("sqlite") and not Path(make_url(url).database).exists():
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("benchmarkentry"):
                return 0
            submitted = connection.execute(select(func.count()).select_from(Assessment.__table__)
                                           .where(Assessment.__table__.c.status == "submitted")).scalar_one()
            entries = connection.execute(select(func.count()).select_from(BenchmarkEntry.__table__)).scalar_one()
    except OperationalError:  # no such database yet
        return 0
    finally:
        engine.dispose()
    return submitted if submitted == entries else -1


def recreate(target: Target) -> None:
    """Drop and create an owned database: the SQLite file, or the benchmark database on the throwaway server."""
    url = make_url(target.url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def database_size(engine: Engine) -> int:
    """Bytes the database takes on disk."""
    if engine.dialect.name == "sqlite":
        return sum(os.path.getsize(f"{engine.url.database}{s}") for s in ("", "-wal")
                   if os.path.exists(f"{engine.url.database}{s}"))
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()


def floor_seconds(engine: Engine) -> tuple[float, int]:
    """Seconds to run and fetch the floor aggregate, and how many groups it returned."""
    started = time.perf_counter()
    with engine.connect() as connection:
        groups = len(connection.execute(text(FLOOR)).all())
    return time.perf_counter() - started, groups


def rebuild_seconds(engine: Engine, catalog: Catalog) -> tuple[float, int]:
    """Seconds to publish a release of every cohort statistic, and how many cohorts it stored."""
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        release = make_release(session=session, catalog=catalog, k=K)
    return time.perf_counter() - started, release.cells


def comparison_times(engine: Engine, catalog: Catalog, rows: int, cases: int) -> list[tuple[float, int, str]]:
    """Milliseconds to compare each of `cases` enterprises with its cohort (a fresh session each, as a request
    has), with the assessment id and the cohort it was compared with; one untimed call first warms up."""
    times = []
    for number, assessment_id in enumerate(random.Random(5).sample(range(1, rows + 1), cases + 1)):
        with Session(engine, expire_on_commit=False) as session:
            assessment = session.get(Assessment, assessment_id)
            questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
            result = Result.from_dict(questionnaire, assessment.result)
            started = time.perf_counter()
            found = comparison(session=session, assessment=assessment, result=result, questionnaire=questionnaire)
            elapsed = 1000 * (time.perf_counter() - started)
        cohort = "none" if found is None else f"{'/'.join(found.kind)} of {found.count:,}"
        if number:
            times.append((elapsed, assessment_id, cohort))
    return times


ANALYST_EMAIL = "bench-analyst@imready.invalid"  # the agency analyst (of the whole country) the page is read as


def bench_analyst(app) -> str:
    """The password of the benchmark's agency analyst, made (or given a new password) in the bench database."""
    password = secrets.token_urlsafe(24)
    with Session(app.extensions["db_engine"]) as session:
        user = user_by_email(session=session, email=ANALYST_EMAIL)
        if user is None:
            create_user(session=session, email=ANALYST_EMAIL, password=password, role="agency", confirmed=True,
                        jurisdiction=load_regions().country.code)
        else:
            set_password(session=session, user=user, password=password)
    return password


def signed_in_client(app):
    """A test client signed in as the agency analyst through the sign-in form, as a browser would be."""
    client = app.test_client()
    form = client.get("/account/sign-in")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    response = client.post("/account/sign-in", data={"email": ANALYST_EMAIL, "password": bench_analyst(app),
                                                     "csrf_token": token.group(1) if token else ""})
    if response.status_code != 302 or "/account/sign-in" in response.headers.get("Location", ""):
        sys.exit(f"  signing in as the agency analyst failed: HTTP {response.status_code}")
    return client


def page_times(url: str, requests: int) -> dict[str, list[float]]:
    """Milliseconds per request of the agencies' page, all provinces (its default selection), without and with the
    change since the first period, and of a static file (the baseline), alternating, read as an agency analyst.
    Anything but HTTP 200 stops the script: a figure of a redirect or an error page would measure nothing."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    client = signed_in_client(app)
    calls = {"static file (baseline)": "/static/css/app.css", "agencies page, all provinces": "/agencies/",
             f"  with change since {PERIODS[0]}": f"/agencies/?period={PERIODS[1]}&base={PERIODS[0]}"}
    times: dict[str, list[float]] = {name: [] for name in calls}
    try:
        for round_number in range(requests + 1):  # round 0 warms up
            for name, path in calls.items():
                started = time.perf_counter()
                response = client.get(path)
                elapsed = 1000 * (time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"  {name.strip()} ({path}): HTTP {response.status_code}, not 200; nothing measured")
                if round_number:
                    times[name].append(elapsed)
    finally:
        app.extensions["db_engine"].dispose()
    return times


def profile_rebuild(engine: Engine, catalog: Catalog, top: int = 10) -> None:
    """Rebuild once under cProfile and print the functions that take the most time, by own and by total time."""
    profiler = cProfile.Profile()
    with Session(engine, expire_on_commit=False) as session:
        profiler.runcall(make_release, session=session, catalog=catalog, k=K)
    stats = pstats.Stats(profiler)
    for order, heading in (("tottime", "own time"), ("cumulative", "total time, with callees")):
        print(f"  rebuild under cProfile, top {top} by {heading}:")
        print(f"    {'calls':>10} {'own s':>8} {'total s':>8}  function")
        for function in stats.sort_stats(order).fcn_list[:top]:
            _, calls, own, total, _ = stats.stats[function]
            name = pstats.func_std_string(function).replace(str(ROOT) + "/", "")
            print(f"    {calls:>10,} {own:8.2f} {total:8.2f}  {name.split('site-packages/')[-1]}")


def repeated(measure: Callable[[], tuple[float, int]], label: str, times: list[float]) -> int:
    """Run one measurement, print it, and add its seconds to `times`; returns what it counted."""
    seconds, counted = measure()
    times.append(seconds)
    print(f"    {label:<8} {seconds:8.2f} s", flush=True)
    return counted


def measure(target: Target, arguments: argparse.Namespace, catalog: Catalog) -> None:
    """Fill (or reuse) one database and print every figure for it."""
    questionnaire = catalog.get(QUESTIONNAIRE)
    rows = arguments.rows
    print(f"{target.label}: {make_url(target.url).render_as_string(hide_password=True)}", flush=True)
    present = filled_rows(target.url)
    if arguments.reuse and present == rows:
        print(f"  reusing {rows:,} submitted assessments already there")
    else:
        if present and not target.owned:
            sys.exit(f"  it holds {present:,} submitted assessments (not {rows:,}); give an empty database, or the "
                     f"one holding exactly --rows with --reuse")
        if target.owned:
            recreate(target)
        print(f"  filling {rows:,} submitted assessments of {(rows + 1) // 2:,} enterprises in {PERIODS} "
              f"({arguments.pool:,} distinct results, chunks of {CHUNK:,})", flush=True)
        seconds = fill(target.url, questionnaire, rows, arguments.pool, arguments.seed)
        print(f"  fill: {seconds:.0f} s ({rows / seconds:,.0f} assessments/s)")
    engine = make_engine(target.url)
    print(f"  database size: {database_size(engine) / 2**30:.2f} GiB")

    print(f"  floor (one SQL aggregate) and rebuild (k={K}), alternating, {arguments.rounds} rounds each:")
    floors: list[float] = []
    rebuilds: list[float] = []
    for _ in range(arguments.rounds):
        groups = repeated(lambda: floor_seconds(engine), "floor", floors)
        cohorts = repeated(lambda: rebuild_seconds(engine, catalog), "rebuild", rebuilds)
    floor, built = statistics.median(floors), statistics.median(rebuilds)
    print(f"  floor   {'  '.join(f'{s:.2f}' for s in floors)} s   median {floor:.2f} s ({groups:,} groups)")
    print(f"  rebuild {'  '.join(f'{s:.2f}' for s in rebuilds)} s   median {built:.2f} s ({cohorts:,} cohorts)")
    print(f"  rebuild / floor: {built / floor:.2f}   (target <= {REBUILD_TARGET})", flush=True)
    protection_cost(engine, catalog, QUESTIONNAIRE, PERIODS, K)

    times = comparison_times(engine, catalog, rows, arguments.cases)
    slowest = max(times)
    print(f"  comparison, {len(times)} enterprises: median {statistics.median(t for t, _, _ in times):.1f} ms, "
          f"slowest {slowest[0]:.1f} ms (assessment {slowest[1]}, cohort {slowest[2]})   (target median < 20 ms)",
          flush=True)

    pages = page_times(target.url, arguments.requests)
    for name, values in pages.items():
        print(f"  {name:<29} median {statistics.median(values):8.1f} ms   slowest {max(values):8.1f} ms "
              f"({len(values)} requests, as an agency analyst)")
    print("  target: agencies page median < 300 ms", flush=True)

    if arguments.profile:
        profile_rebuild(engine, catalog)
    engine.dispose()


def throwaway_server() -> str:
    """The benchmark database's URL on the throwaway server of .ci/pg.sh, started when nothing answers its port."""
    port = int(os.environ.get("IMREADY_PG_PORT", "55432"))
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        subprocess.run(["bash", str(ROOT / ".ci" / "pg.sh"), "start"], check=True, stdout=subprocess.DEVNULL)
        print(f"started the throwaway PostgreSQL server on port {port}; it keeps running for --reuse "
              f"(`IMREADY_PG_PORT={port} bash .ci/pg.sh stop` stops it)")
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/imready_bench"


def main() -> None:
    """Parse the options, then fill and measure each database in turn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="submitted assessments (two per enterprise)")
    parser.add_argument("--reuse", action="store_true", help="skip filling when the database holds --rows already")
    parser.add_argument("--postgres", action="store_true", help="also run on the throwaway server of .ci/pg.sh")
    parser.add_argument("--database-url", default=os.environ.get("IMREADY_BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database (filled only when empty)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--sqlite-path", default=str(Path(tempfile.gettempdir()) / "imready-bench" / "bench.db"))
    parser.add_argument("--pool", type=int, default=2000, help="distinct scored answer sets the rows share")
    parser.add_argument("--rounds", type=int, default=3, help="floor queries and rebuilds")
    parser.add_argument("--cases", type=int, default=50, help="enterprises compared")
    parser.add_argument("--requests", type=int, default=20, help="requests of the agencies' page")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="profile one more rebuild and print its top functions")
    arguments = parser.parse_args()
    targets = [] if arguments.no_sqlite else [Target("SQLite", f"sqlite:///{arguments.sqlite_path}", True)]
    if arguments.postgres:
        targets.append(Target("PostgreSQL (throwaway server)", throwaway_server(), True))
    if arguments.database_url:
        targets.append(Target("PostgreSQL", arguments.database_url, False))
    catalog = Catalog.load(ROOT / "questionnaires")
    for target in targets:
        measure(target, arguments, catalog)


if __name__ == "__main__":
    main()

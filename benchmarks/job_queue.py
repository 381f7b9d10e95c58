"""The queue's throughput for small jobs, on its SQLite storage and on PostgreSQL, beside a same-run baseline.

    .venv/bin/python benchmarks/job_queue.py [--jobs 2000] [--threads 2] [--postgres] [--database-url URL]

For each storage it prints the median of 3 rounds of: putting `--jobs` small jobs on the queue (one at a time, as
requests do), and a worker of `--threads` threads taking them off and running them, from the first put to the last
done. The baseline is the same jobs run as plain calls in this process, and a bare SQL INSERT of one row per job on
the same database, so that the figures read against what the storage itself costs on this machine now.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from huey.consumer import Consumer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from jobs.queue import queue  # noqa: E402

done = threading.Semaphore(0)


@queue.task(name="benchmarks.small_job")
def small_job(number: int) -> int:
    """A job of no work: what is measured is the queue."""
    done.release()
    return number


def round_trip(jobs: int, threads: int) -> tuple[float, float]:
    """Seconds to put `jobs` on the queue, and from the first put to the last job done, with a worker running."""
    consumer = Consumer(queue, workers=threads, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    try:
        start = time.perf_counter()
        for number in range(jobs):
            small_job(number)
        put = time.perf_counter() - start
        for _ in range(jobs):
            done.acquire()
        return put, time.perf_counter() - start
    finally:
        consumer.stop(graceful=True)


def baseline(jobs: int, url: str) -> tuple[float, float]:
    """Seconds for the same jobs as plain calls, and for one committed INSERT per job on the same database."""
    start = time.perf_counter()
    for number in range(jobs):
        small_job.func(number)
        done.acquire()
    calls = time.perf_counter() - start
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER, data BLOB)"
                                if url.startswith("sqlite") else
                                "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER, data BYTEA)"))
        connection.commit()
        start = time.perf_counter()
        for number in range(jobs):
            connection.execute(text("INSERT INTO bench_floor VALUES (:id, :data)"), {"id": number, "data": b"x" * 200})
            connection.commit()
        inserts = time.perf_counter() - start
        connection.execute(text("DROP TABLE bench_floor"))
        connection.commit()
    engine.dispose()
    return calls, inserts


def measure(name: str, url: str, jobs: int, threads: int, rounds: int = 3) -> None:
    queue.configure(url)
    queue.storage.initialize_schema()
    queue.flush()
    puts, totals, calls, inserts = [], [], [], []
    for _ in range(rounds):
        call, insert = baseline(jobs, url)
        put, total = round_trip(jobs, threads)
        calls.append(call)
        inserts.append(insert)
        puts.append(put)
        totals.append(total)
    put, total = statistics.median(puts), statistics.median(totals)
    insert = statistics.median(inserts)
    print(f"{name}: {jobs} small jobs, worker of {threads} thread(s), medians of {rounds} rounds")
    print(f"  baseline, plain calls:          {jobs / statistics.median(calls):>10,.0f} jobs/s")
    print(f"  baseline, one INSERT per job:   {jobs / insert:>10,.0f} rows/s")
    print(f"  put on the queue:               {jobs / put:>10,.0f} jobs/s  ({put / insert:.2f}x the INSERT floor)")
    print(f"  put and done (end to end):      {jobs / total:>10,.0f} jobs/s  ({total * 1000 / jobs:.2f} ms per job)")
    queue.storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="also on the throwaway server of .ci/pg.sh")
    parser.add_argument("--database-url", help="also on this PostgreSQL database (its queue_* tables are used)")
    parser.add_argument("--no-sqlite", action="store_true")
    arguments = parser.parse_args()
    if not arguments.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            measure("SQLite", f"sqlite:///{folder}/bench.queue.db", arguments.jobs, arguments.threads)
    urls = [arguments.database_url] if arguments.database_url else []
    if arguments.postgres:
        import subprocess

        port = "55498"
        server = subprocess.run(["bash", str(ROOT / ".ci/pg.sh"), "start"], capture_output=True, text=True,
                                env={"IMREADY_PG_PORT": port, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
                                check=True)  # fmt: skip
        urls.append(server.stdout.strip())
    for url in urls:
        measure(f"PostgreSQL ({make_url(url).host})", url, arguments.jobs, arguments.threads)


if __name__ == "__main__":
    main()

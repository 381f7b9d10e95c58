"""The consultant's client table with 2,000 clients: the page's load time for each kind of view, beside a static file
through the same client.

    .venv/bin/python benchmarks/workspace.py [--clients 2000] [--postgres] [--database-url URL] [--no-sqlite]

The database holds two consultants of `--clients` clients each (the other's clients are there to be filtered
out), each client with one to three assessments (about half submitted, a third of those verified) and, for every
second client, a campaign list entry with its credit code. Figures, for each database: the median and slowest of 20
loads of the default view, a search, a filter of region, status and verification, a sort by score and the last page;
target: each median under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import create_app  # noqa: E402
from assessment.classifications import load_industries, load_regions  # noqa: E402
from assessment.credit_code import check_character  # noqa: E402
from storage.accounts import create_user  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.tables import Assessment, Campaign, CampaignMember, Enterprise, Verification  # noqa: E402
from storage.workspace import PAGE_SIZE  # noqa: E402

WORDS = ("Gear", "Valve", "Loom", "Steel", "Glass", "Pump", "Wire", "Paper", "Foods", "Motor", "Ceramics", "Cable")
LOADS = 20  # page loads a view, of which the median is printed
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def fill(session: Session, consultant_id: int, clients: int, rng: random.Random, offset: int) -> None:
    """`clients` enterprises of one consultant with their assessments, verifications and campaign entries."""
    cities = [r.code for p in load_regions().provinces() for r in load_regions().children(p.code)]
    industries = list(load_industries().values())
    enterprises = []
    for number in range(clients):
        industry = rng.choice(industries)
        enterprises.append({"name": f"{rng.choice(WORDS)} Works {offset + number:05d}",
                            "region_code": rng.choice(cities), "industry_code": industry.code,
                            "industry_type": industry.type, "employees": 50, "revenue_million_yuan": 10.0,
                            "size_class": "small", "consultant_id": consultant_id, "created_at": T0,
                            "synthetic": True, "benchmark_consent": True})  # fmt: skip
    session.execute(insert(Enterprise), enterprises)
    ids = session.execute(select(Enterprise.id).where(Enterprise.consultant_id == consultant_id)).scalars().all()
    assessments = []
    for enterprise_id in ids:
        for run in range(rng.randint(1, 3)):
            submitted = rng.random() < 0.5
            assessments.append({"enterprise_id": enterprise_id, "questionnaire_id": rng.choice(["quick_check",
                                "imready_full"]), "questionnaire_version": "2.0", "token": secrets.token_hex(16),
                                "status": "submitted" if submitted else "draft",
                                "created_at": T0 + timedelta(days=30 * run), "updated_at": T0 + timedelta(days=30 * run
                                + rng.randint(0, 29)), "submitted_at": T0 if submitted else None,
                                "overall_score": round(rng.uniform(0, 5), 2) if submitted else None,
                                "overall_level": rng.randint(1, 5) if submitted else None,
                                "active_seconds": 0})  # fmt: skip
    session.execute(insert(Assessment), assessments)
    submitted = session.execute(select(Assessment.id).join(Enterprise, Enterprise.id == Assessment.enterprise_id)
                                .where(Enterprise.consultant_id == consultant_id,
                                       Assessment.status == "submitted")).scalars().all()  # fmt: skip
    session.execute(insert(Verification), [{"assessment_id": i, "revision": 1, "status": "verified",
                                            "reviewer_name": "", "reviewer_organisation": "", "reviewer_role": "",
                                            "comment": ""} for i in submitted[::3]])  # fmt: skip
    campaign = Campaign(owner_id=consultant_id, kind="consultant", name="List", questionnaire_id="quick_check",
                        questionnaire_version="2.0", period=2026, deadline=date(2026, 12, 31), reminder_days=[])
    session.add(campaign)
    session.flush()
    members = []
    for enterprise_id in ids[::2]:
        first17 = f"91370100{enterprise_id + offset:09d}"
        members.append({"campaign_id": campaign.id, "enterprise_id": enterprise_id, "email": "x@example.org",
                        "credit_code": first17 + check_character(first17), "token_hash": secrets.token_hex(32),
                        "reminders_sent": [], "excluded": False, "excluded_reason": ""})  # fmt: skip
    session.execute(insert(CampaignMember), members)
    session.commit()


def timed(client, path: str) -> tuple[float, float, float]:
    """Median and slowest of LOADS loads of a page, and the median CPU time of this process, in milliseconds (on a
    shared machine the wall clock also counts the time other processes held the CPU)."""
    times, cpu = [], []
    for _ in range(LOADS):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000, statistics.median(cpu) * 1000


def measure(name: str, url: str, clients: int, profile: bool = False) -> None:
    print(f"== {name}: two consultants of {clients:,} clients each")
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48), "TESTING": True})
    engine = app.extensions["db_engine"]
    rng = random.Random(16)
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        mine = create_user(session=session, email="mine@example.org", password="a long benchmark password",
                           role="consultant")  # fmt: skip
        theirs = create_user(session=session, email="theirs@example.org", password="a long benchmark password",
                             role="consultant")  # fmt: skip
        start = time.perf_counter()
        fill(session, mine.id, clients, rng, 0)
        fill(session, theirs.id, clients, rng, clients)
        print(f"  filled in {time.perf_counter() - start:.1f} s")
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = str(mine.id)
        browser["_fresh"] = True
        browser["_epoch"] = mine.session_epoch
    last = -(-clients // PAGE_SIZE)
    views = {"default": "/workspace/", "search": "/workspace/?search=valve+works+001",
             "filter": "/workspace/?region=370000&status=submitted&verified=self_declared",
             "sort": "/workspace/?sort=score&dir=desc", "last page": f"/workspace/?page={last}",
             "static file": "/static/css/app.css"}  # fmt: skip
    client.get("/workspace/")  # the first load reads templates and classifications once
    if profile:
        import cProfile
        import pstats

        with cProfile.Profile() as profiler:
            for _ in range(5):
                client.get("/workspace/?sort=score&dir=desc")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    for view, path in views.items():
        median, slowest, cpu = timed(client, path)
        print(f"  {view:12s} median {median:6.1f} ms, slowest {slowest:6.1f} ms, CPU of this process {cpu:6.1f} ms"
              f"  ({path})")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--postgres", action="store_true", help="also on the throwaway server of .ci/pg.sh")
    parser.add_argument("--database-url", help="also on this empty PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print the top functions of 5 sorted loads")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not arguments.no_sqlite:
            measure("SQLite", f"sqlite:///{Path(folder) / 'workspace.db'}", arguments.clients, arguments.profile)
        urls = [arguments.database_url] if arguments.database_url else []
        if arguments.postgres:
            server = subprocess.run(["bash", str(ROOT / ".ci/pg.sh"), "start"], capture_output=True, text=True,
                                    env={"IMREADY_PG_PORT": "55447", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
                                    check=True)  # fmt: skip
            urls.append(server.stdout.strip())
        for url in urls:
            measure(f"PostgreSQL ({make_url(url).host})", url, arguments.clients, arguments.profile)


if __name__ == "__main__":
    main()

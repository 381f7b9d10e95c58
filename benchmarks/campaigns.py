"""A campaign of 50,000 invited enterprises: importing the list, queueing and sending the invitations to a local
mail server, and the campaign's page with 20,000 submissions; each beside a same-run baseline.

    .venv/bin/python benchmarks/campaigns.py [--members 50000] [--submitted 20000] [--postgres] [--database-url URL]

Figures, for each database:
- import: reading and checking the list (CSV) and adding every enterprise and member, beside the floor of parsing
  the same CSV with the csv module and inserting as many rows of the same width in bulk;
- invitations: recording and queueing one personal mail per member (the owner's "Send invitations"), then a worker
  of 2 threads sending them to a local SMTP server (aiosmtpd), beside the same number of messages sent with smtplib
  over one connection to the same server;
- the campaign's page (the owner's view, tracking and the first page of members) with `--submitted` members marked
  submitted: median of 10 requests, beside a static file through the same client.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import secrets
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from huey.consumer import Consumer  # noqa: E402
from sqlalchemy import create_engine, func, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import create_app  # noqa: E402
from assessment.classifications import load_industries, load_regions  # noqa: E402
from assessment.credit_code import check_character  # noqa: E402
from jobs import campaigns as campaign_jobs  # noqa: E402
from jobs.queue import queue, serve  # noqa: E402
from spreadsheets.campaign_list import read_member_list  # noqa: E402
from storage.accounts import create_user  # noqa: E402
from storage.campaigns import add_members, create_campaign  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.tables import CampaignMember, MailMessage, utcnow  # noqa: E402

JURISDICTION = "370000"  # Shandong
SIZES = ("large", "medium", "small", "micro")
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no mail server on port {port}")


def waiting(engine) -> int:
    """Messages not yet sent (nor given up)."""
    with Session(engine) as session:
        return session.exec(select(func.count()).where(MailMessage.status == "queued")).one()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def credit_code(number: int) -> str:
    """A well-formed unified social credit code (GB 32100-2015): registration office, type, region, serial, check."""
    body = "91" + "370100" + "".join(CODE_CHARACTERS[(number // 31**i) % 31] for i in range(9))
    return body + check_character(body)


def member_list(count: int) -> bytes:
    """A list of `count` enterprises of Shandong, as an agency would upload it."""
    rng = random.Random(7)
    regions = [city.code for city in load_regions().children(JURISDICTION)]
    industries = sorted(load_industries())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "credit_code", "region_code", "industry_code", "size_class", "email"])
    for number in range(count):
        writer.writerow([f"Enterprise {number:05d}", credit_code(number), rng.choice(regions), rng.choice(industries),
                         rng.choice(SIZES), f"contact{number}@example.org"])  # fmt: skip
    return out.getvalue().encode()


def floor_import(data: bytes, url: str) -> float:
    """Parse the CSV with the csv module and insert as many rows of its width in bulk: the floor of an import."""
    engine = create_engine(url, poolclass=NullPool)
    start = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode())))[1:]
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_floor (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT)"))
        connection.execute(text("INSERT INTO bench_floor VALUES (:a, :b, :c, :d, :e, :f)"),
                           [dict(zip("abcdef", row, strict=True)) for row in rows])  # fmt: skip
    seconds = time.perf_counter() - start
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_floor"))
    engine.dispose()
    return seconds


def floor_smtp(count: int, port: int) -> float:
    """`count` small messages with smtplib over one connection to the same server: the floor of sending."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "imready@localhost", f"c{number}@example.org", "x"
            message.set_content("Invitation with a personal link https://example.org/c/" + "x" * 43)
            smtp.send_message(message)
    return time.perf_counter() - start


def measure(name: str, url: str, members: int, submitted: int, folder: Path) -> None:
    print(f"== {name}: a campaign of {members:,} enterprises")
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48), "TESTING": True,
                      "QUEUE_URL": f"sqlite:///{folder / (name.split()[0] + '.queue.db')}",
                      "WTF_CSRF_ENABLED": False})  # fmt: skip
    app.instance_path = str(folder / "instance")
    engine = app.extensions["db_engine"]
    data = member_list(members)
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        owner = create_user(session=session, email="analyst@example.org", password="a long benchmark password",
                            role="agency", jurisdiction=JURISDICTION)  # fmt: skip
        campaign = create_campaign(session=session, owner=owner, name="Shandong 2026", period=2026,
                                   questionnaire=app.extensions["questionnaires"].get("quick_check"),
                                   deadline=date.today() + timedelta(days=30), reminder_days=[7, 2], language="zh")
        start = time.perf_counter()
        checked = read_member_list(data, "list.csv", jurisdiction=JURISDICTION)
        read = time.perf_counter() - start
        assert checked.ok, checked.problems[:3]
        add_members(session=session, campaign=campaign, listed=checked.rows, secret_key=app.config["SECRET_KEY"])
        imported = time.perf_counter() - start
    floor = floor_import(data, url)
    print(f"  import: {imported:6.1f} s (reading and checking {read:.1f} s); floor (csv + bulk INSERT) {floor:.1f} s;"
          f" {imported / floor:.1f}x")

    port = free_port()  # a mail server in a process of its own, as a real one would be
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                             "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_STARTTLS=False)
    try:
        with app.app_context():
            start = time.perf_counter()
            campaign_jobs.send_invitations.call_local(campaign.id)
            queued = time.perf_counter() - start
            consumer = Consumer(queue, workers=2, worker_type="thread", periodic=False, check_worker_health=False)
            serve(app)
            start = time.perf_counter()
            consumer.start()
            while waiting(engine):
                time.sleep(0.5)
            sent = time.perf_counter() - start
            consumer.stop(graceful=True)
        smtp_floor = floor_smtp(members, port)
    finally:
        sink.terminate()
        sink.wait()
    with Session(engine) as session:
        statuses = dict(session.exec(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all())
    print(f"  invitations: recorded and queued in {queued:.1f} s; sent by a worker of 2 threads in {sent:.1f} s "
          f"({members / sent:,.0f}/s); smtplib alone {smtp_floor:.1f} s ({members / smtp_floor:,.0f}/s); "
          f"{sent / smtp_floor:.1f}x; statuses {statuses}")

    with Session(engine) as session:
        ids = session.exec(select(CampaignMember.id).where(CampaignMember.campaign_id == campaign.id)
                           .order_by(CampaignMember.id).limit(submitted)).all()  # fmt: skip
        now = utcnow()
        for start_at in range(0, len(ids), 5000):
            chunk = ids[start_at:start_at + 5000]
            session.execute(update(CampaignMember).where(CampaignMember.id.in_(chunk)).values(
                opened_at=now - timedelta(hours=2), started_at=now - timedelta(hours=1, minutes=50),
                submitted_at=now - timedelta(minutes=random.randint(1, 60))))
        session.commit()
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = str(owner.id)
        browser["_fresh"] = True
        browser["_epoch"] = owner.session_epoch
    page_times, static_times = [], []
    for _ in range(10):
        start = time.perf_counter()
        response = client.get(f"/campaigns/{campaign.id}")
        page_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        start = time.perf_counter()
        client.get("/static/css/site.css")
        static_times.append(time.perf_counter() - start)
    print(f"  campaign page with {submitted:,} submissions: median {statistics.median(page_times) * 1000:.0f} ms, "
          f"slowest {max(page_times) * 1000:.0f} ms; a static file {statistics.median(static_times) * 1000:.1f} ms")
    engine.dispose()
    queue.configure(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--submitted", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true", help="also on the throwaway server of .ci/pg.sh")
    parser.add_argument("--database-url", help="also on this empty PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if not arguments.no_sqlite:
            measure("SQLite", f"sqlite:///{folder / 'campaign.db'}", arguments.members, arguments.submitted, folder)
        urls = [arguments.database_url] if arguments.database_url else []
        if arguments.postgres:
            server = subprocess.run(["bash", str(ROOT / ".ci/pg.sh"), "start"], capture_output=True, text=True,
                                    env={"IMREADY_PG_PORT": "55496", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
                                    check=True)  # fmt: skip
            urls.append(server.stdout.strip())
        for url in urls:
            measure(f"PostgreSQL ({make_url(url).host})", url, arguments.members, arguments.submitted, folder)


if __name__ == "__main__":
    main()

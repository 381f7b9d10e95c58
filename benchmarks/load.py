"""Drive concurrent respondents through the quick check on gunicorn; print latency and what was lost.

    .venv/bin/python benchmarks/load.py [--respondents 200] [--duration 180] [--think 5-15] [--workers N] [--sqlite]

It starts a throwaway PostgreSQL server (`.ci/pg.sh`, port `--pg-port`, default 55502) unless DATABASE_URL names a
database, which must be expendable: it gets the demo data and thousands of test enterprises; `--sqlite` uses a
SQLite file in a temporary folder instead. It upgrades the schema, loads `--demo` synthetic enterprises (so that
results pages compare with real groups), and serves the app with gunicorn as production does (`gunicorn -c
gunicorn.conf.py`, a random secret key, its instance folder in the temporary folder), on `--port`, with a queue
worker beside it (`flask worker`, which records the submissions' benchmark entries). It serves `create_app()`
rather than `wsgi:app`, because production refuses to start on a database holding demo data; the two differ only
in the secret-key, cookie and host checks, which cost nothing per request. The server counts as up once a page of
the app and a static file answer (`--boot-timeout`, default 300 s: workers boot slowly on a loaded machine); if it
does not come up, or a setup command fails, the end of what it logged is printed.

Each simulated respondent is a browser of its own (one keep-alive connection, its own cookies) that fills in the
profile, GETs every page, POSTs valid random answers with the CSRF token read from the page, opens the review,
submits and opens the results, thinking a random `--think` seconds (default uniform 5-15 s, a demanding pace: the
quick check's five pages take a person about eight minutes, 90 s a page) before every form and after the results;
then it starts over with a new enterprise. Each cycle it also GETs a static file (`STATIC_FILE`, as a browser
would for the pages' stylesheet): the same server's fastest answer, printed beside every step as the baseline of
the same run and phase. Three phases, one after the other: a warm-up (one respondent per server
thread, no think time, not counted in the figures), the baseline (one respondent alone for `--baseline` seconds, no
think time) and the load (`--respondents` for `--duration` seconds; a respondent stops at the first step it would
start after the end).

Afterwards every answer a page save sent and the server accepted is looked up in the StoredAnswer table (same value),
and every accepted submission must be "submitted" with a score and, once the worker has caught up, have its
benchmark entry. Targets: no errors (a status other than the one the step expects, a connection error, a page
showing an error, or an error in the server log), nothing lost, a page save's 95th percentile under 200 ms, and
submit → results (pressing submit until the results page has arrived) under 1 s at the 95th percentile. The exit
status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, col, func, select  # noqa: E402

from assessment.classifications import load_industries, load_regions  # noqa: E402
from questionnaires.catalog import Catalog  # noqa: E402
from storage.tables import Assessment, BenchmarkEntry, StoredAnswer  # noqa: E402

QUESTIONNAIRE = "quick_check"
SUBMIT_TO_RESULTS = "submit → results"  # from pressing submit until the results page has arrived
STEPS = ("static file", "profile page", "start", "page GET", "page save", "review", "submit", "results",
         SUBMIT_TO_RESULTS)
PAGE_SAVE_P95_TARGET = 0.200
SUBMIT_TO_RESULTS_P95_TARGET = 1.0
ENTRY_WAIT = 120  # seconds the worker gets, after the load, to record the last submissions' benchmark entries
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# what a page shows when something went wrong: a flashed error or warning, a marked answer, the error pages
ERROR_MARKERS = ('class="flash flash-error"', 'class="flash flash-warning"', 'class="error"', "has-error",
                 "Something went wrong", "Request not accepted")  # fmt: skip
# the first line of an error record in the server log (gunicorn's, or Flask's logger), and an exception's last line
SERVER_LOG_ERROR = re.compile(r"\[ERROR\]|\] ERROR in |\[CRITICAL\]|WORKER TIMEOUT")
SERVER_LOG_EXCEPTION = re.compile(r"^[\w.]+(Error|Exception|Violation): ")
REQUEST_TIMEOUT = 60
STATIC_FILE = "/static/css/app.css"  # the baseline: a file the server sends as it is, through the same workers
BASELINE_STEP = "static file"
# the app as the load test serves it: production refuses demo data (see the docstring); `wsgi:app` otherwise
APP = "app:create_app(production=False)"
WORKER_SETTLE_TIMEOUT = 120  # seconds at most for the queue worker to finish starting
WORKER_IDLE_SHARE = 0.05  # of a core: the worker is waiting on its queue, not starting up
BOOT_TIMEOUT = 300  # seconds for gunicorn's workers to import the app; a minute was too short on the loaded machine


class StepFailed(Exception):
    """A request did not get the response a browser would need to go on."""


class Stop(Exception):
    """The phase is over: no new step starts."""


@dataclass
class Response:
    """An HTTP response as the client read it."""

    status: int
    headers: dict[str, str]
    body: str


class Browser:
    """One respondent's browser: a keep-alive HTTP/1.1 connection of its own and its own cookie jar."""

    def __init__(self, host: str, port: int, phase: Phase):
        self.host, self.port, self.phase = host, port, phase
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, form: dict | None = None) -> Response:
        """Send one request and read the whole response; a reused connection the server closed is opened again."""
        body = urlencode(form, doseq=True).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Language: en",
                 "User-Agent: imready-load"]  # fmt: skip
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):
            reused = self.writer is not None
            if not reused:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(message)
                await self.writer.drain()
                return await self._read_response()
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                self.close()
                # keep-alive closed by the server before it read the request (idle timeout, worker restart)
                if reused and attempt == 1 and not getattr(error, "partial", b""):
                    self.phase.reconnects += 1
                    continue
                raise
        raise AssertionError("unreachable")

    async def _read_response(self) -> Response:
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in head[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._set_cookie(value)
            headers[name] = value
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")  # the empty trailer
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body.decode("utf-8", "replace"))

    def _set_cookie(self, value: str) -> None:
        pair, *attributes = value.split(";")
        name, _, cookie = pair.strip().partition("=")
        if not cookie or any(attribute.strip().lower() == "max-age=0" for attribute in attributes):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = cookie

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Phase:
    """One phase of the run: its respondents' latencies, errors and what the server accepted from them."""

    name: str
    think: tuple[float, float]
    deadline: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    sent: dict[str, dict[str, object]] = field(default_factory=lambda: defaultdict(dict))  # token -> answers
    submitted: set[str] = field(default_factory=set)
    completed: int = 0
    in_time: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # requests and results before the end
    reconnects: int = 0
    started: float = 0.0
    ended: float = 0.0

    async def pause(self, rng: random.Random) -> None:
        """Think before the next step; raise Stop when the phase has ended."""
        low, high = self.think
        if high > 0:
            await asyncio.sleep(min(rng.uniform(low, high), max(0.0, self.deadline - time.monotonic())))
        if time.monotonic() >= self.deadline:
            raise Stop

    async def step(self, browser: Browser, name: str, method: str, path: str, form: dict | None = None, *,
                   status: int, location: str | None = None) -> Response:  # fmt: skip
        """One request, timed; anything but the expected response is recorded as an error and raises StepFailed."""
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(browser.request(method, path, form), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as error:
            browser.close()
            return self._fail(name, path, f"{type(error).__name__}: {error}")
        self.latencies[name].append(time.monotonic() - started)
        if time.monotonic() <= self.deadline:
            self.in_time["requests"] += 1
        if response.status != status:
            return self._fail(name, path, f"status {response.status}, expected {status}")
        if location is not None and not re.search(location, response.headers.get("location", "")):
            return self._fail(name, path, f"redirected to {response.headers.get('location')!r}, expected {location}")
        html = response.headers.get("content-type", "").startswith("text/html")
        if status == 200 and html and (marker := next((m for m in ERROR_MARKERS if m in response.body), None)):
            return self._fail(name, path, f"the page shows an error ({marker})")
        return response

    def _fail(self, name: str, path: str, problem: str):
        self.errors.append(f"{name} {path}: {problem}")
        raise StepFailed(problem)


class Enterprises:
    """Random but valid profiles and answers for the quick check."""

    def __init__(self, questionnaire, rng: random.Random):
        self.questionnaire, self.rng = questionnaire, rng
        self.regions = [code for code, _ in load_regions().choices("en")]
        self.industries = sorted(load_industries())

    def profile(self, name: str) -> dict:
        """The profile form of a new enterprise."""
        rng = self.rng
        return {"name": name, "region": rng.choice(self.regions), "industry": rng.choice(self.industries),
                "employees": str(rng.randint(5, 3000)), "revenue": str(rng.randint(1, 2000))}  # fmt: skip

    def answers(self, dimension) -> tuple[dict, dict]:
        """(form fields, the JSON values the StoredAnswer table must then hold) for one page."""
        form, expected = {}, {}
        for question in dimension.questions:
            rng, kind = self.rng, question.type
            if question.not_applicable and rng.random() < 0.1:
                form.update({f"{question.id}__na": "y"} if kind in ("multiple", "number") else {question.id: "na"})
                expected[question.id] = "na"
            elif kind == "ladder":
                expected[question.id] = level = rng.randint(0, 5)
                form[question.id] = str(level)
            elif kind == "single":
                form[question.id] = expected[question.id] = rng.choice(question.options).id
            elif kind == "multiple":
                chosen = [option.id for option in question.options if rng.random() < 0.5] or [question.options[0].id]
                form[question.id], expected[question.id] = chosen, chosen
            elif kind == "number":
                expected[question.id] = value = rng.randint(int(question.min), int(question.max))
                form[question.id] = str(value)
            elif kind == "yesno":
                expected[question.id] = yes = rng.random() < 0.5
                form[question.id] = "yes" if yes else "no"
            else:
                form[question.id] = expected[question.id] = f"资金不足 – lack of funding ({rng.randint(1, 10**6)})"
        return form, expected


async def respondent(number: int, phase: Phase, enterprises: Enterprises, host: str, port: int, cycles: int | None,
                     seed: int) -> None:  # fmt: skip
    """Take the quick check again and again, with a new enterprise each time, until the phase ends."""
    rng = random.Random(seed)
    browser = Browser(host, port, phase)
    start = f"/start/{QUESTIONNAIRE}"
    pages = enterprises.questionnaire.dimensions
    cycle = 0
    try:
        await phase.pause(rng)  # respondents arrive spread over one think time, not all at once
        while cycles is None or cycle < cycles:
            cycle += 1
            try:
                await phase.step(browser, BASELINE_STEP, "GET", STATIC_FILE, status=200)
                page = await phase.step(browser, "profile page", "GET", start, status=200)
                await phase.pause(rng)
                form = {**enterprises.profile(f"Load test {phase.name} {number}-{cycle}"), "csrf_token": csrf(page)}
                started = await phase.step(browser, "start", "POST", start, form, status=302,
                                           location=r"/a/[^/]+/page/1$")  # fmt: skip
                token = started.headers["location"].split("/a/")[1].split("/")[0]
                for index, dimension in enumerate(pages, start=1):
                    page = await phase.step(browser, "page GET", "GET", f"/a/{token}/page/{index}", status=200)
                    await phase.pause(rng)
                    form, expected = enterprises.answers(dimension)
                    following = f"/page/{index + 1}$" if index < len(pages) else "/review$"
                    await phase.step(browser, "page save", "POST", f"/a/{token}/page/{index}",
                                     {**form, "action": "next", "csrf_token": csrf(page)}, status=302,
                                     location=following)  # fmt: skip
                    phase.sent[token].update(expected)
                review = await phase.step(browser, "review", "GET", f"/a/{token}/review", status=200)
                await phase.pause(rng)
                pressed = time.monotonic()
                await phase.step(browser, "submit", "POST", f"/a/{token}/submit", {"csrf_token": csrf(review)},
                                 status=302, location="/results$")  # fmt: skip
                phase.submitted.add(token)
                await phase.step(browser, "results", "GET", f"/a/{token}/results", status=200)
                phase.latencies[SUBMIT_TO_RESULTS].append(time.monotonic() - pressed)
                phase.completed += 1
                phase.in_time["completed"] += time.monotonic() <= phase.deadline
                await phase.pause(rng)
            except StepFailed:
                await phase.pause(rng)  # a person would start again after a moment
    except Stop:
        pass
    finally:
        browser.close()


def csrf(response: Response) -> str:
    """The CSRF token of the page's form."""
    match = CSRF.search(response.body)
    if match is None:
        raise StepFailed("the page has no CSRF token")
    return match.group(1)


async def run_phase(phase: Phase, respondents: int, seconds: float | None, cycles: int | None,
                    enterprises: Enterprises, port: int, seed: int) -> Phase:  # fmt: skip
    """Run `respondents` at once until `seconds` have passed or each has done `cycles` cycles."""
    phase.started = time.monotonic()
    phase.deadline = phase.started + seconds if seconds is not None else float("inf")
    await asyncio.gather(*(respondent(n, phase, enterprises, "127.0.0.1", port, cycles, seed * 100_003 + n)
                           for n in range(respondents)))  # fmt: skip
    phase.ended = time.monotonic()
    return phase


class Monitor:
    """Samples during a phase: the client's event-loop lag, CPU by process tree, PostgreSQL's connections."""

    def __init__(self, url: str, servers: dict[str, int]):
        self.engine = create_engine(url, pool_size=1) if url.startswith("postgresql") else None
        self.servers = servers  # name -> root process id
        self.lags: list[float] = []
        self.connections: list[int] = []
        self.start = self._cpu()

    def _cpu(self) -> dict[str, float]:
        """CPU seconds so far: the machine (busy), each server's process tree, this client."""
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        ticks = os.sysconf("SC_CLK_TCK")
        used = {"machine": (sum(fields) - fields[3] - fields[4]) / ticks, "client": time.process_time()}
        parents, times = self.processes()
        for name, root in self.servers.items():
            used[name] = self.tree_cpu(root, parents, times)
        return used

    @staticmethod
    def processes() -> tuple[dict[int, int], dict[int, float]]:
        """(parent, CPU seconds) of every process on the machine, by process id."""
        ticks = os.sysconf("SC_CLK_TCK")
        parents, times = {}, {}
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split() if entry.name.isdigit() else None
            except OSError:
                continue
            if stat:  # ppid, then utime, stime and what reaped children used
                parents[int(entry.name)] = int(stat[1])
                times[int(entry.name)] = sum(int(value) for value in stat[11:15]) / ticks
        return parents, times

    @classmethod
    def tree_cpu(cls, root: int, parents: dict[int, int] | None = None, times: dict[int, float] | None = None
                 ) -> float:  # fmt: skip
        """CPU seconds used so far by process `root` and its descendants."""
        if parents is None or times is None:
            parents, times = cls.processes()
        tree, grown = {root}, True
        while grown:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grown = bool(more)
        return sum(times.get(pid, 0.0) for pid in tree)

    def _count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) - 1 FROM pg_stat_activity "
                                           "WHERE datname = current_database()")).scalar_one()  # fmt: skip

    async def run(self) -> None:
        """Sample until cancelled."""
        next_count = 0.0
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.lags.append(time.monotonic() - before - 0.05)
            if self.engine is not None and before >= next_count:
                self.connections.append(await asyncio.to_thread(self._count))
                next_count = before + 1.0

    def cpu(self, seconds: float) -> str:
        """Who used the CPU since the monitor was made, as shares of all cores."""
        used = {name: value - self.start[name] for name, value in self._cpu().items()}
        capacity = seconds * (os.cpu_count() or 1)
        others = used.pop("machine") - sum(used.values())
        shares = [f"{name} {value / capacity:.0%}" for name, value in used.items()]
        return f"CPU of {os.cpu_count()} cores: " + ", ".join(shares) + f", rest of the machine {others / capacity:.0%}"


async def monitored(url: str, servers: dict[str, int], phase_run) -> tuple[Phase, Monitor]:
    """Run a phase with a monitor beside it."""
    monitor = Monitor(url, servers)
    task = asyncio.create_task(monitor.run())
    phase = await phase_run
    task.cancel()
    if monitor.engine is not None:
        monitor.engine.dispose()
    return phase, monitor


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0-1) of `values`, interpolated."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def print_phase(phase: Phase, monitor: Monitor | None) -> None:
    """Throughput and latency per step of one phase."""
    seconds = min(phase.ended, phase.deadline) - phase.started
    requests = sum(len(values) for values in phase.latencies.values())
    print(f"{phase.name}: {seconds:.0f} s (then {phase.ended - phase.deadline:.0f} s for the requests in flight), "
          f"{requests} requests, {phase.in_time['requests'] / seconds:.1f} requests/s, {phase.completed} respondents "
          f"completed ({phase.in_time['completed'] / seconds * 60:.0f}/min), {len(phase.errors)} errors, "
          f"{phase.reconnects} reconnects")  # fmt: skip
    baseline = phase.latencies.get(BASELINE_STEP) or [float("nan")]
    base_median, base_p95 = statistics.median(baseline), percentile(baseline, 0.95)
    print(f"  {'step':<17}{'count':>7}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}   beside the {BASELINE_STEP}")
    for step in STEPS:
        values = phase.latencies.get(step)
        if values:
            median, p95 = statistics.median(values), percentile(values, 0.95)
            beside = f"   median x{median / base_median:.0f}, p95 x{p95 / base_p95:.0f}"
            beside = "" if step == BASELINE_STEP else beside
            print(f"  {step:<17}{len(values):>7}{median * 1000:>11.0f}{p95 * 1000:>9.0f}{max(values) * 1000:>9.0f}"
                  f"{beside}")  # fmt: skip
    print(f"  ({BASELINE_STEP}: GET {STATIC_FILE} on the same server, same phase: median {base_median * 1000:.1f} ms, "
          f"p95 {base_p95 * 1000:.1f} ms)")  # fmt: skip
    if monitor is not None:
        print(f"  {monitor.cpu(seconds)}")
        connections = f"; PostgreSQL connections at most {max(monitor.connections)}" if monitor.connections else ""
        print(f"  client event-loop lag p95 {percentile(monitor.lags, 0.95) * 1000:.0f} ms, max "
              f"{max(monitor.lags) * 1000:.0f} ms{connections}")
    for error in phase.errors[:5]:
        print(f"  error: {error}")


def verify(url: str, phases: list[Phase]) -> tuple[int, int, int, int]:
    """(answers sent, answers lost or changed, submissions sent, submissions not stored) for all phases."""
    sent = {token: answers for phase in phases for token, answers in phase.sent.items()}
    submitted = set().union(*(phase.submitted for phase in phases))
    engine = create_engine(url)
    stored: dict[str, dict[str, object]] = defaultdict(dict)
    states: dict[str, tuple[str, float | None, bool]] = {}
    tokens = sorted(set(sent) | submitted)
    with Session(engine) as session:
        for offset in range(0, len(tokens), 500):
            chunk = tokens[offset : offset + 500]
            rows = session.exec(select(Assessment.token, Assessment.status, Assessment.overall_score,
                                       col(Assessment.result).is_not(None))
                                .where(col(Assessment.token).in_(chunk))).all()  # fmt: skip
            states.update((token, (status, score, has_result)) for token, status, score, has_result in rows)
            answers = session.exec(select(Assessment.token, StoredAnswer.question_id, StoredAnswer.value)
                                   .join(Assessment, Assessment.id == StoredAnswer.assessment_id)
                                   .where(col(Assessment.token).in_(chunk))).all()  # fmt: skip
            for token, question_id, value in answers:
                stored[token][question_id] = value
    engine.dispose()
    count = sum(len(answers) for answers in sent.values())
    lost = sum(1 for token, answers in sent.items() for qid, value in answers.items()
               if qid not in stored[token] or stored[token][qid] != value)  # fmt: skip
    unscored = sum(1 for token in submitted
                   if states.get(token, ("", None, False))[0] != "submitted" or states[token][1] is None
                   or not states[token][2])  # fmt: skip
    return count, lost, len(submitted), unscored


def unrecorded_entries(url: str, phases: list[Phase]) -> int:
    """Accepted submissions still without their benchmark entry (the worker records them from the queue), after
    waiting up to ENTRY_WAIT seconds for it to catch up."""
    submitted = sorted(set().union(*(phase.submitted for phase in phases)))
    engine = create_engine(url)
    deadline = time.monotonic() + ENTRY_WAIT
    while True:
        with Session(engine) as session:
            recorded = sum(session.exec(select(func.count()).select_from(BenchmarkEntry)
                                        .join(Assessment, Assessment.id == BenchmarkEntry.assessment_id)
                                        .where(col(Assessment.token).in_(submitted[offset : offset + 500]))).one()
                           for offset in range(0, len(submitted), 500))  # fmt: skip
        if recorded == len(submitted) or time.monotonic() > deadline:
            engine.dispose()
            return len(submitted) - recorded
        time.sleep(2)


def wait_for_server(port: int, process: subprocess.Popen, log: Path, seconds: float) -> float:
    """Wait until the app's home page and a static file answer 200 on `port` and return the seconds it took; fail,
    with the end of the server's log, if gunicorn exits first or the deadline passes."""
    started = time.monotonic()
    ready = dict.fromkeys(("/", STATIC_FILE), False)
    while time.monotonic() < started + seconds:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}; it logged:\n{tail(log)}")
        for path in [path for path, answered in ready.items() if not answered]:
            ready[path] = answers(port, path)
        if all(ready.values()):
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit(f"the app did not answer {[p for p, ok in ready.items() if not ok]} on port {port} within "
                     f"{seconds:.0f} s; gunicorn logged:\n{tail(log)}")  # fmt: skip


def wait_until_idle(process: subprocess.Popen, log: Path, seconds: float = WORKER_SETTLE_TIMEOUT) -> float:
    """Wait until `process` (with its children) has used under WORKER_IDLE_SHARE of a core for a second, at most
    `seconds`; return the seconds waited. Fail, with the end of its log, if it exits."""
    started = time.monotonic()
    before = Monitor.tree_cpu(process.pid)
    while time.monotonic() < started + seconds:
        time.sleep(1.0)
        if process.poll() is not None:
            raise SystemExit(f"the queue worker exited with status {process.returncode}; it logged:\n{tail(log)}")
        now = Monitor.tree_cpu(process.pid)
        if now - before < WORKER_IDLE_SHARE:
            break
        before = now
    return time.monotonic() - started


def answers(port: int, path: str) -> bool:
    """Whether GET `path` gets a 200 on `port` (a slow answer is waited for: a worker may still be importing)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            return connection.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def tail(log: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def run_setup(command: list[str], env: dict, what: str) -> None:
    """Run a setup command (schema, demo data); fail with what it printed if it fails."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (status {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def start_postgres(port: int) -> str:
    """Start the throwaway PostgreSQL server of .ci/pg.sh on `port` and return its URL."""
    result = subprocess.run(["bash", ".ci/pg.sh", "start"], cwd=ROOT, env={**os.environ, "IMREADY_PG_PORT": str(port)},
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"could not start PostgreSQL: {result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--duration", type=float, default=180, help="seconds of load")
    parser.add_argument("--think", default="5-15", help="think time before each form, uniform LOW-HIGH seconds")
    parser.add_argument("--baseline", type=float, default=15, help="seconds of one respondent alone (0: skip)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (WEB_CONCURRENCY; default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (IMREADY_THREADS; default: gunicorn.conf.py)")
    parser.add_argument("--port", type=int, default=8502, help="the port gunicorn listens on")
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("IMREADY_PG_PORT", 55502)))
    parser.add_argument("--demo", type=int, default=1000, help="synthetic enterprises loaded first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wsgi", default=APP, help="the app gunicorn serves, to measure a variant")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--boot-timeout", type=float, default=BOOT_TIMEOUT, help="seconds for gunicorn to come up")
    args = parser.parse_args()
    think = tuple(float(value) for value in args.think.split("-"))
    think = (think[0], think[-1])

    folder = Path(tempfile.mkdtemp(prefix="imready-load-"))
    own_server = not os.environ.get("DATABASE_URL") and not args.sqlite
    if args.sqlite:
        url = f"sqlite:///{folder / 'load.db'}"
    else:
        url = os.environ.get("DATABASE_URL") or start_postgres(args.pg_port)
    gunicorn = worker = None
    try:
        # the instance folder (secret key file, evidence, reports) in the temporary folder, not the repository's
        env = {**os.environ, "DATABASE_URL": url, "IMREADY_INSTANCE_PATH": str(folder / "instance")}
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        run_setup([*flask, "db", "upgrade"], env, "flask db upgrade")
        if args.demo:
            started = time.perf_counter()
            run_setup([*flask, "demo", "load", "--count", str(args.demo)], env, "flask demo load")
            print(f"demo data: {args.demo} enterprises in {time.perf_counter() - started:.0f} s")
        env.update(IMREADY_SECRET_KEY=secrets.token_urlsafe(36), IMREADY_SESSION_COOKIE_SECURE="false",
                   IMREADY_BIND=f"127.0.0.1:{args.port}")  # fmt: skip
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        if args.threads:
            env["IMREADY_THREADS"] = str(args.threads)
        log = folder / "gunicorn.log"
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", args.wsgi]
        gunicorn = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        booted = wait_for_server(args.port, gunicorn, log, args.boot_timeout)
        # the queue's worker records the submissions' benchmark entries (jobs/statistics.py), as in production
        worker_log = folder / "worker.log"
        worker = subprocess.Popen([*flask, "worker", "--threads", "2"], cwd=ROOT, env=env, stdout=worker_log.open("w"),
                                  stderr=subprocess.STDOUT)  # fmt: skip
        servers = {"gunicorn": gunicorn.pid, "queue worker": worker.pid}
        # the worker loads the report fonts and starts a browser when it starts: a second of CPU or more that would
        # otherwise fall into the first phase
        settled = wait_until_idle(worker, worker_log)
        database = "SQLite"
        if url.startswith("postgresql"):
            with engine_for(url) as connection:
                max_connections = connection.execute(text("SHOW max_connections")).scalar_one()
                backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            if Path(f"/proc/{backend}").exists():  # a server on this machine: count its processes' CPU too
                servers["PostgreSQL"] = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
            database = f"PostgreSQL max_connections {max_connections}"
        workers, threads = server_settings(env)
        print(f"gunicorn: {workers} workers x {threads} threads on port {args.port}, up in {booted:.0f} s; {database}; "
              f"server log {log}; queue worker settled in {settled:.0f} s")  # fmt: skip
        return asyncio.run(measure(args, think, url, workers * threads, log, servers))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=40)
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if own_server:
            subprocess.run(["bash", ".ci/pg.sh", "stop"], cwd=ROOT, capture_output=True,
                           env={**os.environ, "IMREADY_PG_PORT": str(args.pg_port)})  # fmt: skip


def engine_for(url: str):
    """A single connection to `url`, as a context manager."""
    return create_engine(url, pool_size=1).connect()


def server_settings(env: dict) -> tuple[int, int]:
    """(workers, threads) that gunicorn.conf.py derives from `env`."""
    namespace: dict = {}
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return namespace["workers"], namespace["threads"]


async def measure(args, think: tuple[float, float], url: str, slots: int, log: Path, servers: dict[str, int]) -> int:
    """Warm up, measure the baseline and the load, check the database and print the figures; the exit status."""
    catalog = Catalog.load(ROOT / "questionnaires")
    enterprises = Enterprises(catalog.get(QUESTIONNAIRE), random.Random(args.seed))
    warm_up = await run_phase(Phase("warm-up", (0, 0)), slots, None, 1, enterprises, args.port, args.seed)
    print(f"warm-up: {slots} respondents once each, {len(warm_up.errors)} errors")
    phases = [warm_up]
    if args.baseline:
        baseline, monitor = await monitored(url, servers, run_phase(Phase("baseline", (0, 0)), 1, args.baseline, None,
                                                           enterprises, args.port, args.seed + 1))  # fmt: skip
        print_phase(baseline, monitor)
        phases.append(baseline)
    print(f"load: {args.respondents} respondents, think time uniform {think[0]:g}-{think[1]:g} s")
    load, monitor = await monitored(url, servers, run_phase(Phase("load", think), args.respondents, args.duration, None,
                                                   enterprises, args.port, args.seed + 2))  # fmt: skip
    print_phase(load, monitor)
    phases.append(load)

    answers, lost, submissions, unscored = verify(url, phases)
    unrecorded = unrecorded_entries(url, phases)
    errors = sum(len(phase.errors) for phase in phases)
    lines = log.read_text(errors="replace").splitlines()
    server_errors = [line for line in lines if SERVER_LOG_ERROR.search(line)]
    exceptions = Counter(line[:200] for line in lines if SERVER_LOG_EXCEPTION.search(line))
    print(f"answers sent and accepted: {answers}; stored with the same value: {answers - lost}; lost or changed: "
          f"{lost}")  # fmt: skip
    print(f"submissions accepted: {submissions}; stored as submitted with a score: {submissions - unscored}; "
          f"with their benchmark entry recorded by the worker: {submissions - unrecorded}")
    print(f"errors: {errors} seen by respondents (all phases), {len(server_errors)} in the server log")
    for line in server_errors[:3]:
        print(f"  server: {line}")
    for line, count in exceptions.most_common(3):
        print(f"  server, {count} times: {line}")
    saves = load.latencies.get("page save", [])
    p95 = percentile(saves, 0.95) if saves else float("inf")
    results = load.latencies.get(SUBMIT_TO_RESULTS, [])
    results_p95 = percentile(results, 0.95) if results else float("inf")
    met = {
        "no errors": errors == 0 and not server_errors,
        "nothing lost": lost == 0 and unscored == 0 and unrecorded == 0,
        f"page save p95 under {PAGE_SAVE_P95_TARGET * 1000:.0f} ms ({p95 * 1000:.0f} ms)": p95 < PAGE_SAVE_P95_TARGET,
        f"submit → results p95 under {SUBMIT_TO_RESULTS_P95_TARGET * 1000:.0f} ms ({results_p95 * 1000:.0f} ms)":
            results_p95 < SUBMIT_TO_RESULTS_P95_TARGET,
    }
    for target, ok in met.items():
        print(f"target {target}: {'met' if ok else 'MISSED'}")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Print how fast an enterprise report renders, what part of that is WeasyPrint alone, and batch throughput.

    .venv/bin/python benchmarks/reports.py [--rounds 9] [--batch 100] [--enterprises 300]

Targets (issue: roadmaps and PDF reports): one report of about ten pages with at least six charts, end to end once
warm, at most 1.5 times the floor (WeasyPrint alone on the same final HTML, timed in the same run) and under two
seconds; and the throughput of a batch of 100 reports. Each figure is the median of `--rounds` rounds, end to end
and floor alternating, so a slow moment of the machine shows in both alike.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select  # noqa: E402

from app import create_app  # noqa: E402
from assessment.roadmap import Settings, Target  # noqa: E402
from assessment.scoring import Result  # noqa: E402
from reports.batch import create_batch, run_batch  # noqa: E402
from reports.enterprise_report import Branding, figures, gather, render_report  # noqa: E402
from reports.pdf import render_pdf  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.demo import load_demo  # noqa: E402
from storage.tables import Assessment  # noqa: E402

SETTINGS = Settings(default=Target("upper_quartile"), goals=frozenset({"cost", "quality"}))


def pages(pdf: bytes) -> int:
    """The number of pages of a PDF, as poppler's pdfinfo reads it."""
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--keep-html", help="write the report's final HTML to this file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="imready-reports-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    app.instance_path = str(folder / "instance")
    catalog = app.extensions["questionnaires"]
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        started = time.perf_counter()
        tokens = load_demo(session=session, catalog=catalog, count=args.enterprises, seed=3,
                           questionnaire_id="quick_check", k=5)  # fmt: skip
        print(f"demo data: {args.enterprises} enterprises in {time.perf_counter() - started:.1f} s")
        assessment = session.exec(select(Assessment).where(Assessment.token == tokens[-1])).one()
        questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)

        def end_to_end():
            result = Result.from_dict(questionnaire, assessment.result)
            data = gather(session=session, catalog=catalog, assessment=assessment, settings=SETTINGS, result=result)
            return render_report(data, "en", Branding("Benchmark Advisory"))

        with app.test_request_context():
            first = time.perf_counter()
            warm = end_to_end()  # starts the browser and loads the fonts
            print(f"first report (browser start, fonts): {time.perf_counter() - first:.2f} s")
            count = len(figures(gather(session=session, catalog=catalog, assessment=assessment, settings=SETTINGS,
                                       result=Result.from_dict(questionnaire, assessment.result)), "en"))  # fmt: skip
            print(f"report: {pages(warm.pdf)} pages, {count} charts, {len(warm.pdf) / 1024:.0f} KiB")
            if args.keep_html:
                Path(args.keep_html).write_text(warm.html, encoding="utf-8")
            totals, floors, charts = [], [], []
            for _ in range(args.rounds):
                started = time.perf_counter()
                rendered = end_to_end()
                totals.append(time.perf_counter() - started)
                charts.append(rendered.charts.seconds)
                started = time.perf_counter()
                render_pdf(rendered.html)
                floors.append(time.perf_counter() - started)
        total, floor, chart = (statistics.median(values) for values in (totals, floors, charts))
        print(f"end to end (median of {args.rounds}): {total * 1000:.0f} ms")
        print(f"WeasyPrint alone on the final HTML (floor): {floor * 1000:.0f} ms")
        print(f"chart export ({count} charts as PNG, two browser tabs): {chart * 1000:.0f} ms")
        print(f"end to end / floor: {total / floor:.2f} (target at most 1.5); under 2 s: {total < 2}")

        ids = [a.id for a in session.exec(select(Assessment).where(Assessment.status == "submitted")
                                          .order_by(Assessment.id.desc()).limit(args.batch))]  # fmt: skip
        batch = create_batch(session=session, assessment_ids=ids, language="en", settings=SETTINGS,
                             branding=Branding("Benchmark Advisory"))  # fmt: skip
        started = time.perf_counter()
        batch = run_batch(session=session, catalog=catalog, batch=batch, folder=folder / "zips")
        seconds = time.perf_counter() - started
        print(f"batch of {len(ids)} reports: {seconds:.1f} s, {len(ids) / seconds:.2f} reports/s, "
              f"{len(batch.failures)} failed, ZIP {Path(batch.path).stat().st_size / 2**20:.1f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()

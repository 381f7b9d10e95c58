"""Print how fast an enterprise report renders, what part of that is WeasyPrint alone, and batch throughput.

    .venv/bin/python benchmarks/reports.py [--rounds 9] [--batch 100] [--enterprises 300] [--lang en zh]

Targets (issue 16): one report of about ten pages with at least six charts, end to end once warm, at most 1.2 times
the floor (WeasyPrint alone on the same final HTML, timed in the same run), in English and in Chinese; a batch's
throughput; and the agencies' regional report of every province with data, in Chinese. Each figure is the median
of `--rounds` rounds, end to end, the same-run baseline ("one after the other": charts drawn, then the HTML
printed, as reports were printed before the charts were drawn during the printing) and floor alternating, so a
slow moment of the machine shows in all alike. The floor is given the same HTML and the same chart images, through the
same image cache, already drawn.
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

from flask_babel import force_locale  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import create_app  # noqa: E402
from assessment.classifications import load_regions  # noqa: E402
from assessment.regional.comparison import Selection  # noqa: E402
from assessment.regional.selection import selected_regions  # noqa: E402
from assessment.roadmap import Settings, Target  # noqa: E402
from assessment.scoring import Result  # noqa: E402
from reports import regional_report  # noqa: E402
from reports.batch import create_batch, run_batch  # noqa: E402
from reports.enterprise_report import Branding, figures, gather, render_html, render_report  # noqa: E402
from reports.pdf import export_charts, render_pdf  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.demo import load_demo  # noqa: E402
from storage.releases import make_release  # noqa: E402
from storage.tables import Assessment, RegionalReportJob  # noqa: E402

PARTS = ("report", "regional", "batch")
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
    parser.add_argument("--lang", nargs="+", default=["en", "zh"], help="the languages of the single report")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure")
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
        def gathered(one: Assessment):
            q = catalog.get(one.questionnaire_id, one.questionnaire_version)
            return gather(session=session, catalog=catalog, assessment=one, settings=SETTINGS,
                          result=Result.from_dict(q, one.result))  # fmt: skip

        def end_to_end(lang: str):
            return render_report(gathered(assessment), lang, Branding("Benchmark Advisory"))

        def one_after_the_other(one: Assessment, lang: str) -> bytes:
            """The report as it was printed before: every chart drawn, then the HTML printed."""
            data = gathered(one)
            with force_locale(lang):
                charts = export_charts(figures(data, lang), app.config.get("CHROMIUM_PATH"))
                html = render_html(data, lang, Branding("Benchmark Advisory"), charts)
            return render_pdf(html)

        with app.test_request_context():
            first = time.perf_counter()
            warm = end_to_end("en")  # starts the browser and loads the fonts
            print(f"first report (browser start, fonts): {time.perf_counter() - first:.2f} s")
            count = len(figures(gathered(assessment), "en"))
            print(f"report: {pages(warm.pdf)} pages, {count} charts, {len(warm.pdf) / 1024:.0f} KiB")
            if args.keep_html:
                Path(args.keep_html).write_text(warm.html, encoding="utf-8")
            for lang in args.lang if "report" in args.parts else ():
                totals, before, floors, charts = [], [], [], []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    rendered = end_to_end(lang)
                    totals.append(time.perf_counter() - started)
                    charts.append(rendered.charts.seconds)
                    started = time.perf_counter()
                    one_after_the_other(assessment, lang)
                    before.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    render_pdf(rendered.html, charts=rendered.charts)
                    floors.append(time.perf_counter() - started)
                total, sequential, floor, chart = (statistics.median(v) for v in (totals, before, floors, charts))
                print(f"[{lang}] end to end (median of {args.rounds}): {total * 1000:.0f} ms; one after the other "
                      f"(before): {sequential * 1000:.0f} ms")  # fmt: skip
                print(f"[{lang}] WeasyPrint alone on the final HTML (floor): {floor * 1000:.0f} ms; chart export "
                      f"({count} charts as PNG, drawn while WeasyPrint lays out): {chart * 1000:.0f} ms")  # fmt: skip
                print(f"[{lang}] end to end / floor: {total / floor:.2f} (target at most 1.2); "
                      f"before / floor: {sequential / floor:.2f}")  # fmt: skip

            if "regional" in args.parts:
                regional(app, session, catalog, args.rounds)
            if "batch" not in args.parts:
                return
            ids = [a.id for a in session.exec(select(Assessment).where(Assessment.status == "submitted")
                                              .order_by(Assessment.id.desc()).limit(args.batch))]  # fmt: skip
            started = time.perf_counter()
            for assessment_id in ids:
                one_after_the_other(session.get(Assessment, assessment_id), "en")
            sequential = time.perf_counter() - started
            batch = create_batch(session=session, assessment_ids=ids, language="en", settings=SETTINGS,
                                 branding=Branding("Benchmark Advisory"))  # fmt: skip
            started = time.perf_counter()
            batch = run_batch(session=session, catalog=catalog, batch=batch, folder=folder / "zips")
            seconds = time.perf_counter() - started
            print(f"batch of {len(ids)} reports: {seconds:.1f} s, {len(ids) / seconds:.2f} reports/s, "
                  f"{len(batch.failures)} failed, ZIP {Path(batch.path).stat().st_size / 2**20:.1f} MiB; "
                  f"one after the other (before): {sequential:.1f} s")  # fmt: skip


def regional(app, session: Session, catalog, rounds: int) -> None:
    """The agencies' regional report of every province with data and the country, in Chinese: printed as the queue
    prints it, beside the same report printed one after the other (charts drawn, then printed) as before."""
    make_release(session=session, catalog=catalog, k=5, trigger="benchmark")
    codes, only_with_data = selected_regions(load_regions())
    selection = Selection(questionnaire_id="quick_check", period=2026, region_codes=codes,
                          only_with_data=only_with_data)  # fmt: skip
    job = RegionalReportJob(user_id=0, language="zh", selection=regional_report.selection_to_json(selection))
    browser = app.config.get("CHROMIUM_PATH")
    original = regional_report.print_report

    def one_after_the_other(figures, browser, html_for, *, draw=True):
        html = html_for(export_charts(figures, browser))
        return type("Printed", (), {"pdf": render_pdf(html)})

    regional_report.print_queued(session=session, catalog=catalog, job=job, k=5, browser=browser)  # warm
    now, before = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        pdf, _name = regional_report.print_queued(session=session, catalog=catalog, job=job, k=5, browser=browser)
        now.append(time.perf_counter() - started)
        regional_report.print_report = one_after_the_other
        try:
            started = time.perf_counter()
            regional_report.print_queued(session=session, catalog=catalog, job=job, k=5, browser=browser)
            before.append(time.perf_counter() - started)
        finally:
            regional_report.print_report = original
    print(f"regional report in Chinese, {len(codes)} regions asked, {pages(pdf)} pages: "
          f"{statistics.median(now):.2f} s (median of {rounds}); one after the other (before): "
          f"{statistics.median(before):.2f} s; the request that queues it returns at once")  # fmt: skip

if __name__ == "__main__":
    main()

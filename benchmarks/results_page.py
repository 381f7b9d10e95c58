"""Print how fast the results page is: its HTML, the plotly.js bytes on the wire, and a real browser's time to charts.

    nice -n 10 .venv/bin/python benchmarks/results_page.py [--rounds 20] [--browser-rounds 5] [--enterprises 150]

Targets (issue 16): the results page ready (the first chart and every chart in view drawn; charts further down are
drawn as they come near, or when the browser is idle) in under 1.5 s with a cold cache and under 0.5 s warm. Each
figure is a median, beside a baseline timed in the same run (a static file for the HTML, a blank page for the
browser), so a slow moment of the machine shows in both alike. The browser part runs three times: with the partial
bundle the app serves, with it and every chart drawn at once as the page loads (as static/js/charts.js did before),
and with the plotly package's full bundle served uncompressed in its place (what pages loaded before).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import logging
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotly.graph_objects as go  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from storage.accounts import create_user  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.demo import load_demo  # noqa: E402
from storage.tables import Assessment  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# Ready, what the reader sees: the first chart and every chart in view drawn (static/js/charts.js draws those first
# and the others as they come near the screen, or one at a time when the browser is idle): each holds plotly.js's SVG
# with a trace plotted in it.
CHARTS_IN_VIEW_DRAWN = ("() => { const plots = [...document.querySelectorAll('.chart')];"
                        " const inView = p => { const box = p.getBoundingClientRect();"
                        " return box.bottom > 0 && box.top < innerHeight; };"
                        " return plots.length > 0 && plots.filter((p, i) => i === 0 || inView(p))"
                        ".every(p => p.querySelector('svg.main-svg g.trace, svg.main-svg g.hm')); }")
# The page's own clock (ms from the start of its navigation) at the first frame painted ready, noted as the page
# changes: asking the page from outside waits behind the charts it goes on drawing while idle, which the reader does
# not wait for.
NOTE_READY = ("new MutationObserver(function (changes, observer) {"
              f" if (({CHARTS_IN_VIEW_DRAWN})()) {{ observer.disconnect();"
              " requestAnimationFrame(function () { window.imreadyReady = performance.now(); }); }"
              " }).observe(document, {childList: true, subtree: true});")
# Every chart drawn, in view or not.
CHARTS_DRAWN = ("() => { const plots = document.querySelectorAll('.chart');"
                " return plots.length > 0 && [...plots].every(p => p.querySelector('svg.main-svg')); }")

# When the page's HTML had all come, in ms from the start of the navigation.
HTML_DONE = "performance.getEntriesByType('navigation')[0].responseEnd"


def median_ms(call: Callable[[], object], rounds: int) -> float:
    """The median time of `rounds` calls, in milliseconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def signed_in_client(app, email: str, password: str):
    """A test client signed in through the sign-in form."""
    client = app.test_client()
    form = client.get("/account/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/account/sign-in", data={"csrf_token": token, "email": email, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def full_bundle_app(app, bundle: bytes):
    """The app with the plotly package's full bundle in the partial one's place, served as before: uncompressed,
    cached for a day."""
    headers = [("Content-Type", "application/javascript"), ("Content-Length", str(len(bundle))),
               ("Cache-Control", "public, max-age=86400")]

    def wsgi(environ, start_response):
        if re.fullmatch(r"/assets/plotly-[0-9a-f]{16}\.min\.js", environ.get("PATH_INFO", "")):
            start_response("200 OK", headers)
            return [bundle]
        return app(environ, start_response)

    return wsgi


# static/js/charts.js before issue 16's drawing order: every chart at once, as the page loads.
ALL_AT_ONCE = b"""document.querySelectorAll("[data-figure]").forEach(function (element) {
  var figure = JSON.parse(element.getAttribute("data-figure"));
  Plotly.newPlot(element, figure.data, figure.layout, {responsive: true, displaylogo: false});
});
"""


def all_at_once_app(app):
    """The app with the charts drawn as before, every one at once as the page loads."""
    headers = [("Content-Type", "text/javascript"), ("Content-Length", str(len(ALL_AT_ONCE)))]

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO", "").endswith("/js/charts.js"):
            start_response("200 OK", headers)
            return [ALL_AT_ONCE]
        return app(environ, start_response)

    return wsgi


def page_figures(text: str) -> list[dict]:
    """The figures a page hands to plotly.js."""
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-figure="([^"]+)"', text)]


def browser_times(base: str, path: str, rounds: int) -> dict[str, float]:
    """Median ms to ready (the charts in view drawn, by the page's clock from the start of its navigation) and to
    every chart drawn (by ours, from asking for the page), with a cold cache (a fresh browser context each round) and
    warm (the same context, loaded again), of which the HTML (until its last byte came), and to a blank page in the
    same browser. The page is opened by its resume link, which is all it asks for."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {kind: [] for kind in ("cold", "cold all", "cold HTML", "warm", "warm all",
                                                           "warm HTML", "blank")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                context = browser.new_context()
                context.add_init_script(NOTE_READY)
                page = context.new_page()
                for kind in ("cold", "warm"):
                    started = time.perf_counter()
                    page.goto(base + path)
                    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
                    times[f"{kind} all"].append(1000 * (time.perf_counter() - started))
                    page.wait_for_function("window.imreadyReady !== undefined", timeout=30_000)
                    times[kind].append(page.evaluate("window.imreadyReady"))
                    times[f"{kind} HTML"].append(page.evaluate(HTML_DONE))
                started = time.perf_counter()
                page.goto("about:blank")
                times["blank"].append(1000 * (time.perf_counter() - started))
                context.close()
        finally:
            browser.close()
    return {kind: statistics.median(values) for kind, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--browser-rounds", type=int, default=5)
    parser.add_argument("--enterprises", type=int, default=150)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="imready-results-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    app.instance_path = str(folder / "instance")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        tokens = load_demo(session=session, catalog=app.extensions["questionnaires"], count=args.enterprises, seed=3,
                           questionnaire_id="quick_check", k=5)  # fmt: skip
        assessment = session.exec(select(Assessment).where(Assessment.token == tokens[-1])).one()
        create_user(session=session, email="bench@example.org", password="a long benchmark password",
                    role="enterprise", enterprise_id=assessment.enterprise_id)  # fmt: skip
    path = f"/a/{tokens[-1]}/results"
    client = signed_in_client(app, "bench@example.org", "a long benchmark password")
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    figures = page_figures(page.text)
    print(f"results page: {len(page.data) / 1024:.0f} KiB of HTML, {len(figures)} charts")

    html_ms = median_ms(lambda: client.get(path).close(), args.rounds)
    static_ms = median_ms(lambda: client.get("/static/css/app.css").close(), args.rounds)
    print(f"HTML, median of {args.rounds}: {html_ms:.0f} ms (a static file, same client: {static_ms:.1f} ms)")
    as_dicts = median_ms(lambda: [json.dumps(f, ensure_ascii=False) for f in figures], args.rounds)
    as_objects = median_ms(lambda: [go.Figure(f).to_json() for f in figures], args.rounds)
    print(f"the page's figures to JSON, median of {args.rounds}: as dicts {as_dicts:.1f} ms, "
          f"through go.Figure {as_objects:.1f} ms")

    from plotly.offline import get_plotlyjs

    full = get_plotlyjs().encode()
    (asset,) = re.findall(r'<script src="(/assets/plotly-[^"]+)"', page.text)
    with client.get(asset, headers={"Accept-Encoding": "gzip"}) as zipped, client.get(asset) as plain:
        print(f"plotly.js on the wire: before {len(full) / 1e6:.2f} MB (full bundle, uncompressed; "
              f"gzipped it would be {len(gzip.compress(full, 9)) / 1e6:.2f} MB), "
              f"after {len(zipped.data) / 1e6:.2f} MB (partial bundle {len(plain.data) / 1e6:.2f} MB, gzipped)")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    for label, served in (("partial bundle", app), ("partial bundle, every chart at once", all_at_once_app(app)),
                          ("full bundle", full_bundle_app(app, full))):
        server = make_server("127.0.0.1", 0, served, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            found = browser_times(f"http://127.0.0.1:{server.server_port}", path, args.browser_rounds)
        finally:
            server.shutdown()
        print(f"browser, {label}, median of {args.browser_rounds} to ready (charts in view drawn) / every chart drawn: "
              f"cold {found['cold']:.0f} / {found['cold all']:.0f} ms (HTML {found['cold HTML']:.0f} ms), "
              f"warm {found['warm']:.0f} / {found['warm all']:.0f} ms (HTML {found['warm HTML']:.0f} ms); "
              f"a blank page: {found['blank']:.0f} ms")


if __name__ == "__main__":
    main()

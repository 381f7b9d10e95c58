"""Print how fast assessments are scored and how fast survey pages render and save.

    .venv/bin/python benchmarks/scoring.py [--assessments 5000] [--requests 300]

Targets: at least 20,000 full assessments scored per second on one core (issue 16: every node's score and level,
through the compiled scoring plan; `score`, which the product stores and which adds the trace explaining every
score to the plan's values, is shown beside it as "traced"); median
and 95th-percentile time to render a questionnaire page and to save a page of answers through the app's test client
under 30 ms. Timings are medians over repeated rounds; the page timings come with a baseline in the same process
(a static file through the same client) so the machine's own noise can be read off. Scoring rates are counted in
the process's CPU time, so other work on a shared machine does not count against them.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from assessment.scoring import score  # noqa: E402
from assessment.scoring_plan import scoring_plan  # noqa: E402
from assessment.synthetic import draw_maturity, synthetic_answers  # noqa: E402
from questionnaires.catalog import Catalog  # noqa: E402
from storage.db import upgrade  # noqa: E402
from tests.factories import SurveyActions, form_values  # noqa: E402


def scoring_rates(questionnaire, count: int, rounds: int = 9) -> tuple[float, float, float]:
    """Median per-second rates over `rounds` rounds of `count` answer sets: the plan, the traced path, the baseline.

    The baseline reads every answer once and averages the ladder levels: the least any scoring must do, timed in
    the same rounds, so a slow moment of the machine shows in every figure alike."""
    rng = random.Random(7)
    answer_sets = [synthetic_answers(questionnaire, draw_maturity(rng), rng) for _ in range(count)]
    plan = scoring_plan(questionnaire)
    rates: dict[str, list[float]] = {"plan": [], "traced": [], "baseline": []}
    for _ in range(rounds):
        started = time.process_time()
        for answers in answer_sets:
            levels = [value for value in answers.values() if type(value) is int]
            sum(levels) / max(1, len(levels))
        rates["baseline"].append(count / (time.process_time() - started))
        started = time.process_time()
        for answers in answer_sets:
            plan.scores(answers, profile="discrete")
        rates["plan"].append(count / (time.process_time() - started))
        started = time.process_time()
        for answers in answer_sets:
            score(questionnaire, answers, profile="discrete")
        rates["traced"].append(count / (time.process_time() - started))
    return statistics.median(rates["plan"]), statistics.median(rates["traced"]), statistics.median(rates["baseline"])


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def request_times(requests: int) -> dict[str, list[float]]:
    """Milliseconds per request: page render, page save, and a static file as the baseline."""
    folder = tempfile.mkdtemp(prefix="imready-bench-")
    url = f"sqlite:///{folder}/bench.db"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    client = app.test_client()
    actions = SurveyActions(client, app)
    questionnaire = actions.questionnaire("imready_full")
    rng = random.Random(11)
    answers = synthetic_answers(questionnaire, 2.5, rng)
    token = actions.start("imready_full")
    times: dict[str, list[float]] = {"baseline: static file": [], "render a page": [], "save a page": []}
    page_html = client.get(f"/a/{token}/page/1").text
    csrf = page_html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    for round_number in range(requests):
        number = round_number % len(questionnaire.dimensions) + 1
        dimension = questionnaire.dimensions[number - 1]
        data = {"csrf_token": csrf, "action": "next"}
        for question in dimension.questions:
            if question.id in answers:
                data.update(form_values(question, answers[question.id]))
        for name, call in (
            ("baseline: static file", lambda: client.get("/static/css/app.css")),
            ("render a page", lambda n=number: client.get(f"/a/{token}/page/{n}")),
            ("save a page", lambda n=number, d=data: client.post(f"/a/{token}/page/{n}", data=d)),
        ):
            started = time.perf_counter()
            response = call()
            times[name].append(1000 * (time.perf_counter() - started))
            assert response.status_code in (200, 302), (name, response.status_code)
    app.extensions["db_engine"].dispose()
    return times


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    catalog = Catalog.load()
    print("Scoring on one core, CPU time (median of 9 rounds; target >= 20,000 full assessments/s):")
    for questionnaire in catalog.latest():
        plan, traced, baseline = scoring_rates(questionnaire, arguments.assessments)
        print(f"  {questionnaire.id:<14} {len(questionnaire.questions):>3} questions  plan {plan:>8,.0f}/s"
              f" ({plan / baseline:5.1%} of baseline)   traced {traced:>7,.0f}/s ({traced / baseline:5.1%})"
              f"   baseline (read answers, average levels) {baseline:>9,.0f}/s")
    if arguments.requests <= 0:
        return
    print(f"Requests through the test client ({arguments.requests} each, SQLite, CSRF on):")
    for name, values in request_times(arguments.requests).items():
        print(f"  {name:<22} median {statistics.median(values):6.2f} ms   p95 {percentile(values, 0.95):6.2f} ms")
    print("  target: render and save median and p95 under 30 ms")


if __name__ == "__main__":
    main()

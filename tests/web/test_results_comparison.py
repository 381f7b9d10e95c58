"""The results page compares an enterprise with the closest group of at least k enterprises, and says so when
there is none."""

from __future__ import annotations

import random
import re

from assessment.synthetic import synthetic_answers
from factories import publish_in


def submit_quick_check(survey, answers, **profile) -> str:
    token = survey.start(**profile)
    survey.answer_all(token, answers)
    assert survey.submit(token).status_code == 302
    return token


def test_results_compare_with_the_closest_group_of_k(client, survey, example_answers):
    tokens = [submit_quick_check(survey, example_answers) for _ in range(4)]
    page = client.get(f"/a/{tokens[0]}/results").text
    assert 'id="comparison-none"' in page and "at least 5 assessments" in page

    publish_in(survey.app, count_anonymous=True)
    page = client.get(f"/a/{tokens[0]}/results").text
    assert 'id="comparison-none"' in page  # the release holds four: still no group

    changed = {**example_answers, "sp_strategy": 5}  # a fifth enterprise, ahead in strategy
    tokens.append(submit_quick_check(survey, changed))
    assert 'id="comparison-none"' in client.get(f"/a/{tokens[0]}/results").text  # not before the next release
    release = publish_in(survey.app, count_anonymous=True)
    page = client.get(f"/a/{tokens[0]}/results").text
    assert f"Group figures of statistics release {release.id}, published " in page
    cohort = re.search(r'id="comparison-cohort">([^<]*)', page)[1]
    # Every profile is the same (Qingdao, division 34, small), so the closest group is the first on the path.
    assert cohort.startswith("Compared with the 5 enterprises of this group: Shandong / Qingdao · 34 ")
    assert "small · " in cohort
    assert 'id="comparison-passed"' not in page and 'id="comparison-synthetic"' not in page
    assert 'id="dimension-comparison-chart"' in page


def test_results_name_the_groups_passed_over(client, survey, example_answers):
    for _ in range(5):
        submit_quick_check(survey, example_answers, region="370100")
    token = submit_quick_check(survey, example_answers, region="370100", employees="600", revenue="300")
    publish_in(survey.app, count_anonymous=True)
    page = client.get(f"/a/{token}/results").text
    assert "Compared with the 6 enterprises of this group: Shandong / Jinan · 34 " in page
    assert re.search(r'id="comparison-passed">[^<]*Shandong / Jinan · 34 [^<]* · medium · ', page)


def test_published_level_shares_never_stand_beside_a_readiness_index(client, runner, survey, example_answers):
    # The quick check computes no level by CMMM's or IMPULS's own rule: its readiness index is a weighted mean, so
    # setting the published level shares beside it would compare figures computed in different ways.
    imported = runner.invoke(args=["reference", "import-published", "assessment/data/published_benchmarks.csv"])
    assert imported.exit_code == 0, imported.output
    token = submit_quick_check(survey, example_answers)
    page = client.get(f"/a/{token}/results").text
    assert 'id="published"' not in page and "CMMM 2022" not in page and "IMPULS 2015" not in page
    assert 'id="standard"' not in page
    assert "<h2>Overall</h2>" in page


def test_the_cmmm_level_stands_beside_cmmm_figures_only(client, runner, survey):
    # The full assessment computes a CMMM level by GB/T 39117's rule; only CMMM's published shares may stand beside
    # it, never IMPULS's, and its readiness index says it is not a CMMM level.
    imported = runner.invoke(args=["reference", "import-published", "assessment/data/published_benchmarks.csv"])
    assert imported.exit_code == 0, imported.output
    full = survey.questionnaire("imready_full")
    answers = synthetic_answers(full, 1.0, random.Random(3))  # every other question: a plausible answer
    for node_id in [source.ref for source in full.standard_node.inputs]:
        for source in full.nodes[node_id].inputs:  # levels 1 and 2 met, 3 partly met, 4 and 5 not met
            answers[source.ref] = {1: "met", 2: "met", 3: "partly"}.get(source.level, "not_met")
    token = survey.start("imready_full")  # profile: division 34, a discrete industry
    survey.answer_all(token, answers, "imready_full")
    assert survey.submit(token).status_code == 302
    page = client.get(f"/a/{token}/results").text
    standard = page[page.index('id="standard"'):page.index('id="overall"')]
    # every level-n requirement rated alike, so S1 = S2 = 1, S3 = 0.5, S4 = S5 = 0 → 2 + 0.5
    assert '<span id="standard-score">2.50</span>' in standard and "Standardised" in standard
    assert "CMMM level (GB/T 39117 method)" in standard
    assert "CMMM 2022" in standard and "level ≤1: 63 % · level 2: 21 %" in standard
    assert "IMPULS 2015" not in page and "Lichtblau" not in page
    assert "<h2>Readiness index</h2>" in page and 'id="readiness-note"' in page

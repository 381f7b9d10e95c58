"""What a walk through the three journeys in Chinese found and fixed: Chinese punctuation between the groups passed
over, a status that does not break in two, the batch plan laid out in rows, and a clear roadmap heading."""

from __future__ import annotations

import re

from test_results_comparison import submit_quick_check
from test_workspace_table import world  # noqa: F401  (the fixture)

from factories import ROOT, client_as, make_user, publish_in

CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")


def test_the_groups_passed_over_are_joined_with_chinese_punctuation(client, survey, example_answers):
    for _ in range(5):
        submit_quick_check(survey, example_answers, region="370100")
    # alone in Qingdao and in its size: Qingdao's groups and Shandong's medium group are passed over
    token = submit_quick_check(survey, example_answers, region="370200", employees="600", revenue="300")
    publish_in(survey.app, count_anonymous=True)
    client.get("/language/zh")
    passed = re.search(r'id="comparison-passed">([^<]*)', client.get(f"/a/{token}/results").text)[1]
    assert passed.count("；") >= 1, passed
    assert "; " not in passed
    client.get("/language/en")
    english = re.search(r'id="comparison-passed">([^<]*)', client.get(f"/a/{token}/results").text)[1]
    assert "; " in english and "；" not in english


def test_the_status_of_a_client_stays_on_one_line(world):  # noqa: F811
    mine, _theirs = world
    mine.get("/language/zh")
    page = mine.get("/workspace/?status=submitted").text
    assert '<td class="status">已提交</td>' in page
    assert "table.clients td.status { white-space: nowrap; }" in CSS


def test_a_tick_box_stands_before_its_label():
    # the import page's "submit complete rows" box sat centred under its label: it now comes first on one line
    assert ".field:has(> input[type=checkbox]) { flex-direction: row;" in CSS
    assert ".field > input[type=checkbox] { order: -1;" in CSS


def test_the_batch_plan_puts_the_target_on_its_own_line(app):
    consultant = client_as(app, make_user(app, "consultant", email="c@example.org"))
    consultant.get("/language/zh")
    page = consultant.get("/reports/batches").text
    assert re.search(r'<div class="field"><label for="target">所有维度的目标</label>\s*<select name="target"', page)
    assert '<p class="goals">' in page


def test_the_roadmap_heading_reads_right_in_chinese(client, survey, example_answers):
    token = submit_quick_check(survey, example_answers)
    client.get("/language/zh")
    page = client.get(f"/a/{token}/roadmap").text
    assert "目标等级与经营目标" in page and "目标与经营目标" not in page


def test_the_report_lists_in_chinese_with_chinese_punctuation(app, survey):
    from types import SimpleNamespace

    from flask_babel import force_locale

    from reports.enterprise_report import Wording

    q = survey.questionnaire("quick_check")
    first, second = (SimpleNamespace(dimension=d.id) for d in q.dimensions[:2])
    with app.test_request_context(), force_locale("zh"):
        chinese = Wording(q, "zh").dimension_list([first, second])
        goals = Wording(q, "zh").goal_list({"cost", "quality"})
    # 战略、组织与人才 holds "、" itself, so the items are split by "；" and never by the English ", "
    assert chinese == f"{q.dimensions[0].name.get('zh')}；{q.dimensions[1].name.get('zh')}"
    assert "；" in goals and ", " not in goals
    with app.test_request_context():
        # "Strategy, organisation and talent; Data and security": the comma inside the name no longer splits it
        english = Wording(q, "en").dimension_list([first, second])
    assert english == "Strategy, organisation and talent; Data and security"


def test_levels_read_the_same_on_every_page_in_chinese():
    # the history table said "0.59 · 0 级" where the workspace says "0.59 · 0级"
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.get("level %(level)s").string == catalog.get("Level %(level)s").string == "%(level)s级"
    assert "#history-table td, #history-table th { white-space: nowrap; }" in CSS

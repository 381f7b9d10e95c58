"""An enterprise's history page: its assessments, the change from T0 to T1 with charts, assessing again, who may see
it, and roadmap actions marked done."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from assessment.history import compare
from assessment.scoring import Result, score
from assessment.synthetic import synthetic_answers
from factories import SurveyActions, client_as, csrf_token, make_user
from reports.display import format_score
from reports.history_figures import delta_text
from storage.assessments import start_reassessment, submit_assessment
from storage.tables import ActionDone, Assessment, AuditEvent, Enterprise

# T1 changes one answer of the example answers: op_systems 2 → 3. By hand, with the discrete profile:
#   operations  T0 (2·2 + 1 + 2)/4 = 1.75, level 1;  T1 (2·3 + 1 + 2)/4 = 2.25, level 2;  change +0.50
#   overall     the operations weight is 1 of 5.5: change 0.5/5.5 = +0.09
T1_CHANGES = {"op_systems": 3}


class Rows(HTMLParser):
    """Every table row with an id: its attributes and the texts of its cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.current: dict | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("id"):
            self.current = self.rows[attrs["id"]] = {"attrs": attrs, "cells": []}
        elif tag == "td" and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.current["cells"].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str) -> dict[str, dict]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def figure(html: str, element_id: str) -> dict:
    match = re.search(rf'id="{element_id}" class="chart" data-figure="([^"]+)"', html)
    assert match, f"no chart {element_id}"
    return json.loads(unescape(match.group(1)))


@pytest.fixture
def history(app, example_answers):
    """An enterprise user whose enterprise was assessed twice on the quick check: T0 in March 2024 (taken before
    the account existed, then linked), T1 started with "Assess again" on the history page."""
    visitor = SurveyActions(app.test_client(), app)
    first = visitor.start()
    visitor.answer_all(first, example_answers)
    visitor.submit(first)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        session.execute(update(Assessment).where(Assessment.token == first)
                        .values(submitted_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC)))
        session.commit()
        enterprise_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == first)).one()
    user = make_user(app, "enterprise", email="owner@example.org", enterprise_id=enterprise_id)
    client = client_as(app, user)
    page = client.get(f"/workspace/history/{enterprise_id}")
    assert page.status_code == 200
    response = client.post(f"/workspace/history/{enterprise_id}/again", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    second = response.headers["Location"].split("/")[2]
    assert response.headers["Location"] == f"/a/{second}/page/1"
    survey = SurveyActions(client, app)
    survey.answer_all(second, {**example_answers, **T1_CHANGES})
    survey.submit(second)
    return {"client": client, "user": user, "enterprise_id": enterprise_id, "tokens": (first, second)}


def stored(app, token):
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
    questionnaire = app.extensions["questionnaires"].get(assessment.questionnaire_id, assessment.questionnaire_version)
    return assessment, questionnaire, Result.from_dict(questionnaire, assessment.result)


def test_the_page_shows_both_assessments_and_the_change_between_them(app, history):
    (first, q0, r0), (second, q1, r1) = stored(app, history["tokens"][0]), stored(app, history["tokens"][1])
    assert second.enterprise_id == first.enterprise_id and second.status == "submitted"
    page = history["client"].get(f"/workspace/history/{history['enterprise_id']}")
    assert page.status_code == 200
    rows = table_rows(page.text)
    assert rows[f"assessment-{first.id}"]["cells"][0].startswith("2024-03-01 T0")
    assert rows[f"assessment-{second.id}"]["cells"][0].endswith("T1")
    # the example answers score (76.25/7)/5.5 = 1.98 on quick check 2.0 (platform use yes 3 at weight 0.5): level 1
    assert rows[f"assessment-{first.id}"]["cells"][3] == f"{format_score(first.overall_score)} · level 1"
    assert page.text.index(f"assessment-{second.id}") < page.text.index(f"assessment-{first.id}")  # newest first

    expected = compare(q0, r0, q1, r1)
    for change in expected.changes:
        row = rows[f"change-{change.kind}-{change.id}"]
        assert float(row["attrs"]["data-delta"]) == pytest.approx(change.delta, abs=1e-12), change.id
        assert float(row["attrs"]["data-before"]) == pytest.approx(change.before, abs=1e-12), change.id
        digits, unit = (1, " %") if change.kind == "paradigm" else (2, "")
        assert row["cells"][1:4] == [format_score(change.before, digits) + unit,
                                     format_score(change.after, digits) + unit,
                                     delta_text(change.delta, digits) + unit], change.id
    # by hand (see T1_CHANGES)
    assert rows["change-dimension-operations"]["cells"][1:] == ["1.75", "2.25", "+0.50", "1 → 2 (+1)"]
    assert float(rows["change-dimension-operations"]["attrs"]["data-delta"]) == pytest.approx(0.5)
    assert float(rows["change-overall-overall"]["attrs"]["data-delta"]) == pytest.approx(0.5 / 5.5, abs=1e-3)
    assert rows["change-dimension-strategy_people"]["cells"][3:] == ["±0.00", "2 → 2 (±0)"]

    assert len(figure(page.text, "timeline-chart")["data"]) == 4  # overall and the three paradigms
    change = figure(page.text, "change-chart")
    names = [trace.get("name") for trace in change["data"][1:3]]
    assert names == ["T0 2024-03-01", f"T1 {second.submitted_at:%Y-%m-%d}"]
    assert "+0.50" in change["data"][3]["text"]
    assert len(figure(page.text, "paradigm-change-chart")["data"][1]["x"]) == 3
    assert "plotly" in page.text and 'id="pair-form"' in page.text

    with Session(app.extensions["db_engine"]) as session:
        views = session.exec(select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.detail == "history",
                                                      AuditEvent.user_id == history["user"].id)).all()
    assert views and views[-1].enterprise_id == history["enterprise_id"]


def test_the_workspace_links_to_the_history(history):
    home = history["client"].get("/workspace/").text
    assert f'href="/workspace/history/{history["enterprise_id"]}"' in home


def test_only_users_who_may_see_the_enterprise_get_its_history(app, history, example_answers):
    enterprise_id = history["enterprise_id"]
    other = SurveyActions(app.test_client(), app)
    other_token = other.start(name="Another Works")
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        other_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == other_token)).one()
    client = history["client"]
    assert client.get(f"/workspace/history/{other_id}").status_code == 404
    assert client.get("/workspace/history/999999").status_code == 404
    page = client.get(f"/workspace/history/{enterprise_id}").text
    assert client.post(f"/workspace/history/{other_id}/again", data={"csrf_token": csrf_token(page)}).status_code == 404

    consultant = make_user(app, "consultant", email="advisor@example.org")
    stranger = make_user(app, "consultant", email="stranger@example.org")
    with Session(app.extensions["db_engine"]) as session:
        enterprise = session.get(Enterprise, enterprise_id)
        enterprise.consultant_id = consultant.id
        session.add(enterprise)
        session.commit()
    seen = client_as(app, consultant).get(f"/workspace/history/{enterprise_id}")
    assert seen.status_code == 200 and 'id="change-table"' in seen.text
    assert client_as(app, stranger).get(f"/workspace/history/{enterprise_id}").status_code == 404
    assert client_as(app, make_user(app, "agency", jurisdiction="100000")).get(
        f"/workspace/history/{enterprise_id}").status_code == 403
    assert client_as(app, None).get(f"/workspace/history/{enterprise_id}").status_code == 302


def test_assessments_of_different_questionnaires_are_not_compared(app, history):
    catalog = app.extensions["questionnaires"]
    full = catalog.get("imready_full")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        enterprise = session.get(Enterprise, history["enterprise_id"])
        assessment = start_reassessment(session=session, enterprise=enterprise, questionnaire=full)
        result = score(full, synthetic_answers(full, 2.5, random.Random(3)), enterprise.industry_type)
        assert submit_assessment(session=session, assessment=assessment, questionnaire=full, result=result)
    _first, _q, _r = stored(app, history["tokens"][0])
    second, _q, _r = stored(app, history["tokens"][1])
    client = history["client"]
    page = client.get(f"/workspace/history/{history['enterprise_id']}").text
    assert f'id="assessment-{assessment.id}"' in page
    # the default pair is the two quick checks, though the full assessment is the latest
    assert f'<option value="{second.id}" selected>' in page and 'id="change-table"' in page

    mixed = client.get(f"/workspace/history/{history['enterprise_id']}?t0={second.id}&t1={assessment.id}").text
    assert 'id="pair-problem"' in mixed and "different questionnaires" in mixed
    assert 'id="change-table"' not in mixed and 'id="change-chart"' not in mixed
    unknown = client.get(f"/workspace/history/{history['enterprise_id']}?t0=999999&t1={assessment.id}").text
    assert "Choose two assessments from the list." in unknown and 'id="change-table"' not in unknown

    # assessing again now starts the questionnaire run last
    response = client.post(f"/workspace/history/{history['enterprise_id']}/again",
                           data={"csrf_token": csrf_token(page)})
    new_token = response.headers["Location"].split("/")[2]
    with Session(app.extensions["db_engine"]) as session:
        new = session.exec(select(Assessment).where(Assessment.token == new_token)).one()
    assert (new.questionnaire_id, new.status, new.enterprise_id) == ("imready_full", "draft", history["enterprise_id"])
    assert new_token in client.get(f"/workspace/history/{history['enterprise_id']}").text  # listed to continue


def done_rows(app) -> list[ActionDone]:
    with Session(app.extensions["db_engine"]) as session:
        return list(session.exec(select(ActionDone)))


def test_a_roadmap_action_is_marked_done_and_undone(app, history):
    client, token = history["client"], history["tokens"][1]
    roadmap = client.get(f"/a/{token}/roadmap?target=next_level&goal=cost")
    assert roadmap.status_code == 200
    earlier_steps = re.findall(r'<details class="action-card" id="step-(\w+)-(\d)">',
                               client.get(f"/a/{history['tokens'][0]}/roadmap").text)
    steps = re.findall(r'<details class="action-card" id="step-(\w+)-(\d)">', roadmap.text)
    dimension, level = next(step for step in steps if step in earlier_steps)  # a step both plans have
    level = int(level)
    form = f'id="done-{dimension}-{level}"'
    assert form in roadmap.text and "Mark done" in roadmap.text
    # a visitor holding the resume link sees the plan, without the forms
    anonymous = app.test_client().get(f"/a/{token}/roadmap").text
    assert 'class="action-card"' in anonymous
    assert "Mark done" not in anonymous and 'class="action-done"' not in anonymous

    data = {"dimension": dimension, "level": str(level), "done": "1", "target": "next_level", "goal": "cost"}
    response = client.post(f"/workspace/history/action/{token}", data={**data, "csrf_token": csrf_token(roadmap.text)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/a/{token}/roadmap?")
    assert "goal=cost" in response.headers["Location"]
    assert response.headers["Location"].endswith(f"#step-{dimension}-{level}")
    rows = done_rows(app)
    assert [(r.enterprise_id, r.questionnaire_id, r.dimension, r.level, r.user_id) for r in rows] == [
        (history["enterprise_id"], "quick_check", dimension, level, history["user"].id)]
    today = rows[0].done_at.strftime("%Y-%m-%d")

    page = client.get(f"/a/{token}/roadmap").text
    assert f'<details class="action-card done" id="step-{dimension}-{level}">' in page  # still in the plan
    assert f"Done ({today})" in page and "undo" in page
    assert page.count('class="action-card done"') == 1
    assert "Mark done" not in app.test_client().get(f"/a/{token}/roadmap").text
    assert f'id="done-quick_check-{dimension}-{level}"' in client.get(
        f"/workspace/history/{history['enterprise_id']}").text
    # marking it done twice keeps one row
    client.post(f"/workspace/history/action/{token}", data={**data, "csrf_token": csrf_token(page)})
    assert len(done_rows(app)) == 1
    # it is done for the enterprise's other assessment of the questionnaire too
    earlier = client.get(f"/a/{history['tokens'][0]}/roadmap").text
    assert f'<details class="action-card done" id="step-{dimension}-{level}">' in earlier

    undo = client.post(f"/workspace/history/action/{token}", data={**data, "done": "0", "csrf_token": csrf_token(page)})
    assert undo.status_code == 302 and done_rows(app) == []
    page = client.get(f"/a/{token}/roadmap").text
    assert 'class="action-card done"' not in page and "Mark done" in page

    with Session(app.extensions["db_engine"]) as session:
        details = [e.detail for e in session.exec(select(AuditEvent).where(AuditEvent.action == "change"))]
    assert f"roadmap step {dimension} {level} marked done" in details
    assert f"roadmap step {dimension} {level} no longer marked done" in details


def test_marking_done_is_for_users_who_may_see_the_enterprise_and_real_steps_only(app, history):
    client, token = history["client"], history["tokens"][1]
    page = client.get(f"/a/{token}/roadmap").text
    csrf = csrf_token(page)
    step = {"dimension": "operations", "level": "2", "done": "1", "csrf_token": csrf}
    for bad in ({"dimension": "nowhere"}, {"level": "9"}, {"level": "x"}, {"done": "maybe"}, {"dimension": ""}):
        assert client.post(f"/workspace/history/action/{token}", data={**step, **bad}).status_code == 400, bad
    assert client.post(f"/workspace/history/action/{token}", data={"csrf_token": csrf}).status_code == 400
    assert client.post("/workspace/history/action/no-such-token", data=step).status_code == 404
    stranger = client_as(app, make_user(app, "enterprise", email="stranger@example.org"))
    stranger_csrf = csrf_token(stranger.get("/workspace/").text)
    response = stranger.post(f"/workspace/history/action/{token}",
                             data={"dimension": "operations", "level": "2", "done": "1", "csrf_token": stranger_csrf})
    assert response.status_code == 404 and done_rows(app) == []
    assert "Mark done" not in stranger.get(f"/a/{token}/roadmap").text
    assert client.post(f"/workspace/history/action/{token}", data=step).status_code == 302  # the step is real
    assert [(row.dimension, row.level) for row in done_rows(app)] == [("operations", 2)]


def test_the_forms_need_their_csrf_token(app, history):
    client, token = history["client"], history["tokens"][1]
    with Session(app.extensions["db_engine"]) as session:
        before = len(session.exec(select(Assessment)).all())
    assert client.post(f"/workspace/history/{history['enterprise_id']}/again").status_code == 400
    assert client.post(f"/workspace/history/{history['enterprise_id']}/again",
                       data={"csrf_token": "forged"}).status_code == 400
    response = client.post(f"/workspace/history/action/{token}",
                           data={"dimension": "operations", "level": "2", "done": "1"})
    assert response.status_code == 400
    with Session(app.extensions["db_engine"]) as session:
        assert len(session.exec(select(Assessment)).all()) == before
    assert done_rows(app) == []
    page = client.get(f"/a/{token}/roadmap").text
    response = client.post(f"/workspace/history/action/{token}",
                           data={"dimension": "operations", "level": "2", "done": "1", "csrf_token": csrf_token(page)})
    assert response.status_code == 302 and len(done_rows(app)) == 1  # the same form with its token is accepted

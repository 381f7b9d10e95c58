"""The roadmap page of a 2.0 assessment: steps the answers show in place are listed, never planned, and the
published benefit figures appear once, with their caveat, outside every action."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from assessment.scoring import Result
from factories import SurveyActions
from storage.tables import Assessment


def test_the_roadmap_page_leaves_out_what_is_in_place_and_shows_the_figures_once(app, example_answers):
    visitor = SurveyActions(app.test_client(), app)
    token = visitor.start()
    visitor.answer_all(token, example_answers)
    visitor.submit(token)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
    questionnaire = app.extensions["questionnaires"].get(assessment.questionnaire_id, assessment.questionnaire_version)
    assert questionnaire.version == "2.0"
    result = Result.from_dict(questionnaire, assessment.result)
    page = visitor.client.get(f"/a/{token}/roadmap?target=next_level").text
    # The example answers put the operations ladder at 2 (ERP live, production orders in shop-floor software), but
    # with one platform application (1) and file exchange with suppliers (2) operations scores
    # (2 x 2 + 1 + 2) / 4 = 1.75, level 1: the level 2 step ("introduce ERP") is in place, not planned.
    assert 'id="step-operations-2"' not in page
    assert (result.nodes["operations"].score, result.nodes["operations"].level) == (1.75, 1)
    assert 'id="in-place-operations-2"' in page
    assert 'id="step-operations-3"' in page
    # the priority table's 1.75 -> 3.00 says why it passes level 2
    row = page.split('id="priority-operations"')[1].split("</tr>")[0]
    assert "1.75 → 3.00" in row and "level 2 in place already" in row
    # the survey's figures: once, in their own block with the caveat and the source
    assert page.count("308") == 2  # the figures' text and the source name the 308 projects, both in one block
    block = re.search(r'<div id="benefit-context".*?</div>', page, re.S).group(0)
    assert "34 %" in block and "not what this plan will bring your enterprise" in block and "Source" in block
    assert page.count("34 %") == 1
    actions = re.findall(r'<details class="action-card[^"]*".*?</details>', page, re.S)
    figures = ("34 %", "17.2 %", "22 %", "32.4 %", "29.4 %", "308")
    assert actions and not any(figure in card for card in actions for figure in figures)
    # in Chinese: the same block, the caveat in Chinese, the in-place list headed in Chinese
    visitor.client.get("/language/zh")  # chosen: the assessment was started in English, and pages keep its language
    chinese = visitor.client.get(f"/a/{token}/roadmap?target=next_level").text
    assert chinese.count("34%") == 1 and "并不代表本规划能为贵企业带来的效果" in chinese
    assert "根据答卷已经具备的举措" in chinese
    assert "第 2 级已具备" in chinese.split('id="priority-operations"')[1].split("</tr>")[0]

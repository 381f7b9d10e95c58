"""CMMM requirements of the full assessment 2.0 on its first seven pages: 2-4 per level 1-5, gated per page."""

import re

import pytest

from assessment.answers import parse_answers
from assessment.scoring import score

# page id -> (question id prefix, gating node, CMMM domain as the anchors name it)
PAGES = {
    "strategy_organisation": ("strat", "strategy_organisation_requirements", "组织战略"),
    "talent": ("talent", "talent_requirements", "人员技能"),
    "data": ("data", "data_requirements", "数据"),
    "integration": ("integ", "integ_requirements", "集成"),
    "security_trust": ("sec", "security_trust_requirements", "信息安全"),
    "equipment_automation": ("equip", "equipment_automation_requirements", "装备"),
    "network_connectivity": ("net", "network_connectivity_requirements", "网络"),
}
PARADIGM_OF_LEVEL = {1: "digital", 2: "digital", 3: "networked", 4: "intelligent", 5: "intelligent"}
RATING = {"not_met": 0, "partly": 0.5, "largely": 0.8, "met": 1}
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


@pytest.fixture(scope="module")
def full(catalog):  # the session's Catalog.load() of the shipped folder
    return catalog.get("imready_full", "2.0")


def requirements(questionnaire, page: str) -> dict[int, list[str]]:
    """Level -> the ids of the page's requirement questions, in file order."""
    prefix = PAGES[page][0]
    pattern = re.compile(rf"^{prefix}_req_l([1-5])_([1-4])$")
    by_level: dict[int, list[str]] = {}
    for question_id, dimension in questionnaire.dimension_of.items():
        found = pattern.match(question_id)
        if dimension == page and found:
            by_level.setdefault(int(found.group(1)), []).append(question_id)
    return by_level


def gated(questionnaire, page: str, ratings: dict[int, list[str]]):
    """The page's gating score for ratings given level by level (the last rating repeats over the rest)."""
    raw = {}
    for level, ids in requirements(questionnaire, page).items():
        given = ratings.get(level, ["met"])
        raw.update({qid: given[min(n, len(given) - 1)] for n, qid in enumerate(ids)})
    answers, problems = parse_answers(questionnaire, raw, complete=False)
    assert problems == []
    return score(questionnaire, answers).nodes[PAGES[page][1]].score


# --- structure -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_two_to_four_requirements_per_level_all_feeding_the_gate(full, page):
    by_level = requirements(full, page)
    assert sorted(by_level) == [1, 2, 3, 4, 5]
    assert all(2 <= len(ids) <= 4 for ids in by_level.values()), by_level
    page_questions = [qid for qid, dimension in full.dimension_of.items() if dimension == page]
    all_ids = [qid for ids in by_level.values() for qid in ids]
    assert page_questions[-len(all_ids):] == all_ids  # the page ends with its requirements, level by level
    node = full.nodes[PAGES[page][1]]
    assert (node.kind, node.rule, node.threshold) == ("item", "gating", 0.8)
    assert node.bands == "cmmm_levels"
    assert [(source.ref, source.level) for source in node.inputs] == [
        (qid, level) for level, ids in sorted(by_level.items()) for qid in ids
    ]
    assert node.explanation.en and node.explanation.zh


@pytest.mark.parametrize("page", PAGES)
def test_requirements_are_rated_questions_anchored_to_their_cmmm_level(full, page):
    domain = PAGES[page][2]
    for level, ids in requirements(full, page).items():
        for qid in ids:
            question = full.questions[qid]
            assert question.type == "single" and question.scale == "requirement"
            assert [(o.id, o.label.en) for o in question.options] == [
                ("not_met", "Not met"), ("partly", "Partly met"), ("largely", "Largely met"), ("met", "Fully met"),
            ]
            assert question.paradigm == PARADIGM_OF_LEVEL[level]
            assert question.anchors == {"CMMM": f"{domain} › level {level}"}


@pytest.mark.parametrize("page", PAGES)
def test_requirement_texts_are_bilingual_and_clean(full, page):
    for ids in requirements(full, page).values():
        for qid in ids:
            question = full.questions[qid]
            for text in (question.text, question.help):
                assert text is not None and text.en and text.zh, qid
                assert not re.search(f"[{CJK}]", text.en), qid
                assert re.search(f"[{CJK}]", text.zh), qid
                assert not re.search(r"[A-Za-z0-9]+_[A-Za-z0-9]", text.zh), qid  # no ids such as integ_ladder
                assert not re.search(rf"\s[{CJK}]|[{CJK}]\s", text.zh), qid  # no stray spaces in Chinese
                assert text.zh == text.zh.strip() and not re.search(r"\n|\s\s", text.zh), qid  # one line
            assert not question.text.en.lower().startswith("requirement"), qid  # the page groups them by level
            assert not question.text.zh.startswith("要求"), qid


@pytest.mark.parametrize("page", PAGES)
def test_level_one_asks_for_no_written_document(full, page):
    # a firm running integrated systems must not fail level 1 because a plan is not written down
    for qid in requirements(full, page)[1]:
        assert "written" not in full.questions[qid].text.en.lower(), qid
        assert "成文" not in full.questions[qid].text.zh, qid


def test_only_the_integration_gate_feeds_a_dimension(full):
    inputs_of_dimensions = {
        source.ref for node in full.nodes.values() if node.kind == "dimension" for source in node.inputs
    }
    gates = {gate for _, gate, _ in PAGES.values()}
    assert inputs_of_dimensions & gates == {"integ_requirements"}
    assert "integ_requirements" in {source.ref for source in full.nodes["integration"].inputs}


# --- gating results, worked by hand ----------------------------------------------------------------------------------
# requirement ratings: not_met 0, partly 0.5, largely 0.8, met 1; a level counts when its mean reaches 0.8 and every
# lower level counts; result = highest level counted + mean of the next level, at most 5.


@pytest.mark.parametrize("page", PAGES)
def test_levels_one_and_two_met_and_level_three_mixed(full, page):
    level_three = requirements(full, page)[3]
    ratings = {1: ["met"], 2: ["met"], 3: ["met", "partly", "not_met"], 4: ["met"], 5: ["met"]}
    # 3 requirements: 2 + (1 + 0.5 + 0)/3 = 2.5; 4 requirements (the 4th not met): 2 + (1 + 0.5 + 0 + 0)/4 = 2.375
    expected = {3: 2.5, 4: 2.375}[len(level_three)]
    assert gated(full, page, ratings) == pytest.approx(expected)


@pytest.mark.parametrize("page", PAGES)
def test_a_level_two_requirement_not_met_blocks_every_higher_level(full, page):
    count = len(requirements(full, page)[2])
    # level 2 = (0 + 1·(n-1))/n < 0.8 for n ≤ 4, so levels 3-5 do not count although all are met: 1 + (n-1)/n
    ratings = {2: ["not_met", "met"]}
    assert gated(full, page, ratings) == pytest.approx(1 + (count - 1) / count)


@pytest.mark.parametrize("page", PAGES)
def test_level_two_partly_met_blocks_level_three(full, page):
    count = len(requirements(full, page)[2])
    # two of level 2 partly met: (0.5 + 0.5 + 1·(n-2))/n = 0.667 (n = 3) or 0.75 (n = 4), below 0.8 → 1 + that mean
    ratings = {2: ["partly", "partly", "met"]}
    assert gated(full, page, ratings) == pytest.approx(1 + (1 + count - 2) / count)


@pytest.mark.parametrize("page", PAGES)
def test_one_partly_met_requirement_still_lets_its_level_count(full, page):
    count = len(requirements(full, page)[2])
    # one partly met in level 2: (0.5 + (n-1))/n = 0.833 (n = 3) or 0.875 (n = 4) ≥ 0.8; all else met → 5
    assert (0.5 + count - 1) / count >= 0.8
    assert gated(full, page, {2: ["partly", "met"]}) == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ({1: ["met"], 2: ["met"], 3: ["met"], 4: ["met"], 5: ["met"]}, 5.0),  # every level counts, capped at 5
        ({1: ["largely"], 2: ["largely"], 3: ["largely"], 4: ["largely"], 5: ["largely"]}, 5.0),  # 0.8 reaches
        ({1: ["not_met"]}, 0.0),  # level 1 = 0 → 0 + 0; levels 2-5 (met) are never reached
        ({1: ["partly"], 2: ["met"]}, 0.5),  # level 1 = 0.5 < 0.8 → 0 + 0.5
        ({1: ["met"], 2: ["largely"], 3: ["met"], 4: ["partly"]}, 3.5),  # 1 ✓ 0.8 ✓ 1 ✓, level 4 = 0.5 → 3.5
    ],
)
@pytest.mark.parametrize("page", PAGES)
def test_gating_rows(full, page, ratings, expected):
    assert gated(full, page, ratings) == pytest.approx(expected)


@pytest.mark.parametrize("page", PAGES)
def test_unanswered_requirements_leave_the_gate_not_applicable(full, page):
    result = score(full, {})
    assert result.nodes[PAGES[page][1]].score is None


def test_integration_score_reads_ladder_and_requirements(full):
    by_level = requirements(full, "integration")
    raw = {"integ_ladder": 3}
    raw.update({qid: "met" for level in (1, 2, 3) for qid in by_level[level]})
    raw.update({qid: "partly" for qid in by_level[4]})
    raw.update({qid: "not_met" for qid in by_level[5]})
    answers, problems = parse_answers(full, raw, complete=False)
    assert problems == []
    result = score(full, answers)
    # integ_requirements = 3 + 0.5 (level 4 partly met) = 3.5; integration = (1·3 + 1·3.5)/2 = 3.25
    assert result.nodes["integ_requirements"].score == pytest.approx(3.5)
    assert result.nodes["integration"].score == pytest.approx(3.25)

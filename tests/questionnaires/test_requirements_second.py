"""CMMM requirements of the full assessment 2.0, pages software to energy: structure, gating results, texts."""

import re

import pytest

from assessment.answers import parse_answers
from assessment.scoring import score

# page id -> prefix of its question ids; requirement ids are <prefix>_req_l<level>_<n>
PAGES = {
    "software_platforms": "soft",
    "design_rd": "design",
    "production": "mfg",
    "logistics_supply": "logi",
    "sales_service": "sales",
    "intelligent_products": "iprod",
    "energy_green": "energy",
}
PARADIGM_OF_LEVEL = {1: "digital", 2: "digital", 3: "networked", 4: "intelligent", 5: "intelligent"}
REQUIREMENT_ID = re.compile(r"^(?P<prefix>[a-z]+)_req_l(?P<level>[1-5])_(?P<n>[1-4])$")
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full-width forms
SPACE_BY_CJK = re.compile(f"[{CJK}]\\s|\\s[{CJK}]")
ASCII_ID = re.compile(r"[A-Za-z0-9]+_[A-Za-z0-9_]+|\b(?:level|Requirement)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def full(catalog):  # the session's Catalog.load() of the shipped questionnaires
    return catalog.get("imready_full", "2.0")


def requirements_by_level(full, page: str) -> dict[int, list[str]]:
    """The requirement question ids of a page by level, in page order."""
    dimension = next(d for d in full.dimensions if d.id == page)
    found: dict[int, list[str]] = {}
    for question in dimension.questions:
        match = REQUIREMENT_ID.match(question.id)
        if match:
            found.setdefault(int(match["level"]), []).append(question.id)
    return found


def rated(full, page: str, ratings: dict[int, list[str]]) -> float | None:
    """The page's gating score when the requirements of each level are rated in turn, cycling through the list."""
    raw = {}
    for level, ids in requirements_by_level(full, page).items():
        cycle = ratings.get(level)
        for i, question_id in enumerate(ids):
            if cycle:
                raw[question_id] = cycle[i % len(cycle)]
    answers, problems = parse_answers(full, raw, complete=False)
    assert problems == []
    return score(full, answers).nodes[f"{page}_requirements"].score


@pytest.mark.parametrize("page", PAGES)
def test_every_level_has_two_to_four_requirements_at_the_end_of_the_page(full, page):
    dimension = next(d for d in full.dimensions if d.id == page)
    by_level = requirements_by_level(full, page)
    assert sorted(by_level) == [1, 2, 3, 4, 5]
    assert all(2 <= len(ids) <= 4 for ids in by_level.values()), {lv: len(ids) for lv, ids in by_level.items()}
    ids = [question.id for question in dimension.questions]
    requirement_ids = [question_id for level in range(1, 6) for question_id in by_level[level]]
    assert ids[-len(requirement_ids) :] == requirement_ids  # the last questions of the page, level by level
    for level, level_ids in by_level.items():
        assert level_ids == [f"{PAGES[page]}_req_l{level}_{n}" for n in range(1, len(level_ids) + 1)]
        for question_id in level_ids:
            question = full.questions[question_id]
            assert question.type == "single" and question.scale == "requirement"
            assert [option.id for option in question.options] == ["not_met", "partly", "largely", "met"]
            assert question.paradigm == PARADIGM_OF_LEVEL[level]
            assert question.anchors["CMMM"].endswith(f" › level {level}")


@pytest.mark.parametrize("page", PAGES)
def test_every_requirement_feeds_the_gating_node_of_its_page_at_its_level(full, page):
    node = full.nodes[f"{page}_requirements"]
    assert (node.kind, node.rule, node.threshold, node.bands) == ("item", "gating", 0.8, "cmmm_levels")
    expected = {(qid, level) for level, ids in requirements_by_level(full, page).items() for qid in ids}
    assert {(source.ref, source.level) for source in node.inputs} == expected
    assert len(node.inputs) == len(expected)
    # the dimension score stays the ladder-based readiness index
    assert node.id not in {source.ref for source in full.nodes[page].inputs}


M, P, L, N = "met", "partly", "largely", "not_met"
ALL_MET = {level: [M] for level in range(1, 6)}


# (ratings per level, cycled over the level's requirements, expected score); gating: the highest level whose mean
# reaches 0.8, every lower level reached, plus the mean of the next level; unanswered levels drop out
GATING_CASES = [
    # L3 met, partly, not met (and partly on a fourth): (1 + 0.5 + 0)/3 = (1 + 0.5 + 0 + 0.5)/4 = 0.5 → 2 + 0.5
    ({1: [M], 2: [M], 3: [M, P, N, P]}, 2.5),
    (ALL_MET, 5.0),  # every level reached: min(5, 5 + 0)
    ({level: [L] for level in range(1, 6)}, 5.0),  # 0.8 everywhere reaches the threshold
    ({**ALL_MET, 2: [P]}, 1.5),  # L2 all partly: 0.5 < 0.8 blocks L3-L5 however well rated → 1 + 0.5
    ({**ALL_MET, 1: [N]}, 0.0),  # L1 not met: 0 + 0, the rest does not count
    ({1: [M]}, 1.0),  # only L1 answered: 1 + 0, no level above applies
    ({1: [M], 2: [M], 3: [M], 4: [N]}, 3.0),  # 3 + 0
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("ratings", "expected"), GATING_CASES)
def test_gating_on_the_page_requirements(full, page, ratings, expected):
    assert rated(full, page, ratings) == pytest.approx(expected)


@pytest.mark.parametrize("page", PAGES)
def test_one_partly_met_requirement_of_level_two_blocks_the_levels_above_only_when_the_mean_drops(full, page):
    count = len(requirements_by_level(full, page)[2])
    # one of n partly, the rest met: (n - 1 + 0.5)/n = 0.833 (n = 3) or 0.875 (n = 4) ≥ 0.8 → every level reached
    assert rated(full, page, {**ALL_MET, 2: [P] + [M] * (count - 1)}) == pytest.approx(5.0)
    # one of n not met: (n - 1)/n = 0.667 (n = 3) or 0.75 (n = 4) < 0.8 → blocked at 1 + that mean
    assert rated(full, page, {**ALL_MET, 2: [N] + [M] * (count - 1)}) == pytest.approx(1 + (count - 1) / count)
    # one partly and one not met: (0.5 + 0 + 1)/3 = 0.5 or (0.5 + 0 + 1 + 1)/4 = 0.625
    assert rated(full, page, {**ALL_MET, 2: [P, N] + [M] * (count - 2)}) == pytest.approx(1 + (0.5 + count - 2) / count)


def test_a_level_below_the_threshold_gives_its_mean_as_progress(full):
    # production L3 has three requirements: met, largely, partly → (1 + 0.8 + 0.5)/3 = 0.7667 < 0.8 → 2 + 0.7667
    assert rated(full, "production", {1: [M], 2: [M], 3: [M, L, P]}) == pytest.approx(2 + 2.3 / 3)
    # logistics L2 has four: largely ×3, partly → (2.4 + 0.5)/4 = 0.725 < 0.8 → 1 + 0.725
    assert rated(full, "logistics_supply", {1: [M], 2: [L, L, L, P], 3: [M]}) == pytest.approx(1.725)
    # product L4 has four: met, met, met, partly → 3.5/4 = 0.875 ≥ 0.8; L5 partly → 4 + 0.5
    assert rated(full, "intelligent_products", {1: [M], 2: [M], 3: [M], 4: [M, M, M, P], 5: [P]}) == pytest.approx(4.5)
    # energy L4 has three: met, met, partly → 2.5/3 = 0.833 ≥ 0.8; L5 not met → 4 + 0
    assert rated(full, "energy_green", {1: [M], 2: [M], 3: [M], 4: [M, M, P], 5: [N]}) == pytest.approx(4.0)


def test_a_design_requirement_on_own_products_may_be_not_applicable(full):
    # work to customers' designs: design_req_l2_1 (digital definitions of own products) drops out, so level 2 rests
    # on design_req_l2_2 and design_req_l2_3: (0.5 + 1)/2 = 0.75 < 0.8 → 1 + 0.75
    raw = {f"design_req_l1_{n}": M for n in (1, 2, 3)}
    raw |= {"design_req_l2_1": "na", "design_req_l2_2": P, "design_req_l2_3": M, "design_req_l3_1": M}
    answers, problems = parse_answers(full, raw, complete=False)
    assert problems == []
    assert score(full, answers).nodes["design_rd_requirements"].score == pytest.approx(1.75)
    raw["design_req_l2_2"] = L  # (0.8 + 1)/2 = 0.9 ≥ 0.8; L3 on design_req_l3_1 alone: 1 → 3 + 0
    answers, _ = parse_answers(full, raw, complete=False)
    assert score(full, answers).nodes["design_rd_requirements"].score == pytest.approx(3.0)


def test_a_result_of_two_and_a_half_is_level_two(full):
    answers, _ = parse_answers(
        full,
        {
            "mfg_req_l1_1": M,
            "mfg_req_l1_2": M,
            "mfg_req_l1_3": M,
            "mfg_req_l2_1": M,
            "mfg_req_l2_2": M,
            "mfg_req_l2_3": M,
            "mfg_req_l3_1": P,
        },
        complete=False,
    )
    node = score(full, answers).nodes["production_requirements"]
    assert (node.score, node.level) == (pytest.approx(2.5), 2)  # L3 on mfg_req_l3_1 alone: 0.5 → 2 + 0.5


def test_products_without_own_products_are_not_applicable(full):
    ids = [qid for ids in requirements_by_level(full, "intelligent_products").values() for qid in ids]
    answers, problems = parse_answers(full, dict.fromkeys(ids, "na"), complete=False)
    assert problems == []
    assert score(full, answers).nodes["intelligent_products_requirements"].score is None


@pytest.mark.parametrize("page", PAGES)
def test_requirement_texts_are_bilingual_and_the_chinese_is_clean(full, page):
    for ids in requirements_by_level(full, page).values():
        for question_id in ids:
            question = full.questions[question_id]
            for text in (question.text, question.help):
                assert text.en.strip() and text.zh.strip(), question_id
                assert re.search(f"[{CJK}]", text.zh), question_id
                assert not ASCII_ID.search(text.zh), (question_id, text.zh)
                assert not SPACE_BY_CJK.search(text.zh), (question_id, text.zh)
                assert not text.en.startswith("Requirement"), question_id

"""Roadmap format 2 against hand-worked cases: variants combine field by field, a variant that can never be chosen is
refused, a step the answers show in place is never planned, and published benefit figures appear once, with their
caveat, never inside an action.

The small questionnaire is tests/data/mini.yaml (dimensions data, security, integration) with a roadmap added; the
2.0 files are the shipped questionnaires, pinned to version 2.0.
"""

import re
from pathlib import Path

import pytest
import yaml

from assessment.roadmap import Settings, build_plan, resolve_action
from assessment.scoring import NodeResult, Result
from factories import MINI
from questionnaires.catalog import Catalog
from questionnaires.loader import QuestionnaireError, load_questionnaire
from questionnaires.vocabulary import INDUSTRY_TYPES, SIZES

CATALOG = Catalog.load()
FIGURES = re.compile(r"\d+(\.\d+)? ?%|308")  # the published figures: 34 %, 17.2 %, 22 %, 32.4 %, 29.4 %, 308 projects


def text(en: str) -> dict:
    return {"en": en, "zh": f"中文{en}"}


def roadmap_section(variants: list, **changes) -> dict:
    """Five actions per dimension (data 6, security 3, integration 12 months); data level 3 gets `variants`."""
    actions = []
    for dimension, months in {"data": 6, "security": 3, "integration": 12}.items():
        for level in range(1, 6):
            action = {
                "dimension": dimension,
                "level": level,
                "months": months,
                "title": text(f"{dimension} to {level}"),
                "what": text(f"do {dimension} {level}"),
                "why": text("because"),
                "indicator": text("a figure"),
            }
            if (dimension, level) == ("data", 3):
                action["variants"] = variants
            actions.append(action)
    section = {
        "format": 2,
        "priority_weights": {"gap": 1, "weight": 0, "cohort": 0, "goals": 0},
        "dimension_goals": {"data": ["quality"], "security": ["safety"], "integration": ["delivery"]},
        "paradigm_levels": {"digital": 2, "networked": 3, "intelligent": 5},  # the tops of mini.yaml's paradigm ranges,
        "parallel_tracks": 3,
        "actions": actions,
    }
    section.update(changes)
    return section


def write_mini(tmp_path: Path, variants: list, **changes) -> Path:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["roadmap"] = roadmap_section(variants, **changes)
    path = tmp_path / "mini_v2.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


COMBINED = [
    {"when": {"industry_type": "process"}, "months": 9, "title": text("data to 3, process"), "what": text("process")},
    {"when": {"sizes": ["micro", "small"]}, "months": 4, "what": text("small")},
    {"when": {"industry_type": "process", "sizes": ["small"]}, "indicator": text("small process figure")},
]


def test_a_small_process_firm_gets_the_fields_of_every_matching_variant(tmp_path):
    action = load_questionnaire(write_mini(tmp_path, COMBINED)).definition.roadmap.actions[2]  # data level 3
    small_process = resolve_action(action, "process", "small", combine=True)
    # title: only the process variant sets it; what and months: process and small both do, and at equal key count
    # the size class wins; indicator: only the combined variant (two keys) sets it
    assert small_process.title.en == "data to 3, process"
    assert small_process.what.en == "small"
    assert small_process.months == 4
    assert small_process.indicator.en == "small process figure"
    assert small_process.why.en == "because"  # no variant sets it: the action's own
    assert small_process.variant == "process + micro small + process small"
    # a medium process firm: the process variant alone; a micro discrete firm: the small-firm variant alone
    medium_process = resolve_action(action, "process", "medium", combine=True)
    assert (medium_process.what.en, medium_process.months, medium_process.indicator.en) == ("process", 9, "a figure")
    micro_discrete = resolve_action(action, "discrete", "micro", combine=True)
    assert (micro_discrete.title.en, micro_discrete.what.en, micro_discrete.months) == ("data to 3", "small", 4)


def test_format_1_keeps_its_meaning_one_variant_wins_whole(tmp_path):
    action = load_questionnaire(write_mini(tmp_path, COMBINED, format=1)).definition.roadmap.actions[2]
    # format 1: the most specific matching variant (two keys) replaces only the field it sets; the others keep
    # the action's own texts and months
    small_process = resolve_action(action, "process", "small")
    assert (small_process.title.en, small_process.what.en, small_process.months) == ("data to 3", "do data 3", 6)
    assert small_process.indicator.en == "small process figure"
    # a micro process firm: process (one key) and small (one key) both match; the first in the file wins whole
    micro_process = resolve_action(action, "process", "micro")
    assert (micro_process.what.en, micro_process.months) == ("process", 9)


def test_the_real_quick_check_writes_for_small_process_firms_and_combines_the_rest():
    quick = CATALOG.get("quick_check", "2.0")
    actions = {(a.dimension, a.level): a for a in quick.definition.roadmap.actions}
    # operations 2 has a process variant (what, indicator), a small-firm one (what, months) and one written for
    # small process firms (what, months): a small process firm gets the last one's texts and the process indicator
    action = actions[("operations", 2)]
    by_audience = {(v.when.industry_type, tuple(v.when.sizes or ())): v for v in action.variants}
    small, process = by_audience[(None, ("micro", "small"))], by_audience[("process", ())]
    small_process = by_audience[("process", ("micro", "small"))]
    resolved = resolve_action(action, "process", "small", combine=True)
    assert resolved.what == small_process.what and resolved.months == small_process.months == 6
    assert resolved.indicator == process.indicator
    assert "batch" in resolved.what.en and "cloud ERP" in resolved.what.en
    # a small discrete firm still gets the small-firm texts; a process firm of unknown size the process ones; a
    # large process plant the texts for medium and large firms (sizes over industry type) and the process indicator
    large = by_audience[(None, ("medium", "large"))]
    assert resolve_action(action, "discrete", "small", combine=True).what == small.what
    assert resolve_action(action, "process", None, combine=True).what == process.what
    large_process = resolve_action(action, "process", "large", combine=True)
    assert (large_process.what, large_process.indicator) == (large.what, process.indicator)
    # every quick-check step of levels 1-3 has texts written for small process firms
    for (dimension, level), action in actions.items():
        if level <= 3:
            assert any(v.when.industry_type == "process" and v.when.sizes == ["micro", "small"]
                       for v in action.variants), (dimension, level)


def test_a_variant_that_can_never_be_chosen_is_refused_with_its_key_path(tmp_path):
    shadowed = [
        {"when": {"sizes": ["small", "medium"]}, "what": text("small or medium")},
        {"when": {"sizes": ["small"]}, "what": text("small")},
        {"when": {"sizes": ["medium"]}, "what": text("medium")},
    ]
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(write_mini(tmp_path, shadowed))
    # data level 3 is the third action; a small firm gets variant 1 (one size class), a medium one variant 2
    [problem] = error.value.problems
    assert problem.key == "roadmap.actions.2.variants.0.when"
    assert problem.message.startswith("this variant can never be chosen")
    assert problem.line is not None
    assert f"mini_v2.yaml: line {problem.line}: roadmap.actions.2.variants.0.when" in str(error.value)
    # format 1 never checked this: its files keep loading
    load_questionnaire(write_mini(tmp_path, shadowed, format=1))


def test_a_done_if_on_an_unknown_question_or_option_is_refused(tmp_path):
    raw = roadmap_section([])
    raw["actions"][0]["done_if"] = [{"question": "no_such_question", "at_least": 1}]
    raw["actions"][1]["done_if"] = [{"question": "data_tools", "equals": "no_such_option"}]
    mini = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    mini["roadmap"] = raw
    path = tmp_path / "mini_done_if.yaml"
    path.write_text(yaml.safe_dump(mini, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    keys = [problem.key for problem in error.value.problems]
    assert keys == ["roadmap.actions.0.done_if.0.question", "roadmap.actions.1.done_if.0"]


def dimension_result(questionnaire, scores: dict[str, float], answers: dict, profile="discrete") -> Result:
    """A result with the given dimension scores (level = whole part, as the 0-5 bands give) and answers."""
    nodes = {
        d.id: NodeResult(d.id, "dimension", "weighted_mean", scores.get(d.id), int(scores[d.id]) if d.id in scores
                         else None, ())
        for d in questionnaire.dimensions
    }
    return Result(questionnaire.id, questionnaire.version, profile, nodes, answers)


def test_erp_and_mes_live_give_no_go_live_with_erp_step():
    quick = CATALOG.get("quick_check", "2.0")
    # The operations ladder at 2 (ERP for orders and stock, production orders and quality records in shop-floor
    # software), no platform (its applications are hidden and drop out) and supply-chain data by phone (0):
    # operations scores (2 x 2 + 1 x 0) / (2 + 1) = 1.33, level 1. The level 2 step is in place by the answers, so
    # the next-level target moves to 3 and the plan starts there.
    answers = {"op_systems": 2, "en_platform": False, "op_supply_chain": "phone_paper", "en_automation": 3}
    scores = {"strategy_people": 3.0, "data_security": 3.0, "equipment_network": 3.0, "operations": 4 / 3,
              "products_services": 3.0}
    plan = build_plan(quick, dimension_result(quick, scores, answers), None, Settings(),
                      industry_type="discrete", size="small")
    planned = {(step.dimension, step.level) for step in plan.steps}
    assert ("operations", 2) not in planned
    assert ("operations", 3) in planned
    operations = next(p for p in plan.priorities if p.dimension == "operations")
    assert (operations.level, operations.target_level, operations.target_score) == (1, 3, 3.0)
    assert operations.in_place == (2,)  # said beside the target: 1.33 -> 3.00 passes a level already done
    # gap (3 - 1.33) / 5 = 0.333
    assert operations.gap == pytest.approx((3 - 4 / 3) / 5)
    [in_place] = [item for item in plan.in_place if item.dimension == "operations"]
    assert in_place.level == 2
    assert [(c.question, c.at_least) for c in in_place.conditions] == [("op_systems", 2)]
    titles = [step.action.title.en for step in plan.steps]
    assert not any("ERP" in title and "Introduce" in title for title in titles)
    # level 3 starts at month 0: its level below is in place and equipment_network (its prerequisite) is at 3
    [step3] = [step for step in plan.steps if (step.dimension, step.level) == ("operations", 3)]
    assert step3.start == 0


def test_programs_stored_centrally_and_erp_with_mes_live_plan_none_of_those_steps_in_the_full_assessment():
    full = CATALOG.get("imready_full", "2.0")
    # equipment ladder 2: key processes on CNC/PLC, programs and parameters stored centrally; software ladder 2:
    # ERP and MES in daily use; production ladder 2 with batch traceability. Scores stay at 1.5 (level 1) because
    # the supporting evidence is thin, so without done_if every one of these level 2 steps would be planned.
    answers = {"equip_ladder": 2, "soft_ladder": 2, "mfg_ladder": 2, "mfg_traceability": "system_lots"}
    scores = {d.id: 3.0 for d in full.dimensions}
    scores.update(equipment_automation=1.5, software_platforms=1.5, production=1.5)
    plan = build_plan(full, dimension_result(full, scores, answers), None, Settings(),
                      industry_type="process", size="small")
    planned = {(step.dimension, step.level) for step in plan.steps}
    for dimension in ("equipment_automation", "software_platforms", "production"):
        assert (dimension, 2) not in planned
        assert (dimension, 3) in planned
    assert [(i.dimension, i.level) for i in plan.in_place] == [
        ("equipment_automation", 2), ("software_platforms", 2), ("production", 2)
    ]
    # without traceability the production step is not shown done: the MES step stays in the plan
    answers["mfg_traceability"] = "paper_days"
    plan = build_plan(full, dimension_result(full, scores, answers), None, Settings(),
                      industry_type="process", size="small")
    assert ("production", 2) in {(step.dimension, step.level) for step in plan.steps}


@pytest.mark.parametrize(("questionnaire_id", "scored"), [("imready_full", 14), ("quick_check", 5)])
def test_benefit_figures_appear_once_with_their_caveat_never_inside_an_action(questionnaire_id, scored):
    questionnaire = CATALOG.get(questionnaire_id, "2.0")
    scores = {d.id: 0.5 for d in questionnaire.dimensions}  # level 0: every dimension plans its first step
    plan = build_plan(questionnaire, dimension_result(questionnaire, scores, {}), None,
                      Settings(), industry_type="process", size="small")
    assert len({step.dimension for step in plan.steps}) == scored
    context = plan.benefit_context
    for figure in ("34 %", "17.2 %", "22 %", "32.4 %", "29.4 %", "308"):
        assert figure in context.text.en
    assert "308" in context.text.zh and "34%" in context.text.zh
    assert "not what this plan will bring your enterprise" in context.caveat.en
    assert "pilot" in context.caveat.en and "second-hand" in context.caveat.en
    assert "并不代表本规划能为贵企业带来的效果" in context.caveat.zh
    assert "308" in context.source
    # no action, for any audience, quotes a figure or a source
    for action in questionnaire.definition.roadmap.actions:
        for industry in INDUSTRY_TYPES:
            for size in (*SIZES, None):
                resolved = resolve_action(action, industry, size, combine=True)
                if resolved.benefit is not None:
                    assert resolved.benefit.source is None
                    assert not FIGURES.search(resolved.benefit.text.en + resolved.benefit.text.zh)


def test_an_action_quoting_figures_is_refused_in_format_2(tmp_path):
    raw = roadmap_section([])
    raw["actions"][4]["benefit"] = {"text": text("Projects like this averaged 34 % higher productivity."),
                                    "source": "a study"}
    mini = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    mini["roadmap"] = raw
    path = tmp_path / "mini_benefit.yaml"
    path.write_text(yaml.safe_dump(mini, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    assert [problem.key for problem in error.value.problems] == ["roadmap.actions.4.benefit"]
    raw["format"] = 1  # the 1.0 files quote their figures with a source, and keep loading
    mini["roadmap"] = raw
    path.write_text(yaml.safe_dump(mini, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_questionnaire(path)


@pytest.mark.parametrize("questionnaire_id", ["imready_full", "quick_check"])
def test_every_small_firm_variant_reaches_small_firms_of_both_industry_types(questionnaire_id):
    # In 1.0 the first of equally specific variants won whole, so a small-firm variant listed after the industry
    # variants never reached a firm (every firm has an industry type). In 2.0 a micro or small firm gets the `what`
    # written for small firms, or the one written for small firms of its industry type.
    questionnaire = CATALOG.get(questionnaire_id, "2.0")
    checked = 0
    for action in questionnaire.definition.roadmap.actions:
        for industry in INDUSTRY_TYPES:
            written = [v for v in action.variants if v.when.sizes == ["micro", "small"] and v.what is not None
                       and v.when.industry_type in (None, industry)]
            if not written:
                continue
            best = max(written, key=lambda v: v.when.industry_type is not None)
            for size in ("micro", "small"):
                assert resolve_action(action, industry, size, combine=True).what == best.what
                checked += 1
    assert checked >= 4 * 25  # every action of both files has a small-firm variant

"""Quality flags of an answer set, with hand-made answers for each flag, and none for sincere answers: the example
answers and plausible synthetic ones drawn as the demo population is."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from assessment.answers import parse_answers
from assessment.quality import (
    IDLE_LIMIT_SECONDS,
    Contradiction,
    StraightLining,
    TooFast,
    add_active_time,
    contradictions,
    quality_flags,
)
from assessment.synthetic import draw_maturity, synthetic_answers
from factories import EXAMPLES, ROOT
from questionnaires.loader import load_questionnaire
from storage.demo import PROVINCES

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
EXAMPLE = json.loads((EXAMPLES / "quick_check_answers.json").read_text("utf-8"))
FULL_LADDERS = ("strat_ladder", "talent_ladder", "data_ladder", "integ_ladder", "sec_ladder", "equip_ladder",
                "net_ladder", "soft_ladder", "design_ladder", "mfg_ladder", "logi_ladder", "sales_ladder",
                "iprod_ladder", "energy_ladder")  # fmt: skip
TEN_MINUTES = 600  # active time of a sincere quick check: more than its 160-second limit
# uneven ladders: 7 of 14 at level 2, the most alike
UNEVEN = dict(zip(FULL_LADDERS, (2, 1, 2, 3, 2, 1, 2, 2, 1, 3, 2, 1, 1, 2), strict=True))


@pytest.fixture(scope="module")
def quick(catalog):
    return catalog.get("quick_check", "2.0")


@pytest.fixture(scope="module")
def full(catalog):
    return catalog.get("imready_full", "2.0")


def example(quick, **changes):
    answers, problems = parse_answers(quick, {**EXAMPLE, **changes})
    assert not problems
    return answers


# --- paradata ---


@pytest.mark.parametrize(("before", "gap", "after"), [
    (0, timedelta(seconds=95), 95),  # a page answered in 95 s
    (300, timedelta(minutes=4), 540),  # 300 + 240
    (300, timedelta(minutes=15), 1200),  # 300 + 900: a gap of exactly the limit counts whole
    (300, timedelta(hours=3), 1200),  # away for three hours: 300 + 900 only
    (300, timedelta(days=2), 1200),  # back after two days: the same
    (300, timedelta(seconds=-5), 300),  # a clock set back counts nothing
])  # fmt: skip
def test_a_save_adds_the_time_since_the_previous_one_up_to_the_idle_limit(before, gap, after):
    assert IDLE_LIMIT_SECONDS == 900
    assert add_active_time(before, T0, T0 + gap) == after


# --- too fast ---


@pytest.mark.parametrize(("active", "flagged"), [(159, True), (160, False), (0, True), (None, False)])
def test_the_quick_check_is_too_fast_under_a_third_of_its_8_minutes(quick, active, flagged):
    # 8 minutes = 480 s; a third is 160 s. None: the time was not measured (imported answers): no flag.
    flags = quality_flags(quick, example(quick), active)
    assert flags == ([TooFast(active, 8, 160)] if flagged else [])


def test_the_full_assessment_is_too_fast_under_30_minutes(full):
    # 90 minutes / 3 = 30 minutes = 1800 s; the ladders alone, answered unevenly, raise nothing else
    assert quality_flags(full, UNEVEN, 1799) == [TooFast(1799, 90, 1800)]
    assert quality_flags(full, UNEVEN, 1800) == []


# --- straight-lining ---


def test_the_same_level_on_every_ladder_is_flagged(full):
    answers = dict.fromkeys(FULL_LADDERS, 2)
    assert quality_flags(full, answers, None) == [StraightLining(2, 14, 14, FULL_LADDERS)]


def test_the_same_level_on_nearly_every_ladder_is_flagged_from_nine_tenths(full):
    # 13 of 14 at level 3: 13 >= 0.9 x 14 = 12.6, flagged
    answers = {**dict.fromkeys(FULL_LADDERS, 3), "sec_ladder": 1}
    [flag] = quality_flags(full, answers, None)
    assert (flag.level, flag.same, flag.ladders) == (3, 13, 14)
    assert "sec_ladder" not in flag.question_ids and len(flag.question_ids) == 13
    # 12 of 14: 12 < 12.6, not flagged
    assert quality_flags(full, {**answers, "net_ladder": 2}, None) == []


def test_a_not_applicable_ladder_does_not_count(full):
    # intelligent products not applicable: 13 ladders answered, all at 4 (13 of 13)
    answers = {**dict.fromkeys(FULL_LADDERS, 4), "iprod_ladder": "na"}
    [flag] = quality_flags(full, answers, None)
    assert (flag.level, flag.same, flag.ladders) == (4, 13, 13)


def test_level_0_everywhere_is_the_honest_answer_of_an_enterprise_that_has_not_started(full):
    assert quality_flags(full, dict.fromkeys(FULL_LADDERS, 0), None) == []


def test_five_ladders_are_too_few_to_say_anything(quick):
    # the quick check has 5 ladders, under the minimum of 8: one level everywhere is an evenly developed enterprise
    answers = example(quick, sp_strategy=3, ds_data=3, en_automation=3, op_systems=3, ps_lifecycle=3)
    assert quality_flags(quick, answers, TEN_MINUTES) == []


# --- contradictions ---


@pytest.mark.parametrize(("changes", "rules"), [
    ({"ps_design_tools": "cad_2d"}, ["design_tools_below_ladder"]),  # 2D CAD, ladder at 3D CAD (level 2)
    ({"ps_design_tools": "manual", "ps_lifecycle": 1}, []),  # hand drawings, ladder at 2D CAD: no rule, unusual
    ({"ps_connected_products": False, "ps_lifecycle": 4}, ["products_monitored_unconnected"]),
    ({"ps_connected_products": False, "ps_lifecycle": 3, "ps_design_tools": "collaborative"}, []),
    ({"op_supply_chain": "phone_paper", "op_systems": 3}, ["paper_partners_integrated_operations"]),
    ({"op_supply_chain": "phone_paper", "ds_data": 4, "op_systems": 3},
     ["paper_partners_integrated_operations", "paper_partners_electronic_data"]),  # two rules, in file order
    ({"sp_talent": "none", "sp_strategy": 3}, ["nobody_runs_projects_but_team"]),
    ({"sp_talent": "vendor", "sp_strategy": 3}, []),  # a coordinated vendor may run the team's projects
])  # fmt: skip
def test_quick_check_contradictions(quick, changes, rules):
    flags = quality_flags(quick, example(quick, **changes), TEN_MINUTES)
    assert [flag.rule for flag in flags] == rules
    assert all(isinstance(flag, Contradiction) for flag in flags)


def test_a_contradiction_names_both_questions_and_explains_itself(quick):
    [flag] = quality_flags(quick, example(quick, ps_connected_products=False, ps_lifecycle=5), TEN_MINUTES)
    assert flag.question_ids == ("ps_connected_products", "ps_lifecycle")
    assert "monitored remotely" in flag.explanation.en and "远程监控" in flag.explanation.zh


def test_full_assessment_contradictions(full):
    assert quality_flags(full, UNEVEN, None) == []
    # no business software (software ladder 0), yet production records in an MES (production ladder 3)
    assert [flag.rule for flag in quality_flags(full, {**UNEVEN, "soft_ladder": 0}, None)] == ["no_software_but_mes"]
    # no network on site (network ladder 0), yet equipment integrated through MES to ERP (integration ladder 3)
    answers = {**UNEVEN, "net_ladder": 0}
    assert [flag.rule for flag in quality_flags(full, answers, None)] == ["no_network_but_integration"]
    assert quality_flags(full, {**answers, "integ_ladder": 2}, None) == []
    # no data leave for a cloud service, yet cloud ERP is in use
    answers = {**UNEVEN, "sec_platform_trust": "no_sharing", "soft_platform_use": "saas_business"}
    assert [flag.rule for flag in quality_flags(full, answers, None)] == ["no_data_out_but_cloud_software"]


def test_an_answer_to_a_hidden_question_never_contradicts(quick):
    # op_platform_apps is asked only with en_platform true; a stale answer left from before counts for nothing, and
    # the rules read only shown answers
    answers = example(quick, en_platform=False)
    answers["op_platform_apps"] = ("energy",)
    assert quality_flags(quick, answers, TEN_MINUTES) == []


# --- sincere answers ---


def test_the_example_answers_raise_no_flag(quick):
    assert quality_flags(quick, example(quick), TEN_MINUTES) == []


@pytest.mark.parametrize("questionnaire_id", ["quick_check", "imready_full"])
def test_plausible_synthetic_answers_raise_no_flag(catalog, questionnaire_id):
    # maturities drawn as storage/demo.py draws them (published level shares, a province's offset, the size class)
    questionnaire = catalog.get(questionnaire_id, "2.0")
    rng = random.Random(7)
    offsets = [offset for _weight, offset in PROVINCES.values()]
    for _ in range(300 if questionnaire_id == "quick_check" else 80):
        maturity = draw_maturity(rng) + rng.choice(offsets) + 0.25 * (rng.randrange(4) - 1.5)
        answers = synthetic_answers(questionnaire, min(5.0, max(0.0, maturity)), rng)
        assert quality_flags(questionnaire, answers, questionnaire.definition.estimated_minutes * 60) == []


def test_synthetic_answers_keep_to_rules_on_every_kind_of_question(tmp_path):
    # mini.yaml with rules on a checklist, a yes/no question, a number and ladders, each likely to be broken by
    # answers drawn independently around one maturity
    data = yaml.safe_load((ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8"))
    explanation = {"en": "Excluded.", "zh": "互相排斥。"}
    data["consistency"] = [
        {"id": "paper_but_mes", "answer": {"question": "data_ladder", "one_of": [0, 1]},
         "contradicts": {"question": "data_tools", "one_of": ["mes", "erp"]}, "explanation": explanation},
        {"id": "no_platform_but_zones", "answer": {"question": "sec_ladder", "at_least": 3},
         "contradicts": {"question": "sec_platform", "equals": False}, "explanation": explanation},
        {"id": "backup_without_policy", "answer": {"question": "sec_ladder", "one_of": [0, 1, 2]},
         "contradicts": {"question": "sec_share", "at_least": 30}, "explanation": explanation},
    ]  # fmt: skip
    path = tmp_path / "mini_rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    questionnaire = load_questionnaire(path)
    rng = random.Random(11)
    for _ in range(200):
        answers = synthetic_answers(questionnaire, rng.uniform(0, 5), rng)
        assert contradictions(questionnaire, answers) == []

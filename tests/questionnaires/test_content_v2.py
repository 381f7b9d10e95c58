"""Content of questionnaire version 2.0 as an assessor reviewed it: each fix worked by hand against version 1.0.

Every test scores or reads the same thing in 1.0 and 2.0: the 1.0 figure shows the problem the review found, the
2.0 figure shows it fixed (so each test would fail if 2.0 still had 1.0's content).
"""

from __future__ import annotations

import functools

import pytest

from assessment.answers import answer_value, parse_answer, parse_answers
from assessment.scoring import score
from factories import ROOT
from questionnaires.loader import Questionnaire, load_questionnaire

FILES = {
    ("imready_full", "1.0"): "imready_full.yaml",
    ("imready_full", "2.0"): "imready_full_v2.yaml",
    ("quick_check", "1.0"): "quick_check.yaml",
    ("quick_check", "2.0"): "quick_check_v2.yaml",
}
HALF_LEVEL = 0.5


@functools.cache
def questionnaire(questionnaire_id: str, version: str) -> Questionnaire:
    loaded = load_questionnaire(ROOT / "questionnaires" / FILES[questionnaire_id, version])
    assert loaded.version == version
    return loaded


def node_score(q: Questionnaire, raw: dict, node_id: str, profile: str = "discrete") -> float | None:
    """One node's score; answers to questions this version does not ask are left out."""
    answers, problems = parse_answers(q, {k: v for k, v in raw.items() if k in q.questions}, complete=False)
    assert problems == []
    return score(q, answers, profile).nodes[node_id].score


def value(q: Questionnaire, question_id: str, raw: object) -> float | None:
    question = q.questions[question_id]
    return answer_value(q, question, parse_answer(question, raw))


def every_answer(q: Questionnaire, question_id: str) -> list:
    question = q.questions[question_id]
    return [True, False] if question.type == "yesno" else [option.id for option in question.options]


def swing(q: Questionnaire, base: dict, question_id: str, node_id: str) -> float:
    """How far the page moves between the lowest- and the highest-scoring answer to one question."""
    scores = [node_score(q, {**base, question_id: answer}, node_id) for answer in every_answer(q, question_id)]
    return max(scores) - min(scores)


# --- 1. yes/no questions no longer swing a page by a whole level ---------------------------------------------------

# production: mfg_ladder 2, quality system_records 2, 20 % reported automatically → 2, process practices n/a.
#   1.0 (3·2 + 2 + t + 2)/6 with traceability yes 5 / no 0: 15/6 = 2.5 vs 10/6 = 1.67, a swing of 5/6 = 0.83.
#   2.0 weights 3, 1, 0.5, 1 (process practices dropped), W = 5.5; traceability 0 (none) .. 4 (chain_minutes):
#       (10 + 0.5·0)/5.5 = 1.818 .. (10 + 0.5·4)/5.5 = 2.182, a swing of 2/5.5 = 0.364.
PRODUCTION = {"mfg_ladder": 2, "mfg_quality_data": "system_records", "mfg_auto_reporting": 20,
              "mfg_process_practices": "na"}
# sales: sales_ladder 2, 20 % of orders online → 2.
#   1.0 (3·2 + 2 + f)/5 with feedback yes 5 / no 0: 13/5 = 2.6 vs 8/5 = 1.6, a swing of 1.0.
#   2.0 weights 3, 1, 0.5, W = 4.5; feedback 0 .. 4: 8/4.5 = 1.778 .. 10/4.5 = 2.222, a swing of 2/4.5 = 0.444.
SALES = {"sales_ladder": 2, "sales_online_share": 20}
# quick check, equipment_network: en_automation 2, 25 % connected → 2.
#   1.0 (2·2 + 2 + p)/4 with platform yes 5 / no 0: 11/4 = 2.75 vs 6/4 = 1.5, a swing of 1.25.
#   2.0 weights 2, 1, 0.5, W = 3.5; yes 3 / no 0: 7.5/3.5 = 2.143 vs 6/3.5 = 1.714, a swing of 1.5/3.5 = 0.429.
EQUIPMENT = {"en_automation": 2, "en_connected_share": 25}
# quick check, products_services: ps_lifecycle 2, cad_3d_pdm 2.
#   1.0 (2·2 + 2 + c)/4 with connected yes 5 / no 0: swing 5/4 = 1.25.
#   2.0 weights 2, 1, 0.5, W = 3.5; yes 3 / no 0: 7.5/3.5 = 2.143 vs 6/3.5 = 1.714, a swing of 0.429.
PRODUCTS = {"ps_lifecycle": 2, "ps_design_tools": "cad_3d_pdm"}


@pytest.mark.parametrize(
    ("questionnaire_id", "base", "question_id", "node_id", "swing_1_0", "swing_2_0"),
    [
        ("imready_full", PRODUCTION, "mfg_traceability", "production", 5 / 6, 2 / 5.5),
        ("imready_full", SALES, "sales_feedback_loop", "sales_service", 1.0, 2 / 4.5),
        ("quick_check", EQUIPMENT, "en_platform", "equipment_network", 1.25, 1.5 / 3.5),
        ("quick_check", PRODUCTS, "ps_connected_products", "products_services", 1.25, 1.5 / 3.5),
    ],
)
def test_one_evidence_question_moves_its_page_by_at_most_half_a_level(
    questionnaire_id, base, question_id, node_id, swing_1_0, swing_2_0
):
    old, new = questionnaire(questionnaire_id, "1.0"), questionnaire(questionnaire_id, "2.0")
    assert swing(old, base, question_id, node_id) == pytest.approx(swing_1_0)
    assert swing(new, base, question_id, node_id) == pytest.approx(swing_2_0)
    assert swing_1_0 > HALF_LEVEL >= swing_2_0


def test_the_1_0_production_example_now_reads_as_the_ladder_does():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    # 1.0: one-hour tracing yes 2.5 (level 2), no 1.67 (level 1)
    assert node_score(old, {**PRODUCTION, "mfg_traceability": True}, "production") == pytest.approx(2.5)
    assert node_score(old, {**PRODUCTION, "mfg_traceability": False}, "production") == pytest.approx(10 / 6)
    # 2.0: one-hour tracing is the level-3 option, (10 + 0.5·3)/5.5 = 2.09; tracing on paper (1) gives
    # (10 + 0.5)/5.5 = 1.91, both on the level the ladder answer (2) states
    assert value(new, "mfg_traceability", "full_hour") == 3
    assert node_score(new, {**PRODUCTION, "mfg_traceability": "full_hour"}, "production") == pytest.approx(11.5 / 5.5)
    assert node_score(new, {**PRODUCTION, "mfg_traceability": "paper_days"}, "production") == pytest.approx(10.5 / 5.5)


# --- 3. controlled data sharing raises the security score, never lowers it -------------------------------------------

# sec_ladder 3, control systems zoned_controlled 3, control-system practices asset_inventory, program_backups and
# remote_access 3.
#   1.0 min: never shares min(3, 3) = 3; shares under contract with minimisation min(3, 3, 2) = 2.
#   2.0 weighted mean of min(ladder, protection) ×3, practices ×1 and data sharing ×1:
#       never shares (no_sharing 2) (9 + 3 + 2)/5 = 2.8; contract_minimised 3 → (9 + 3 + 3)/5 = 3.0.
SECURITY_1_0 = {"sec_ladder": 3, "sec_ot_protection": "zoned_controlled"}
SECURITY_2_0 = {**SECURITY_1_0, "sec_ot_practices": ["asset_inventory", "program_backups", "remote_access"]}


def test_sharing_under_contract_with_minimisation_scores_at_least_as_high_as_never_sharing():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    never_1_0 = node_score(old, {**SECURITY_1_0, "sec_external_data": False}, "security_trust")
    shares_1_0 = node_score(old, {**SECURITY_1_0, "sec_external_data": True,
                                  "sec_platform_trust": "contract_minimised"}, "security_trust")
    assert (never_1_0, shares_1_0) == (3, 2)  # the review's finding: sharing under control cost a level
    never = node_score(new, {**SECURITY_2_0, "sec_platform_trust": "no_sharing"}, "security_trust")
    shares = node_score(new, {**SECURITY_2_0, "sec_platform_trust": "contract_minimised"}, "security_trust")
    assert never == pytest.approx(14 / 5)
    assert shares == pytest.approx(15 / 5)


def test_every_controlled_way_of_sharing_scores_at_least_not_sharing_and_every_firm_is_asked():
    new = questionnaire("imready_full", "2.0")
    trust = new.questions["sec_platform_trust"]
    assert trust.show_if is None  # asked of firms that never share too
    never = node_score(new, {**SECURITY_2_0, "sec_platform_trust": "no_sharing"}, "security_trust")
    for option in every_answer(new, "sec_platform_trust"):
        shared = node_score(new, {**SECURITY_2_0, "sec_platform_trust": option}, "security_trust")
        if option == "no_agreement":  # data leave without any control: the one way of sharing that costs
            assert shared == pytest.approx((9 + 3 + 0) / 5)
        else:
            assert shared >= never, option
    # the reason for not sharing is still asked, now of those who answer that no data leave
    assert new.questions["sec_no_share_reason"].show_if.question == "sec_platform_trust"


# --- 4. scales measure capability, not size or favoured technology --------------------------------------------------

def test_it_ot_staff_count_as_a_share_of_all_staff():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    # 1.0: 12 people score 5, in a 20-person firm and in a 2,000-person firm alike
    assert value(old, "talent_itot_staff", 12) == 5
    # 2.0: a share of staff. 12 of 20 = 60 % → 5 (≥ 6 %); 12 of 2,000 = 0.6 % → 2 (≥ 0.5 %, < 1.5 %)
    assert new.questions["talent_itot_staff"].max == 100
    small, large = value(new, "talent_itot_staff", 100 * 12 / 20), value(new, "talent_itot_staff", 100 * 12 / 2000)
    assert (small, large) == (5, 2)
    # on the page: ladder 2 (×3), leadership sponsor 2, training 4 h → 2, two channels → 2, all ×1, W = 7:
    # small (6 + 2 + 5 + 2 + 2)/7 = 17/7 = 2.43; large (6 + 2 + 2 + 2 + 2)/7 = 2.0
    base = {"talent_ladder": 2, "talent_leadership": "sponsor", "talent_training_hours": 4,
            "talent_skill_channels": ["vocational_college", "vendor_platform"]}
    assert node_score(new, {**base, "talent_itot_staff": 60}, "talent") == pytest.approx(17 / 7)
    assert node_score(new, {**base, "talent_itot_staff": 0.6}, "talent") == pytest.approx(2.0)


def test_network_capabilities_count_the_same_whatever_the_technology():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    # 1.0: 5G 1.5 and identifiers 1.5 against industrial Ethernet 1 and Wi-Fi 0.5
    assert (value(old, "net_technologies", ["private_5g"]), value(old, "net_technologies", ["ethernet_fieldbus"])) \
        == (1.5, 1)
    # 2.0: every capability 1 point; the options name what the network does, and wired, Wi-Fi and 5G reach count alike
    assert {value(new, "net_technologies", [option]) for option in every_answer(new, "net_technologies")} == {1}
    reach = next(o for o in new.questions["net_technologies"].options if o.id == "equipment_reach")
    assert all(word in reach.label.en for word in ("Ethernet", "Wi-Fi", "5G"))


def test_a_software_suite_counts_once_per_business_area_it_serves():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    # one design suite with CAD, CAE, CAM and PLM modules: 1.0 counts four modules, 4 × 0.5 = 2.0
    assert value(old, "soft_tools", ["cad", "cae", "cam_capp", "plm_pdm"]) == 2.0
    # 2.0 counts the design area once: 0.5; four areas (ERP, design, MES, quality) 4 × 0.5 = 2.0
    assert value(new, "soft_tools", ["design"]) == 0.5
    assert value(new, "soft_tools", ["orders_stock_finance", "design", "planning_execution", "quality_lab"]) == 2.0
    assert "once" in new.questions["soft_tools"].help.en


@pytest.mark.parametrize(
    ("question_id", "level", "named_en", "named_zh"),
    [
        ("net_ladder", 3, ("identifier",), ("标识",)),
        ("logi_ladder", 3, ("AGV",), ("AGV",)),
        ("iprod_ladder", 3, ("identification resolution",), ("标识解析",)),
    ],
)
def test_level_3_of_a_ladder_requires_no_specific_technology(question_id, level, named_en, named_zh):
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    before, after = old.questions[question_id].levels[level], new.questions[question_id].levels[level]
    assert any(word in before.en for word in named_en) and any(word in before.zh for word in named_zh)
    assert not any(word in after.en for word in named_en) and not any(word in after.zh for word in named_zh)


# --- 5. weights are declared as our judgement, with the three named weights fixed ------------------------------------

def overall_weights(q: Questionnaire, profile: str) -> dict[str, float]:
    return {source.ref: source.weight[profile] for source in q.overall_node.inputs}


def test_overall_weights_are_stated_as_our_judgement_with_a_reason_for_each():
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    discrete_1_0, discrete, process = overall_weights(old, "discrete"), overall_weights(new, "discrete"), \
        overall_weights(new, "process")
    # production's share for discrete industries: 1.0 1.25/15.25 = 8.2 %; 2.0 2/16.25 = 12.3 %
    assert discrete_1_0["production"] / sum(discrete_1_0.values()) == pytest.approx(1.25 / 15.25)
    assert sum(discrete.values()) == pytest.approx(16.25)
    assert discrete["production"] / sum(discrete.values()) == pytest.approx(2 / 16.25)
    # process: 2/15.75 = 12.7 %; production is the heaviest dimension for both industry types
    assert sum(process.values()) == pytest.approx(15.75)
    assert max(discrete.values()) == discrete["production"] == max(process.values()) == process["production"] == 2
    # energy-hungry casting, forging and plating: energy_green 0.75 → 1 for discrete; recipe design: design_rd
    # 0.75 → 1 for process
    assert (overall_weights(old, "discrete")["energy_green"], discrete["energy_green"]) == (0.75, 1)
    assert (overall_weights(old, "process")["design_rd"], process["design_rd"]) == (0.75, 1)
    explanation = new.overall_node.explanation
    assert "as CMMM's domain weights do" in old.overall_node.explanation.en
    assert "our own judgement" in explanation.en and "本评估自行确定" in explanation.zh
    for weight in {*discrete.values(), *process.values()} - {1}:  # every weight other than the base is explained
        assert f"{weight:g}" in explanation.en and f"{weight:g}" in explanation.zh, weight


@pytest.mark.parametrize("questionnaire_id", ["imready_full", "quick_check"])
def test_the_cmmm_anchor_no_longer_claims_cmmm_weights(questionnaire_id):
    old, new = questionnaire(questionnaire_id, "1.0"), questionnaire(questionnaire_id, "2.0")
    claim = {"imready_full": "as CMMM's domain weights do", "quick_check": "as in CMMM"}[questionnaire_id]
    assert claim in " ".join(old.definition.anchors["CMMM"].en.split())
    assert claim not in " ".join(new.definition.anchors["CMMM"].en.split())
    assert "our own judgement" in new.definition.anchors["CMMM"].en
    assert "本评估自行确定" in new.definition.anchors["CMMM"].zh


# --- 9. descriptors are single observable conditions ----------------------------------------------------------------

VAGUE = ("substantial", "itself", "largely", "可观", "自配置", "基本实现")


@pytest.mark.parametrize(("question_id", "level"), [("strat_ladder", 5), ("net_ladder", 5), ("logi_ladder", 4),
                                                    ("net_ladder", 3)])
def test_rewritten_descriptors_state_one_observable_condition(question_id, level):
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")

    def weak(text) -> bool:
        # a list of conditions (semicolons) or a vague word an assessor cannot check
        return ";" in text.en or "；" in text.zh or any(word in text.en or word in text.zh for word in VAGUE)

    assert weak(old.questions[question_id].levels[level])
    assert not weak(new.questions[question_id].levels[level])


# --- coverage a practitioner expects: new questions directly after the ladder, fed into the page ---------------------

@pytest.mark.parametrize(
    ("page", "question_id", "options"),
    [
        ("talent", "talent_leadership", {"sponsor", "competent", "data_led"}),
        ("security_trust", "sec_ot_practices",
         {"asset_inventory", "patching", "program_backups", "remote_access", "data_classification"}),
        ("production", "mfg_process_practices", {"apc", "sis_independent", "batch_recipe", "lims", "dual_prevention"}),
        ("energy_green", "energy_green_practices",
         {"material_yield", "waste_recovery", "circularity", "iso14001", "product_footprint"}),
    ],
)
def test_a_new_question_follows_the_ladder_and_feeds_its_page(page, question_id, options):
    old, new = questionnaire("imready_full", "1.0"), questionnaire("imready_full", "2.0")
    assert question_id not in old.questions
    dimension = next(d for d in new.dimensions if d.id == page)
    assert dimension.questions[0].type == "ladder" and dimension.questions[1].id == question_id
    assert options <= {option.id for option in new.questions[question_id].options}
    assert question_id in {source.ref for source in new.nodes[page].inputs}


def test_process_practices_count_for_process_industries_and_drop_out_for_discrete_ones():
    new = questionnaire("imready_full", "2.0")
    base = {**PRODUCTION, "mfg_traceability": "full_hour"}
    # discrete, not applicable: (3·2 + 2 + 0.5·3 + 2)/5.5 = 11.5/5.5 = 2.09
    assert node_score(new, base, "production") == pytest.approx(11.5 / 5.5)
    # process, APC, independent SIS, batch/recipe management and LIMS = 4:
    # (6 + 4 + 2 + 1.5 + 2)/6.5 = 15.5/6.5 = 2.38
    practices = ["apc", "sis_independent", "batch_recipe", "lims"]
    assert node_score(new, {**base, "mfg_process_practices": practices}, "production", "process") \
        == pytest.approx(15.5 / 6.5)


def test_green_practices_beyond_energy_raise_the_energy_and_green_page():
    new = questionnaire("imready_full", "2.0")
    # energy_ladder 2 (×3), green practices iso14001 + waste_recovery 2, 50 % sub-metered → 3,
    # energy practices unit_energy_tracked + energy_audit 2 plus certification 1 = 3: (6 + 2 + 3 + 3)/6 = 14/6
    raw = {"energy_ladder": 2, "energy_green_practices": ["iso14001", "waste_recovery"], "energy_metering_share": 50,
           "energy_measures": ["unit_energy_tracked", "energy_audit"], "energy_certified": True}
    assert node_score(new, raw, "energy_green") == pytest.approx(14 / 6)
    # the product carbon footprint is asked once, among the green practices, no longer among the energy measures
    assert "product_footprint" not in {option.id for option in new.questions["energy_measures"].options}

"""Questionnaire files: the shipped ones load and export; broken ones fail naming the file, key path and line."""

import json

import pytest
import yaml

from assessment.answers import value_function
from factories import ROOT
from questionnaires.catalog import Catalog
from questionnaires.export import export_questionnaire
from questionnaires.loader import QuestionnaireError, check_files, load_directory, load_questionnaire

SHIPPED = sorted((ROOT / "questionnaires").glob("*.yaml"))
MINI = ROOT / "tests" / "data" / "mini.yaml"

QUESTION_KEYS = {
    "id", "type", "text", "help", "not_applicable", "show_if", "paradigm", "anchors", "levels", "options", "unit",
    "min", "max", "integer", "max_length", "scale", "scored",
}  # fmt: skip
NODE_KEYS = {"id", "kind", "rule", "paradigm", "standard", "bands", "threshold", "cap", "range", "inputs",
             "explanation"}


def test_questionnaires_are_shipped():
    assert SHIPPED, "no questionnaires/*.yaml: the app would offer nothing"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_questionnaire_loads_and_exports(path):
    questionnaire = load_questionnaire(path)
    exported = json.loads(json.dumps(export_questionnaire(questionnaire), ensure_ascii=False))
    assert (exported["id"], exported["version"]) == (questionnaire.id, questionnaire.version)
    questions = [question for dimension in exported["dimensions"] for question in dimension["questions"]]
    assert [question["id"] for question in questions] == list(questionnaire.questions)
    assert all(set(question) == QUESTION_KEYS for question in questions)
    assert all(set(node) == NODE_KEYS for node in exported["scoring"]["nodes"])
    assert_inputs_first(exported)


def test_shipped_folder_loads_as_one_catalog(catalog):  # the session's Catalog.load(ROOT / "questionnaires")
    assert len(catalog.by_key) == len(SHIPPED)
    assert all(catalog.get(questionnaire_id) is not None for questionnaire_id in catalog.ids())


def assert_inputs_first(exported: dict) -> None:
    order = exported["scoring"]["order"]
    assert sorted(order) == sorted(node["id"] for node in exported["scoring"]["nodes"])
    for node in exported["scoring"]["nodes"]:
        for source in node["inputs"]:
            if source["ref_type"] == "node":
                assert order.index(source["ref"]) < order.index(node["id"])


# --- the export of mini.yaml, key by key ---


@pytest.fixture(scope="module")
def mini_export() -> dict:
    return export_questionnaire(load_questionnaire(MINI))


def question(exported: dict, question_id: str) -> dict:
    return next(q for d in exported["dimensions"] for q in d["questions"] if q["id"] == question_id)


def node(exported: dict, node_id: str) -> dict:
    return next(n for n in exported["scoring"]["nodes"] if n["id"] == node_id)


def test_export_top_level(mini_export):
    assert mini_export["title"] == {"en": "Mini check", "zh": "迷你自测"}
    assert mini_export["anchors"] == {}
    assert mini_export["profiles"] == {
        "attribute": "industry_type",
        "values": ["discrete", "process"],
        "default": "discrete",
    }
    assert [d["id"] for d in mini_export["dimensions"]] == ["data", "security", "integration"]
    assert_inputs_first(mini_export)


def test_export_questions_by_type(mini_export):
    ladder = question(mini_export, "data_ladder")
    assert [level["value"] for level in ladder["levels"]] == [0, 1, 2, 3, 4, 5]  # no scale: the level itself
    assert ladder["levels"][2]["text"] == {"en": "In an MES", "zh": "在MES中"}
    assert (ladder["scale"], ladder["options"], ladder["unit"], ladder["scored"]) == (None, None, None, True)

    tools = question(mini_export, "data_tools")
    assert tools["options"][0] == {"id": "cad", "label": {"en": "CAD", "zh": "CAD"}, "value": 2}
    assert tools["scale"] == {
        "name": "tools",
        "kind": "map",
        "values": {"cad": 2, "mes": 2, "erp": 2},
        "steps": None,
        "cap": 5,
        "from": None,
        "to": None,
    }
    assert tools["not_applicable"] is True

    share = question(mini_export, "sec_share")
    assert (share["unit"], share["min"], share["max"], share["integer"]) == ({"en": "%", "zh": "%"}, 0, 100, False)
    assert share["show_if"] == {"question": "sec_platform", "equals": True, "one_of": None, "at_least": None}
    assert share["scale"]["steps"] == [{"min": 0, "value": 0}, {"min": 25, "value": 2.5}, {"min": 75, "value": 5}]
    assert share["scale"]["values"] is None

    assert question(mini_export, "sec_platform")["scale"]["values"] == {"yes": 5, "no": 0}
    obstacle = question(mini_export, "data_obstacle")
    assert (obstacle["max_length"], obstacle["scale"], obstacle["scored"]) == (2000, None, False)
    size = question(mini_export, "int_size")  # a choice without a scale: collected, not scored
    assert (size["scored"], size["options"][0]["value"]) == (False, None)


def test_export_nodes(mini_export):
    gating = node(mini_export, "int_requirements")
    assert (gating["rule"], gating["threshold"], gating["bands"]) == ("gating", 0.8, None)
    assert gating["inputs"][1] == {"ref": "int_l2a", "ref_type": "question", "weight": 1, "level": 2}
    data = node(mini_export, "data")
    assert data["threshold"] is None
    assert data["inputs"][1] == {"ref": "data_systems", "ref_type": "node", "weight": 1, "level": None}
    assert data["bands"][1] == {"level": 1, "min": 1, "name": {"en": "Planning", "zh": "规划级"}}
    assert node(mini_export, "data_systems")["cap"] == 5
    digital = node(mini_export, "digital_paradigm")
    assert (digital["paradigm"], digital["range"], digital["bands"][4]["min"]) == ("digital", [0, 2], 95)
    assert node(mini_export, "overall")["inputs"][0]["weight"] == {"discrete": 2, "process": 1}


def test_export_is_plain_json(mini_export):
    assert json.loads(json.dumps(mini_export, ensure_ascii=False)) == mini_export


# --- broken variants of mini.yaml ---


def mini_data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def questions_of(data: dict, dimension: int) -> list[dict]:
    return data["dimensions"][dimension]["questions"]


def nodes_of(data: dict) -> list[dict]:
    return data["scoring"]["nodes"]


def typo_key(data):
    questions_of(data, 0)[0]["lables"] = questions_of(data, 0)[0].pop("levels")


def five_levels(data):
    questions_of(data, 0)[0]["levels"].pop()


def dimension_without_zh(data):
    del data["dimensions"][1]["name"]["zh"]


def option_without_zh(data):
    del questions_of(data, 0)[1]["options"][2]["label"]["zh"]


def scale_missing_option(data):
    del data["scales"]["tools"]["values"]["erp"]


def show_if_later_question(data):
    questions_of(data, 2)[0]["show_if"] = {"question": "int_l3", "equals": "met"}


def show_if_unknown_option(data):
    questions_of(data, 2)[1]["show_if"] = {"question": "int_l1", "equals": "done"}


def unknown_input(data):
    nodes_of(data)[1]["inputs"][0]["ref"] = "data_nowhere"


def cycle(data):
    nodes_of(data)[0]["inputs"].append({"ref": "data"})  # data_systems -> data -> data_systems


def profile_weight_missing(data):
    nodes_of(data)[8]["inputs"][0]["weight"] = {"discrete": 2}


def two_overall_nodes(data):
    nodes_of(data).append({**nodes_of(data)[8], "id": "overall_again"})


def no_intelligent_node(data):
    del nodes_of(data)[7]


def duplicate_question_id(data):
    questions_of(data, 1)[0]["id"] = "data_ladder"


def unknown_scale(data):
    questions_of(data, 1)[1]["scale"] = "yes_no"


def gating_without_level(data):
    del nodes_of(data)[3]["inputs"][0]["level"]


def number_bounds_reversed(data):
    questions_of(data, 1)[2]["min"] = 100


def text_question_scored(data):
    nodes_of(data)[1]["inputs"].append({"ref": "int_size"})


def linear_scale_on_a_ladder(data):
    data["scales"]["line"] = {"kind": "linear", "from": [0, 5], "to": [0, 100]}
    questions_of(data, 0)[0]["scale"] = "line"


def linear_scale_without_span(data):
    data["scales"]["line"] = {"kind": "linear", "from": [3, 3], "to": [0, 5]}


def roadmap_without_paradigms(data):
    data["scoring"]["nodes"] = [n for n in nodes_of(data) if n["kind"] != "paradigm"]
    data["roadmap"] = yaml.safe_load((ROOT / "questionnaires" / "quick_check_v2.yaml").read_text())["roadmap"]


BROKEN = [
    (typo_key, "dimensions.0.questions.0.lables", "Extra inputs are not permitted"),
    (five_levels, "dimensions.0.questions.0.levels", "at least 6 items"),
    (dimension_without_zh, "dimensions.1.name.zh", "Field required"),
    (option_without_zh, "dimensions.0.questions.1.options.2.label.zh", "Field required"),
    (scale_missing_option, "dimensions.0.questions.1.scale", "scale 'tools' has no value for erp"),
    (show_if_later_question, "dimensions.2.questions.0.show_if.question", "'int_l3' is not a question earlier"),
    (show_if_unknown_option, "dimensions.2.questions.1.show_if", "'done' is not an option of 'int_l1'"),
    (unknown_input, "scoring.nodes.1.inputs.0.ref", "'data_nowhere' is neither a question nor a node"),
    (cycle, "scoring.nodes", "cycle: data_systems -> data -> data_systems"),
    (profile_weight_missing, "scoring.nodes.8.inputs.0.weight", "one weight for each profile: discrete, process"),
    (two_overall_nodes, "scoring.nodes", "exactly one node of kind 'overall', found 2"),
    (no_intelligent_node, "scoring.nodes", "exactly one paradigm node for 'intelligent'"),
    (duplicate_question_id, "dimensions.1.questions.0.id", "'data_ladder' is used twice"),
    (unknown_scale, "dimensions.1.questions.1.scale", "unknown scale 'yes_no'"),
    (gating_without_level, "scoring.nodes.3.inputs.0.level", "gating inputs need a 'level'"),
    (number_bounds_reversed, "dimensions.1.questions.2", "'min' must be below 'max'"),
    (text_question_scored, "scoring.nodes.1.inputs.2.ref", "question 'int_size' is not scored"),
    (linear_scale_on_a_ladder, "dimensions.0.questions.0.scale", "'line' is a linear scale; only number questions"),
    (linear_scale_without_span, "scales.line", "'from' must span two different numbers"),
    (roadmap_without_paradigms, "roadmap.paradigm_levels", "it needs the three paradigm nodes"),
]


@pytest.mark.parametrize(("mutation", "key", "message"), BROKEN, ids=[row[0].__name__ for row in BROKEN])
def test_broken_file_names_path_key_and_line(tmp_path, mutation, key, message):
    data = mini_data()
    mutation(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    error = caught.value
    assert error.path == str(path)
    matching = [problem for problem in error.problems if problem.key == key and message in problem.message]
    assert matching, f"no problem at {key!r} saying {message!r} in:\n{error}"
    assert matching[0].line is not None
    assert f"{path}: line {matching[0].line}: {key}: " in str(error)


def test_problem_line_points_at_the_key(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace(
        "        levels:\n          - {en: On paper", "        lables:\n          - {en: On paper"
    )
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    [problem] = [p for p in caught.value.problems if p.key == "dimensions.0.questions.0.lables"]
    assert text.splitlines()[problem.line - 1].strip() == "lables:"


def test_question_text_keeps_its_key_path(tmp_path):
    # A question's field named `text` is not the discriminator tag of a free-text question: it must stay in the path.
    data = mini_data()
    del questions_of(data, 0)[0]["text"]["zh"]
    path = tmp_path / "no_zh.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert [problem.key for problem in caught.value.problems] == ["dimensions.0.questions.0.text.zh"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("id: mini\nversion: [1.0\n", "not valid YAML", 3),
        ("id: mini\n  version: 1.0\n", "not valid YAML", 2),
        ("- just\n- a list\n", "the file must hold a mapping of keys", None),
        ("", "the file must hold a mapping of keys", None),
    ],
)
def test_unreadable_yaml(tmp_path, text, message, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    [problem] = caught.value.problems
    assert (problem.key, message in problem.message, problem.line) == ("", True, line)
    assert str(caught.value).startswith(f"{path}: ")


def test_missing_file(tmp_path):
    with pytest.raises(QuestionnaireError, match="cannot read file"):
        load_questionnaire(tmp_path / "absent.yaml")


def test_check_files_reports_per_path(tmp_path):
    broken = tmp_path / "broken.yaml"
    data = mini_data()
    five_levels(data)
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = check_files([MINI, broken])
    assert report[str(MINI)] == []
    assert len(report[str(broken)]) == 1 and "dimensions.0.questions.0.levels" in report[str(broken)][0]


def test_same_id_and_version_twice_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="mini 1.0 is also defined in"):
        load_directory(tmp_path)


def test_catalog_picks_the_newest_version(tmp_path):
    for version in ("1.0", "1.10", "1.2"):
        text = MINI.read_text(encoding="utf-8").replace('version: "1.0"', f'version: "{version}"')
        (tmp_path / f"mini_{version}.yaml").write_text(text, encoding="utf-8")
    catalog = Catalog.load(tmp_path)
    assert (catalog.ids(), catalog.versions("mini")) == (["mini"], ["1.0", "1.2", "1.10"])
    assert catalog.get("mini").version == "1.10"
    assert catalog.get("mini", "1.2").version == "1.2"
    assert catalog.get("mini", "2.0") is None and catalog.get("other") is None


# --- roadmap format 2 ---


def mini_with_roadmap(variants: list, **changes) -> dict:
    """mini.yaml with a format 2 roadmap: one action per dimension and level; data level 1 has `variants`."""
    text = {"en": "t", "zh": "文"}
    actions = [
        {"dimension": d, "level": level, "months": 3, "title": text, "what": text, "why": text, "indicator": text}
        for d in ("data", "security", "integration")
        for level in range(1, 6)
    ]
    actions[0]["variants"] = variants
    data = mini_data()
    data["roadmap"] = {
        "format": 2,
        "priority_weights": {"gap": 1, "weight": 0, "cohort": 0, "goals": 0},
        "dimension_goals": {"data": ["quality"], "security": ["safety"], "integration": ["delivery"]},
        "paradigm_levels": {"digital": 2, "networked": 3, "intelligent": 5},  # the tops of mini.yaml's ranges
        "actions": actions,
        **changes,
    }
    return data


def test_check_names_the_file_line_and_key_of_a_variant_that_can_never_be_chosen(tmp_path):
    # Variant 0 (sizes micro, small) sets `what`; four two-key variants (each industry type with micro, with small)
    # set `what` too and are more specific, so every firm variant 0 matches takes `what` from one of them.
    text = {"en": "t", "zh": "文"}
    variants = [{"when": {"sizes": ["micro", "small"]}, "what": text}]
    variants += [{"when": {"industry_type": i, "sizes": [s]}, "what": text}
                 for i in ("discrete", "process") for s in ("micro", "small")]
    path = tmp_path / "shadowed.yaml"
    path.write_text(yaml.safe_dump(mini_with_roadmap(variants), allow_unicode=True, sort_keys=False), encoding="utf-8")
    [problem] = check_files([path])[str(path)]
    lines = path.read_text(encoding="utf-8").splitlines()
    line = int(problem.split(":")[0].removeprefix("line "))
    assert problem.startswith(f"line {line}: roadmap.actions.0.variants.0.when: this variant can never be chosen")
    assert lines[line - 1].strip() == "- when:"
    # a variant that still gives one field to someone stays: the same first variant with `months` too
    variants[0] = {**variants[0], "months": 2}
    path.write_text(yaml.safe_dump(mini_with_roadmap(variants), allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert check_files([path])[str(path)] == []


def test_done_if_must_read_a_question_and_an_answer_it_can_take(tmp_path):
    data = mini_with_roadmap([])
    data["roadmap"]["actions"][0]["done_if"] = [{"question": "data_ladder", "at_least": 1}]
    data["roadmap"]["actions"][1]["done_if"] = [{"question": "int_l1", "one_of": ["met", "done"]}]
    data["roadmap"]["actions"][2]["done_if"] = [{"question": "nowhere", "equals": True}]
    path = tmp_path / "done_if.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = check_files([path])[str(path)]
    assert [p.split(": ", 1)[1] for p in problems] == [
        "roadmap.actions.1.done_if.0: 'done' is not an option of 'int_l1'",
        "roadmap.actions.2.done_if.0.question: 'nowhere' is not a question of this file",
    ]


def test_version_1_files_keep_format_1_and_version_2_files_declare_format_2(catalog):
    for questionnaire_id in ("imready_full", "quick_check"):
        assert catalog.get(questionnaire_id, "1.0").definition.roadmap.format == 1
        assert catalog.get(questionnaire_id, "2.0").definition.roadmap.format == 2


def test_format_2_checks_would_refuse_the_frozen_1_0_file_so_they_apply_only_from_format_2(tmp_path):
    text = (ROOT / "questionnaires" / "quick_check.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quick_check_as_format_2.yaml"
    path.write_text(text.replace("\nroadmap:\n", "\nroadmap:\n  format: 2\n", 1), encoding="utf-8")
    problems = check_files([path])[str(path)]
    # 1.0 quotes figures in its actions, and reads the intelligent paradigm up to level 5 while planning it at 4
    assert any("may not quote figures or a source" in p for p in problems)
    assert all("may not quote figures or a source" in p or "roadmap.paradigm_levels.intelligent" in p
               for p in problems)


# --- a file without paradigm nodes, and the linear scale ---


def test_a_file_without_paradigm_nodes_loads(tmp_path):
    data = mini_data()
    data["scoring"]["nodes"] = [node for node in nodes_of(data) if node["kind"] != "paradigm"]
    path = tmp_path / "no_paradigms.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    questionnaire = load_questionnaire(path)
    assert questionnaire.paradigm_nodes == {} and not questionnaire.has_paradigms
    assert load_questionnaire(MINI).has_paradigms


def test_a_linear_scale_is_exported_with_its_spans(tmp_path):
    data = mini_data()
    data["scales"]["share"] = {"kind": "linear", "from": [0, 100], "to": [0, 5]}
    path = tmp_path / "linear.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    share = question(export_questionnaire(load_questionnaire(path)), "sec_share")
    assert share["scale"] == {"name": "share", "kind": "linear", "values": None, "steps": None, "cap": None,
                              "from": [0, 100], "to": [0, 5]}


@pytest.mark.parametrize(("spans", "answer", "expected"), [
    (([0, 100], [0, 5]), 40, 2.0),     # 0 + (40 − 0)·(5 − 0)/(100 − 0)
    (([0, 100], [0, 5]), 130, 5.0),    # beyond the span: held at 5
    (([20, 80], [0, 100]), 10, 0.0),   # below the span: held at 0
    (([20, 80], [0, 100]), 50, 50.0),  # (50 − 20)·100/60
    (([0, 10], [5, 0]), 2, 4.0),       # a falling line: 5 + 2·(0 − 5)/10
    (([0, 10], [5, 0]), 12, 0.0),      # held at its low end
])  # fmt: skip
def test_a_linear_scale_reads_the_answer_on_its_line(tmp_path, spans, answer, expected):
    data = mini_data()
    data["scales"]["share"] = {"kind": "linear", "from": spans[0], "to": spans[1]}
    questions_of(data, 1)[2]["max"] = 200
    path = tmp_path / "linear.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    questionnaire = load_questionnaire(path)
    assert value_function(questionnaire, questionnaire.questions["sec_share"])(answer) == pytest.approx(expected)

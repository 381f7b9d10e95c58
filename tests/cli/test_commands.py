"""The command-line tools: `flask questionnaires check|export` and `flask score`, run on a minimal app."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from flask import Flask

from cli import init_app
from factories import MINI, MINI_ANSWERS
from questionnaires.catalog import Catalog

# The answers worked by hand in test_scoring.py: overall (2·2.5 + 2.5 + 1.65)/4 = 2.2875 (discrete).
GOOD_ANSWERS = MINI_ANSWERS


def make_app(directory: Path, *, with_catalog: bool = True) -> Flask:
    app = Flask(__name__)
    app.config["QUESTIONNAIRE_DIR"] = str(directory)
    if with_catalog:
        app.extensions["questionnaires"] = Catalog.load(directory)
    init_app(app)
    return app


@pytest.fixture
def folder(tmp_path) -> Path:
    directory = tmp_path / "questionnaires"
    directory.mkdir()
    shutil.copy(MINI, directory / "mini.yaml")
    return directory


@pytest.fixture
def runner(folder):
    return make_app(folder).test_cli_runner()


def write_broken(path: Path) -> Path:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["id"] = "broken"
    data["dimensions"][0]["questions"][0]["levels"].pop()  # a ladder with five levels
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_json(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_check_folder_ok(runner, folder):
    result = runner.invoke(args=["questionnaires", "check"])
    assert (result.exit_code, result.output) == (0, f"{folder / 'mini.yaml'}: ok\n")


def test_check_named_broken_file(runner, tmp_path):
    broken = write_broken(tmp_path / "broken.yaml")
    result = runner.invoke(args=["questionnaires", "check", str(MINI), str(broken)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{MINI}: ok"
    assert lines[1].startswith(f"{broken}: line ")
    assert lines[1].endswith(
        ": dimensions.0.questions.0.levels: List should have at least 6 items after validation, not 5"
    )


def test_check_works_while_the_folder_cannot_load(folder):
    # the app could not build its catalog from this folder; the check must still run and list the problem
    broken = write_broken(folder / "broken.yaml")
    runner = make_app(folder, with_catalog=False).test_cli_runner()
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 1
    assert f"{folder / 'mini.yaml'}: ok" in result.output
    assert f"{broken}: line " in result.output and "dimensions.0.questions.0.levels" in result.output


def test_check_folder_with_one_version_twice(folder):
    shutil.copy(MINI, folder / "mini_copy.yaml")
    runner = make_app(folder, with_catalog=False).test_cli_runner()
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 1
    assert "mini 1.0 is also defined in" in result.output


def test_check_empty_folder(tmp_path):
    runner = make_app(tmp_path, with_catalog=False).test_cli_runner()
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 1
    assert f"no *.yaml questionnaire files in {tmp_path}" in result.stderr


def test_check_missing_file(runner, tmp_path):
    result = runner.invoke(args=["questionnaires", "check", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'absent.yaml'}: (top level): cannot read file" in result.output


def test_export(runner):
    result = runner.invoke(args=["questionnaires", "export", "mini"])
    assert result.exit_code == 0
    assert "迷你自测" in result.output  # not escaped
    exported = json.loads(result.output)
    assert (exported["id"], exported["version"]) == ("mini", "1.0")
    questions = [question["id"] for dimension in exported["dimensions"] for question in dimension["questions"]]
    assert questions == [
        "data_ladder", "data_tools", "data_obstacle", "sec_ladder", "sec_platform", "sec_share",
        "int_l1", "int_l2a", "int_l2b", "int_l3", "int_size",
    ]  # fmt: skip
    assert runner.invoke(args=["questionnaires", "export", "mini", "--version", "1.0"]).output == result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["questionnaires", "export", "maxi"], "no questionnaire 'maxi'; available: mini"),
        (["questionnaires", "export", "mini", "--version", "2.0"], "no version '2.0'; available: 1.0"),
        (["score", "maxi", "answers.json"], "no questionnaire 'maxi'; available: mini"),
    ],
)
def test_unknown_questionnaire(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / "answers.json", GOOD_ANSWERS)
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""


# (changes to the good answers, --industry-type, overall, digital) worked in test_scoring.py; dimensions data 2.5,
# security 2.5 (0 with sec_share 10), integration 1.65; digital maps each through [0, 2] to 0..100 and averages
@pytest.mark.parametrize(
    ("changes", "industry_type", "overall", "digital"),
    [
        ({}, None, 2.2875, 94.1667),  # (2·2.5 + 2.5 + 1.65)/4; (100 + 100 + 82.5)/3
        ({"sec_share": 10}, "discrete", 1.6625, 60.8333),  # (5 + 0 + 1.65)/4; (100 + 0 + 82.5)/3
        ({"sec_share": 10}, "process", 1.0375, 60.8333),  # (2.5 + 0 + 1.65)/4; paradigms take no profile weights
    ],
)
def test_score(runner, tmp_path, changes, industry_type, overall, digital):
    answers = write_json(tmp_path / "answers.json", {**GOOD_ANSWERS, **changes})
    options = ["--industry-type", industry_type] if industry_type else []
    result = runner.invoke(args=["score", "mini", str(answers), *options])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.output)
    assert scored["overall"]["score"] == overall
    assert scored["profile"] == (industry_type or "discrete")
    assert scored["paradigms"]["digital"]["score"] == digital


def test_score_lists_every_bad_answer(runner, tmp_path):
    raw = {**GOOD_ANSWERS, "data_ladder": 6, "int_l1": "done", "nope": 1}
    del raw["int_l3"]
    result = runner.invoke(args=["score", "mini", str(write_json(tmp_path / "bad.json", raw))])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "data_ladder: level 6 is out of range 0-5",
        "int_l1: expected one of not_met, partly, largely, met, got 'done'",
        "nope: no such question in this questionnaire",
        "int_l3: no answer given",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"data_ladder": 2,\n  "sec_ladder": }', "not valid JSON: Expecting value (line 2, column 17)"),
        ("", "not valid JSON: Expecting value (line 1, column 1)"),
        ('["data_ladder", 2]', "expected a JSON object of question id -> answer, got an array"),
        ("42", "expected a JSON object of question id -> answer, got a number"),
        ("null", "expected a JSON object of question id -> answer, got null"),
    ],
)
def test_score_unreadable_answers_file(runner, tmp_path, text, message):
    path = tmp_path / "answers.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["score", "mini", str(path)])
    assert result.exit_code == 1
    assert f"{path}: {message}" in result.stderr


def test_score_answers_file_not_utf8(runner, tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes(b'{"data_ladder": "\xff"}')
    result = runner.invoke(args=["score", "mini", str(path)])
    assert result.exit_code == 1
    assert f"{path}: not UTF-8 text" in result.stderr


def test_score_missing_answers_file(runner, tmp_path):
    result = runner.invoke(args=["score", "mini", str(tmp_path / "absent.json")])
    assert result.exit_code == 2  # a usage error from click, naming the file
    assert "absent.json" in result.stderr

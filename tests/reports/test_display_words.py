"""Rules, statuses, kinds and sources read as words in both languages, never as the names the files and the
database use."""

from __future__ import annotations

from typing import get_args

import pytest
from flask_babel import force_locale

from assessment.margins import DEMO_MARGINS_SOURCE
from questionnaires.schema import Node
from reports.display import (
    KIND_WORDS,
    RULE_WORDS,
    describe_questionnaire,
    describe_rule,
    describe_source,
    describe_status,
)


def test_every_rule_and_kind_of_the_file_format_has_its_words():
    assert set(RULE_WORDS) == set(get_args(Node.model_fields["rule"].annotation))
    assert set(KIND_WORDS) == set(get_args(Node.model_fields["kind"].annotation))


@pytest.mark.parametrize(("language", "rule", "words"), [
    ("en", "weighted_mean", "weighted mean of its inputs"), ("zh", "weighted_mean", "各输入项的加权平均"),
    ("en", "min", "the lowest of its inputs"), ("zh", "min", "各输入项中的最低值"),
    ("zh", "progress", "在该范式所对应的量表区间内的进展（%）"),
])
def test_rules_in_words(app, language, rule, words):
    with app.test_request_context(), force_locale(language):
        assert describe_rule(rule) == words


@pytest.mark.parametrize(("language", "status", "words"), [
    ("en", "submitted", "Submitted"), ("zh", "submitted", "已提交"), ("zh", "draft", "尚未提交"),
    ("zh", "done", "已完成"), ("zh", "queued", "等待开始"), ("zh", "failed", "失败"),
    ("zh", "someday", "someday"),  # a status the table does not know is shown rather than hidden
])
def test_statuses_in_words(app, language, status, words):
    with app.test_request_context(), force_locale(language):
        assert describe_status(status) == words


def test_a_questionnaire_by_its_title_and_version(app, quick):
    with app.test_request_context(), force_locale("zh"):
        assert describe_questionnaire(quick, "zh") == f"{quick.definition.title.zh}（第 {quick.version} 版）"
    with app.test_request_context(), force_locale("en"):
        assert describe_questionnaire(quick, "en") == f"{quick.definition.title.en}, version {quick.version}"


def test_a_source_in_both_languages_shows_the_readers_side():
    assert describe_source("CESI, Index Report (2021) / 中国电子技术标准化研究院《指数报告（2021）》", "zh") == \
        "中国电子技术标准化研究院《指数报告（2021）》"
    assert describe_source("CESI, Index Report (2021) / 中国电子技术标准化研究院《指数报告（2021）》", "en") == \
        "CESI, Index Report (2021)"
    assert describe_source("Census 2024 / table 3", "zh") == "Census 2024 / table 3"  # a slash, not two languages
    assert describe_source("山东统计年鉴 / 2024", "en") == "山东统计年鉴 / 2024"
    assert describe_source("Census 2024", "zh") == "Census 2024"  # an administrator's source, as imported
    assert describe_source(DEMO_MARGINS_SOURCE, "zh").startswith("山东省合成示例边际分布")
    assert describe_source(DEMO_MARGINS_SOURCE, "en").startswith("Synthetic illustrative margins for Shandong")

"""Folded YAML texts read right in Chinese: no space between two Chinese characters or punctuation marks, in any
text we ship, while spaces beside Latin words stay as written."""

from __future__ import annotations

import re

import pytest
import yaml

from assessment.classifications import load_industries, load_regions
from assessment.regional.index import load_index_definitions
from factories import ROOT
from questionnaires.loader import join_cjk, join_folded_texts, load_questionnaire

CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff、。，：；（）《》] +[\u4e00-\u9fff、。，：；（）《》]")


@pytest.mark.parametrize(("folded", "joined"), [
    ("和 新一代", "和新一代"),  # two characters
    ("冶金、 建材", "冶金、建材"),  # punctuation, then a character
    ("贵企业 主要产品（含 外协）", "贵企业主要产品（含外协）"),  # a character and a full-width bracket
    ("5G 网络", "5G 网络"),  # a Latin word and a character: as the source has it
    ("ERP 系统 和 MES", "ERP 系统和 MES"),
    ("“智能工厂” 对应“装备”和 “产品”", "“智能工厂”对应“装备”和“产品”"),  # a curly quote beside a character
    ("the “smart factory” and “smart products”", "the “smart factory” and “smart products”"),
    ("“a” “b”", "“a” “b”"),  # two quotes: English as much as Chinese, left alone
    ("digital  twin", "digital  twin"),  # Latin words are left alone
    ("第一行\n第二行", "第一行\n第二行"),  # a kept line break (`|`) is not a folding space
])
def test_join_cjk(folded, joined):
    assert join_cjk(folded) == joined


def test_every_text_inside_a_loaded_value_is_joined_and_the_rest_kept():
    value = {"zh": "和 新一代", "levels": [{"zh": "冶金、 建材"}, 3, None], "weight": 0.5}
    assert join_folded_texts(value) == {"zh": "和新一代", "levels": [{"zh": "冶金、建材"}, 3, None], "weight": 0.5}


def texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts(item)
    elif hasattr(value, "model_dump"):
        yield from texts(value.model_dump())


@pytest.mark.parametrize("path", sorted((ROOT / "questionnaires").glob("*.yaml")), ids=lambda path: path.name)
def test_no_shipped_questionnaire_keeps_a_space_inside_chinese_text(path):
    loaded = list(texts(load_questionnaire(path).definition))
    assert [text for text in loaded if CJK_SPACE_CJK.search(text)] == []


def test_the_files_do_fold_chinese_lines_so_the_loader_does_the_joining():
    raw = [text for path in (ROOT / "questionnaires").glob("*.yaml")
           for text in texts(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert any(CJK_SPACE_CJK.search(text) for text in raw)


def test_no_shipped_reference_file_keeps_a_space_inside_chinese_text():
    regions, industries = load_regions(), load_industries()
    names = [r.name("zh") for r in regions.all()] if hasattr(regions, "all") else []
    names += [industry.name("zh") for industry in industries.values()]
    names += [text for definition in load_index_definitions().values() for text in texts(definition)]
    assert names and [text for text in names if CJK_SPACE_CJK.search(text)] == []

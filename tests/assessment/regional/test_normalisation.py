"""Each normalisation of a regional index worked by hand, several definitions in one file, and the bundled ones."""

import pytest
import yaml

from assessment.reference_csv import ReferenceFileError
from assessment.regional.index import composite_index, formula_text, load_index_definition, load_index_definitions
from assessment.regional.indicators import DEMO_INDICATORS_PATH, parse_indicator_csv

COUNTRY, SHANDONG, BEIJING, HEBEI = "100000", "370000", "110000", "130000"

INDICATORS = [
    {"id": "pop", "name": {"en": "Population", "zh": "人口"}, "unit": {"en": "persons", "zh": "人"},
     "denominator": {"scale": 1000, "label": {"en": "per 1,000 people", "zh": "每千人"}}},
    {"id": "a", "name": {"en": "Antennas", "zh": "天线"}, "unit": {"en": "antennas", "zh": "个"}, "per": "pop"},
    {"id": "c", "name": {"en": "Coverage", "zh": "覆盖率"}, "unit": {"en": "share", "zh": "比例"}, "additive": False},
]
SUB_INDICES = [
    {"id": "net", "name": {"en": "Network", "zh": "网络"}, "weight": 3,
     "indicators": [{"indicator": "a", "weight": 1}]},
    {"id": "use", "name": {"en": "Use", "zh": "应用"}, "weight": 1,
     "indicators": [{"indicator": "c", "weight": 1}]},
]  # index = 0.75 × net + 0.25 × use


def index(normalisation: str, index_id: str = "test") -> dict:
    return {"id": index_id, "name": {"en": "Test", "zh": "测试"}, "normalisation": normalisation,
            "weights_basis": {"en": "our judgement: the network comes first", "zh": "本平台判断：网络优先"},
            "indicators": INDICATORS, "sub_indices": SUB_INDICES}


# a per 1,000 people: country 50, Shandong 100, Beijing 40, Hebei 70; c: 0.40, 0.50, 0.30, 0.60
VALUES = {
    COUNTRY: {"pop": 10_000, "a": 500, "c": 0.40},
    SHANDONG: {"pop": 1_000, "a": 100, "c": 0.50},
    BEIJING: {"pop": 2_000, "a": 80, "c": 0.30},
    HEBEI: {"pop": 1_000, "a": 70, "c": 0.60},
}


def definition_of(tmp_path, *documents):
    path = tmp_path / "index.yaml"
    path.write_text(yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def computed(tmp_path, normalisation):
    definition = load_index_definition(definition_of(tmp_path, index(normalisation)))
    return definition, composite_index(definition, VALUES, COUNTRY)


def test_relative_to_the_reference(tmp_path):
    _definition, found = computed(tmp_path, "relative")
    # Shandong: R(a) = 100·100/50 = 200, R(c) = 100·0.5/0.4 = 125; index = 0.75·200 + 0.25·125 = 150 + 31.25 = 181.25
    # Beijing: R(a) = 100·40/50 = 80, R(c) = 75; index = 60 + 18.75 = 78.75
    assert found[COUNTRY].value == pytest.approx(100.0)
    assert found[SHANDONG].value == pytest.approx(181.25)
    assert found[BEIJING].value == pytest.approx(78.75)


def test_min_max_over_the_regions_compared(tmp_path):
    _definition, found = computed(tmp_path, "min_max")
    # a over the regions but the country: min 40 (Beijing), max 100 (Shandong); c: min 0.30, max 0.60 (Hebei)
    # Shandong: R(a) = 100, R(c) = 100·(0.5 − 0.3)/0.3 = 66.67; index = 75 + 16.67 = 91.67
    # Beijing: R(a) = 0, R(c) = 0; index 0
    # Hebei: R(a) = 100·(70 − 40)/60 = 50, R(c) = 100; index = 37.5 + 25 = 62.5
    # the country on the same lines: R(a) = 100·10/60 = 16.67, R(c) = 33.33; index = 12.5 + 8.33 = 20.83
    assert found[SHANDONG].value == pytest.approx(91.6667, abs=1e-3)
    assert found[BEIJING].value == pytest.approx(0.0)
    assert found[HEBEI].value == pytest.approx(62.5)
    assert found[COUNTRY].value == pytest.approx(20.8333, abs=1e-3)


def test_min_max_with_one_region_has_no_line(tmp_path):
    definition = load_index_definition(definition_of(tmp_path, index("min_max")))
    found = composite_index(definition, {COUNTRY: VALUES[COUNTRY], SHANDONG: VALUES[SHANDONG]}, COUNTRY)
    assert found[SHANDONG].value is None
    assert {i.missing for s in found[SHANDONG].sub_indices for i in s.indicators} == {"spread"}


def test_none_takes_the_figures_as_published(tmp_path):
    definition = load_index_definition(definition_of(tmp_path, {
        **index("none"), "indicators": [
            {"id": "base", "name": {"en": "Base", "zh": "基础环境"}, "unit": {"en": "points", "zh": "分"},
             "additive": False},
            {"id": "use", "name": {"en": "Use", "zh": "工业应用"}, "unit": {"en": "points", "zh": "分"},
             "additive": False}],
        "sub_indices": [
            {"id": "b", "name": {"en": "Base", "zh": "基础环境"}, "weight": 2,
             "indicators": [{"indicator": "base", "weight": 1}]},
            {"id": "u", "name": {"en": "Use", "zh": "工业应用"}, "weight": 3,
             "indicators": [{"indicator": "use", "weight": 1}]},
        ]}))
    # no reference needed: Shandong = (2·60 + 3·50) / 5 = (120 + 150) / 5 = 54; Beijing = (2·80 + 3·40) / 5 = 56
    found = composite_index(definition, {SHANDONG: {"base": 60, "use": 50}, BEIJING: {"base": 80, "use": 40}}, COUNTRY)
    assert found[SHANDONG].value == pytest.approx(54.0)
    assert found[BEIJING].value == pytest.approx(56.0)
    assert found[COUNTRY].value is None  # the country published nothing here: no figure, not 100


def test_several_definitions_in_one_file_the_first_is_the_default(tmp_path):
    path = definition_of(tmp_path, index("relative", "first"), index("min_max", "second"))
    assert list(load_index_definitions(path)) == ["first", "second"]
    assert load_index_definition(path).id == "first"
    assert load_index_definition(path, "second").normalisation == "min_max"
    with pytest.raises(ReferenceFileError, match="declared twice"):
        load_index_definitions(definition_of(tmp_path, index("relative", "same"), index("none", "same")))


@pytest.mark.parametrize(("normalisation", "says"), [
    ("relative", "scores 100 on every indicator"), ("min_max", "the lowest scores 0, the highest 100"),
    ("none", "already scores"),
])  # fmt: skip
def test_the_formula_says_its_normalisation_and_the_weights_basis(tmp_path, normalisation, says):
    definition, _found = computed(tmp_path, normalisation)
    text = formula_text(definition, "en")
    assert says in text and "Weights: our judgement: the network comes first" in text
    assert "权重依据：本平台判断：网络优先" in formula_text(definition, "zh")


def test_the_bundled_definitions_and_demo_figures():
    definitions = load_index_definitions()
    default = next(iter(definitions.values()))
    assert default.id == "enabling_conditions" and default.normalisation == "relative"
    assert default.weights_basis is not None
    assert {d.normalisation for d in definitions.values()} >= {"relative", "none"}
    rows = parse_indicator_csv(DEMO_INDICATORS_PATH.read_text(encoding="utf-8"), file_name="demo.csv")
    assert all(row.source for row in rows)
    # every figure is dated: a published one says the year it is of, a synthetic one says it is synthetic
    assert all("synthetic" in row.source or str(row.period) in row.source for row in rows)
    shandong = {(row.period, row.indicator): row for row in rows if row.region_code == SHANDONG}
    assert shandong[2020, "enterprise_technology_centres"].value == 198  # "as of 2020" in the paper
    assert "synthetic" in shandong[2025, "base_stations_5g"].source

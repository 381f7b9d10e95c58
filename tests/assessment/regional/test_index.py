"""The regional index: its definition file, the composite worked by hand, the formula text, and the index of
regions whose figures are stored in the database."""

import copy

import pytest
import yaml
from sqlmodel import select

from assessment.reference_csv import ReferenceFileError
from assessment.regional.index import composite_index, formula_text, load_index_definition
from assessment.regional.indicators import parse_indicator_csv
from storage import reference_data
from storage.tables import RegionalIndicator

COUNTRY, SHANDONG, BEIJING = "100000", "370000", "110000"

# The worked example: one denominator, three indicators, two sub-indices.
TEST_INDEX = {
    "name": {"en": "Test index", "zh": "测试指数"},
    "indicators": [
        {"id": "pop", "name": {"en": "Population", "zh": "人口"}, "unit": {"en": "persons", "zh": "人"},
         "denominator": {"scale": 1000, "label": {"en": "per 1,000 people", "zh": "每千人"}}},
        {"id": "a", "name": {"en": "Antennas", "zh": "天线"}, "unit": {"en": "antennas", "zh": "个"}, "per": "pop"},
        {"id": "b", "name": {"en": "Boards", "zh": "板卡"}, "unit": {"en": "boards", "zh": "块"}, "per": "pop"},
        {"id": "c", "name": {"en": "Coverage", "zh": "覆盖率"}, "unit": {"en": "share", "zh": "比例"},
         "additive": False},
    ],
    "sub_indices": [
        {"id": "net", "name": {"en": "Network", "zh": "网络"}, "weight": 60,
         "indicators": [{"indicator": "a", "weight": 3}, {"indicator": "b", "weight": 1}]},
        {"id": "use", "name": {"en": "Use", "zh": "应用"}, "weight": 40,
         "indicators": [{"indicator": "c", "weight": 1}]},
    ],
}
# Weights normalised: index = 0.6 × net + 0.4 × use; net = 0.75 × R(a) + 0.25 × R(b); use = R(c).
VALUES = {
    COUNTRY: {"pop": 10_000, "a": 500, "b": 200, "c": 0.40},  # a 50, b 20 per 1,000 people; c 0.40
    SHANDONG: {"pop": 1_000, "a": 100, "b": 10, "c": 0.50},  # a 100, b 10, c 0.50 → R 200, 50, 125
    BEIJING: {"pop": 2_000, "a": 80, "b": 40, "c": 0.30},  # a 40, b 20, c 0.30 → R 80, 100, 75
}
# Shandong: net = 0.75·200 + 0.25·50 = 162.5, use = 125, index = 0.6·162.5 + 0.4·125 = 97.5 + 50 = 147.5
# Beijing: net = 0.75·80 + 0.25·100 = 85, use = 75, index = 0.6·85 + 0.4·75 = 51 + 30 = 81


def write_yaml(path, content):
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def definition(tmp_path):
    return load_index_definition(write_yaml(tmp_path / "index.yaml", TEST_INDEX))


def changed(changes):
    """VALUES with (region, indicator) → value changes applied; None removes the value."""
    values = copy.deepcopy(VALUES)
    for (code, indicator), value in changes.items():
        if value is None:
            values[code].pop(indicator)
        else:
            values[code][indicator] = value
    return values


COMPOSITE_CASES = [
    # (changes, reference_parts, {region: (index, coverage)})
    ({}, (), {COUNTRY: (100, 1), SHANDONG: (147.5, 1), BEIJING: (81, 1)}),
    # Beijing lacks b: net = R(a) alone = 80; index = 0.6·80 + 0.4·75 = 78; coverage 0.6·0.75 + 0.4 = 0.85
    ({(BEIJING, "b"): None}, (), {BEIJING: (78, 0.85), SHANDONG: (147.5, 1)}),
    # Beijing lacks c: use is left out, index = net = 85; coverage 0.6
    ({(BEIJING, "c"): None}, (), {BEIJING: (85, 0.6)}),
    # Beijing lacks its population: a and b cannot be divided, net is left out, index = use = 75; coverage 0.4
    ({(BEIJING, "pop"): None}, (), {BEIJING: (75, 0.4)}),
    # a zero denominator counts as none
    ({(BEIJING, "pop"): 0}, (), {BEIJING: (75, 0.4)}),
    # Beijing has nothing: no index
    ({(BEIJING, k): None for k in ("pop", "a", "b", "c")}, (), {BEIJING: (None, 0), SHANDONG: (147.5, 1)}),
    # Beijing has a = 0: R(a) = 0, net = 0.25·100 = 25, index = 0.6·25 + 0.4·75 = 45
    ({(BEIJING, "a"): 0}, (), {BEIJING: (45, 1)}),
    # the country lacks a and there are no parts: a is left out for everyone;
    # Shandong net = R(b) = 50, index = 0.6·50 + 0.4·125 = 80; the country 100 from b and c
    ({(COUNTRY, "a"): None}, (), {COUNTRY: (100, 0.55), SHANDONG: (80, 0.55), BEIJING: (0.6 * 100 + 0.4 * 75, 0.55)}),
    # the country lacks a: its parts' sums stand in, a = (100 + 80) / (1,000 + 2,000) × 1,000 = 60 per 1,000;
    # Shandong R(a) = 100/60·100 = 166.67, net = 125 + 12.5 = 137.5, index = 82.5 + 50 = 132.5;
    # Beijing R(a) = 40/60·100 = 66.67, net = 50 + 25 = 75, index = 45 + 30 = 75
    ({(COUNTRY, "a"): None}, (SHANDONG, BEIJING), {COUNTRY: (100, 1), SHANDONG: (132.5, 1), BEIJING: (75, 1)}),
    # a part without a: no sum, a is left out as above
    ({(COUNTRY, "a"): None, (BEIJING, "a"): None}, (SHANDONG, BEIJING), {SHANDONG: (80, 0.55)}),
    # the country lacks its population: a and b are summed over the parts with their populations;
    # a = 180/3,000·1,000 = 60 (as above); b = 50/3,000·1,000 = 16.67: Shandong R(b) = 10/16.67·100 = 60,
    # net = 125 + 15 = 140, index = 84 + 50 = 134
    ({(COUNTRY, "pop"): None}, (SHANDONG, BEIJING), {COUNTRY: (100, 1), SHANDONG: (134, 1)}),
    # c is a ratio: never summed, so use is left out; Shandong index = net = 162.5
    ({(COUNTRY, "c"): None}, (SHANDONG, BEIJING), {COUNTRY: (100, 0.6), SHANDONG: (162.5, 0.6)}),
    # the country's a is 0: nothing to compare with, a is left out (as when it lacks a)
    ({(COUNTRY, "a"): 0}, (), {SHANDONG: (80, 0.55)}),
]


@pytest.mark.parametrize(("changes", "parts", "expected"), COMPOSITE_CASES)
def test_composite_index_by_hand(definition, changes, parts, expected):
    results = composite_index(definition, changed(changes), COUNTRY, reference_parts=parts)
    assert list(results)[0] == COUNTRY and results[COUNTRY].is_reference
    for code, (index, coverage) in expected.items():
        assert results[code].value == pytest.approx(index), code
        assert results[code].coverage == pytest.approx(coverage), code


def test_result_shows_every_step(definition):
    shandong = composite_index(definition, VALUES, COUNTRY)[SHANDONG]
    net, use = shandong.sub_indices
    assert (net.sub_index, net.weight, net.value, use.weight, use.value) == pytest.approx(
        ("net", 0.6, 162.5, 0.4, 125))
    a, b = net.indicators
    assert (a.indicator, a.weight, a.value, a.denominator, a.intensity, a.reference_intensity, a.relative) == (
        pytest.approx(("a", 0.75, 100, 1000, 100, 50, 200)))
    assert (b.weight, b.intensity, b.reference_intensity, b.relative) == pytest.approx((0.25, 10, 20, 50))
    assert (use.indicators[0].denominator, use.indicators[0].relative) == (None, pytest.approx(125))
    assert shandong.missing == ()


@pytest.mark.parametrize(
    ("changes", "parts", "missing"),
    [
        ({(BEIJING, "b"): None}, (), {"b": "value"}),
        ({(BEIJING, "pop"): None}, (), {"a": "denominator", "b": "denominator"}),
        ({(COUNTRY, "c"): None}, (SHANDONG, BEIJING), {"c": "reference"}),
        ({(COUNTRY, "a"): None, (BEIJING, "a"): None}, (SHANDONG, BEIJING), {"a": "reference"}),
    ],
)
def test_missing_indicators_are_named_with_the_reason(definition, changes, parts, missing):
    beijing = composite_index(definition, changed(changes), COUNTRY, reference_parts=parts)[BEIJING]
    assert beijing.missing == tuple(missing)
    reasons = {i.indicator: i.missing for s in beijing.sub_indices for i in s.indicators if i.missing}
    assert reasons == missing


def test_summed_reference_is_flagged(definition):
    results = composite_index(definition, changed({(COUNTRY, "a"): None}), COUNTRY, reference_parts=(SHANDONG, BEIJING))
    a = results[COUNTRY].sub_indices[0].indicators[0]
    assert (a.value, a.denominator, a.relative, a.reference_summed) == (180, 3000, 100, True)
    assert results[SHANDONG].sub_indices[0].indicators[0].reference_summed
    assert not results[SHANDONG].sub_indices[0].indicators[1].reference_summed


def test_formula_text(definition):
    english = formula_text(definition, "en", reference_name="China").splitlines()
    assert english[:3] == [
        "Test index = 0.60 × Network + 0.40 × Use",
        "Network = 0.75 × R(Antennas per 1,000 people) + 0.25 × R(Boards per 1,000 people)",
        "Use = 1.00 × R(Coverage)",
    ]
    assert english[3].startswith("R(x) = 100 × (x in the region) / (x in China), so China scores 100")
    assert "left out" in english[4] and "sum over its provinces" in english[5]
    chinese = formula_text(definition, "zh").splitlines()
    assert chinese[:3] == ["测试指数 = 0.60 × 网络 + 0.40 × 应用", "网络 = 0.75 × R(每千人天线) + 0.25 × R(每千人板卡)",
                           "应用 = 1.00 × R(覆盖率)"]
    assert chinese[3].startswith("R(x) = 100 × 本地区的 x ÷ 全国的 x")


def test_formula_text_of_uneven_weights(tmp_path):
    content = copy.deepcopy(TEST_INDEX)
    content["sub_indices"][0]["indicators"][1]["weight"] = 0.5  # a 3, b 0.5: 0.857 and 0.143
    text = formula_text(load_index_definition(write_yaml(tmp_path / "index.yaml", content)), "en")
    assert "Network = 0.857 × R(Antennas per 1,000 people) + 0.143 × R(Boards per 1,000 people)" in text


def malformed(change):
    content = copy.deepcopy(TEST_INDEX)
    change(content)
    return content


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda c: c["indicators"][1].update(colour="red"), "indicators.1.colour", "Extra inputs are not permitted"),
        (lambda c: c["sub_indices"][0].update(weight=0), "sub_indices.0.weight", "greater than 0"),
        (lambda c: c["sub_indices"][0]["indicators"][1].update(weight=-1), "sub_indices.0.indicators.1.weight",
         "greater than 0"),
        (lambda c: c["sub_indices"][1].update(indicators=[]), "sub_indices.1.indicators", "at least 1 item"),
        (lambda c: c["indicators"][2].pop("name"), "indicators.2.name", "Field required"),
        (lambda c: c["sub_indices"][1]["indicators"][0].update(indicator="d"), "sub_indices.1.indicators.0.indicator",
         "unknown indicator 'd'"),
        (lambda c: c["sub_indices"][1]["indicators"].append({"indicator": "a", "weight": 1}),
         "sub_indices.1.indicators.1.indicator", "'a' is already used at sub_indices.0.indicators.0.indicator"),
        (lambda c: c["indicators"][1].update(per="people"), "indicators.1.per", "'people' is not another declared"),
        (lambda c: c["indicators"][1].update(per="a"), "indicators.1.per", "'a' is not another declared"),
        (lambda c: c["indicators"][1].update(per="b"), "indicators.1.per", "'b' declares no `denominator`"),
        (lambda c: c["indicators"][2].update(id="a"), "indicators.2.id", "duplicate indicator 'a'"),
        (lambda c: c["sub_indices"][1].update(id="net"), "sub_indices.1.id", "duplicate sub-index 'net'"),
        (lambda c: c["indicators"][2].pop("per"), "sub_indices.0.indicators.1.indicator", "'b' is a count"),
        (lambda c: c["indicators"][0]["denominator"].update(scale="many"), "indicators.0.denominator.scale",
         "valid number"),
    ],
)
def test_malformed_definition_names_path_and_key(tmp_path, change, key, message):
    path = write_yaml(tmp_path / "index.yaml", malformed(change))
    with pytest.raises(ReferenceFileError) as raised:
        load_index_definition(path)
    assert raised.value.path == path
    assert f"{path}: {key}: " in str(raised.value) and message in str(raised.value)


def test_definition_that_is_not_yaml(tmp_path):
    path = tmp_path / "index.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ReferenceFileError, match="cannot be read as YAML"):
        load_index_definition(path)


SEED_003_INDICATORS = {
    "base_stations_5g", "gigabit_cities", "identification_nodes", "identification_resolutions", "data_centre_racks",
    "iot_terminals", "platforms_national", "platforms_provincial", "pilot_projects", "smes_served",
    "enterprise_technology_centres", "manufacturing_innovation_centres", "technology_smes", "incubators",
}  # fmt: skip


def test_bundled_definition_covers_seed_003():
    bundled = load_index_definition()
    weighted = {i for s in bundled.sub_indices for i, _ in s.indicators}
    assert weighted == SEED_003_INDICATORS
    assert {"population", "manufacturing_enterprises"} <= set(bundled.indicators)
    assert [(s.id, round(s.weight, 2)) for s in bundled.sub_indices] == [
        ("infrastructure", 0.4), ("platforms", 0.35), ("innovation", 0.25)]
    assert bundled.indicators["base_stations_5g"].label("en") == "5G base stations per 10,000 residents"
    assert bundled.indicators["base_stations_5g"].label("zh") == "每万人5G基站"


# --- the index of figures stored in the database -------------------------------------------------------------

HEADER = "region_code,period,indicator,value,source\n"


def indicator_rows(values, definition, period=2025, source="test"):
    lines = [f"{code},{period},{indicator},{value},{source}" for code, figures in values.items()
             for indicator, value in figures.items()]
    return parse_indicator_csv(HEADER + "\n".join(lines), file_name="test.csv", definition=definition)


def test_import_indicators_upserts(session, definition):
    assert reference_data.import_indicators(session=session, rows=indicator_rows(VALUES, definition)) == 12
    changed_rows = indicator_rows({SHANDONG: {"a": 120}}, definition, source="revised")
    assert reference_data.import_indicators(session=session, rows=changed_rows) == 1
    stored = session.exec(select(RegionalIndicator)).all()
    assert len(stored) == 12
    a = session.get(RegionalIndicator, (SHANDONG, 2025, "a"))
    assert (a.value, a.source) == (120, "revised")
    assert reference_data.indicator_periods(session=session) == [2025]


def test_regional_index_table(session, definition):
    reference_data.import_indicators(session=session, rows=indicator_rows(VALUES, definition))
    reference_data.import_indicators(session=session, rows=indicator_rows({SHANDONG: {"a": 1}}, definition, 2026))
    table = reference_data.regional_index_table(session=session, region_codes=[BEIJING, SHANDONG, "320000"],
                                                period=2025, definition=definition)
    assert [(r.region_code, r.value) for r in table] == [
        (COUNTRY, pytest.approx(100)), (BEIJING, pytest.approx(81)), (SHANDONG, pytest.approx(147.5)),
        ("320000", None)]  # Jiangsu has no figures
    assert reference_data.indicator_periods(session=session) == [2025, 2026]


"""Regions, industries and size classes: the bundled data, the file checks and the threshold rules."""

import re

import pytest

from assessment.classifications import (
    INDUSTRY_TYPE_LABELS,
    SIZE_LABELS,
    ClassificationFileError,
    load_industries,
    load_regions,
    size_class,
    size_class_cn2011,
    size_class_eu,
)

# China 2011, industry: a class needs both floors — large 1000 people and 400 M yuan, medium 300 and 20 M,
# small 20 and 3 M.
CN2011_CASES = [
    (1000, 400, "large"),
    (5000, 10_000, "large"),
    (999, 500, "medium"),
    (1000, 399.9, "medium"),
    (300, 20, "medium"),
    (299, 20, "small"),
    (300, 19.99, "small"),
    (5000, 10, "small"),  # many people but little revenue: short of the medium revenue floor
    (20, 3, "small"),
    (19, 100, "micro"),
    (20, 2.99, "micro"),
    (0, 0, "micro"),
]

# EU 2003/361/EC: micro < 10 people and ≤ 2 M EUR, small < 50 and ≤ 10 M, medium < 250 and ≤ 50 M.
EU_CASES = [
    (0, 0, "micro"),
    (9, 2, "micro"),
    (10, 2, "small"),
    (9, 2.01, "small"),
    (49, 10, "small"),
    (50, 10, "medium"),
    (49, 10.01, "medium"),
    (249, 50, "medium"),
    (250, 50, "large"),
    (249, 50.01, "large"),
    (5, 60, "large"),  # a tiny headcount does not keep a high turnover out of "large"
]


@pytest.mark.parametrize(("employees", "revenue", "expected"), CN2011_CASES)
def test_size_class_cn2011(employees, revenue, expected):
    assert size_class_cn2011(employees, revenue) == expected
    assert size_class(employees, revenue) == expected
    assert size_class(employees, revenue, "cn2011") == expected


@pytest.mark.parametrize(("employees", "turnover", "expected"), EU_CASES)
def test_size_class_eu(employees, turnover, expected):
    assert size_class_eu(employees, turnover) == expected
    assert size_class(employees, turnover, "eu") == expected


def test_profiles_differ_on_the_same_enterprise():
    # 40 people and 15 M: small in China (short of 300 people), medium in the EU (over 10 M turnover).
    assert size_class(40, 15, "cn2011") == "small"
    assert size_class(40, 15, "eu") == "medium"


@pytest.mark.parametrize(("employees", "revenue"), [(-1, 10), (10, -0.5)])
def test_size_class_rejects_negative_figures(employees, revenue):
    with pytest.raises(ValueError, match="negative"):
        size_class(employees, revenue)


def test_size_class_rejects_unknown_profile():
    with pytest.raises(ValueError, match="unknown size profile"):
        size_class(10, 1, "us")


def test_labels_cover_every_class_in_both_languages():
    assert set(SIZE_LABELS) == {"micro", "small", "medium", "large"}
    assert SIZE_LABELS["medium"] == {"en": "Medium", "zh": "中型"}
    assert INDUSTRY_TYPE_LABELS["discrete"]["zh"] == "离散型"
    assert INDUSTRY_TYPE_LABELS["process"]["zh"] == "流程型"


# Regions


@pytest.mark.parametrize(
    ("code", "expected_path"),
    [
        ("370200", ["100000", "370000", "370200"]),
        ("440300", ["100000", "440000", "440300"]),
        ("110000", ["100000", "110000"]),
        ("100000", ["100000"]),
    ],
)
def test_region_path(code, expected_path):
    assert [region.code for region in load_regions().path(code)] == expected_path


def test_region_lookup_names_levels_and_ancestors():
    regions = load_regions()
    qingdao = regions.get("370200")
    assert (qingdao.name("en"), qingdao.name("zh"), qingdao.level, qingdao.parent_code) == (
        "Qingdao",
        "青岛市",
        "city",
        "370000",
    )
    assert regions.get("320500").name("zh") == "苏州市"
    assert [region.code for region in regions.ancestors("320500")] == ["100000", "320000"]
    assert regions.country.name("zh") == "中国"
    assert "999999" not in regions
    with pytest.raises(KeyError, match="999999"):
        regions.get("999999")


def test_provinces_are_the_31_of_mainland_china():
    provinces = load_regions().provinces()
    assert len(provinces) == 31
    assert {"110000", "120000", "310000", "500000", "320000", "370000", "440000", "650000"} <= {
        province.code for province in provinces
    }
    assert all(province.level == "province" and province.code.endswith("0000") for province in provinces)


@pytest.mark.parametrize(
    ("province", "city_count"),
    # Prefecture-level divisions plus units the province administers directly (Jiyuan; Hubei's four).
    [
        ("370000", 16),
        ("320000", 13),
        ("330000", 11),
        ("440000", 21),
        ("410000", 18),
        ("420000", 17),
        ("510000", 21),
        ("350000", 9),
    ],
)
def test_fully_listed_provinces_have_every_city(province, city_count):
    assert len(load_regions().children(province)) == city_count


def test_children_and_municipalities():
    regions = load_regions()
    assert "370100" in [city.code for city in regions.children("370000")]
    assert "371200" not in regions  # Laiwu, merged into Jinan in 2019
    assert regions.children("110000") == []  # a municipality stands for its own city level
    assert regions.children("370100") == []


def test_every_city_code_starts_with_its_province_digits():
    regions = load_regions()
    for province in regions.provinces():
        for city in regions.children(province.code):
            assert city.level == "city"
            assert city.code[:2] == province.code[:2], city.code
            assert not city.code.endswith("0000"), city.code


def test_choices_label_cities_with_their_province():
    choices = dict(load_regions().choices("en"))
    assert choices["370000"] == "Shandong"
    assert choices["370100"] == "Shandong / Jinan"
    assert "100000" not in choices
    assert dict(load_regions().choices("zh"))["440300"] == "广东省 / 深圳市"


def test_bundled_regions_are_read_once():
    assert load_regions() is load_regions()


# Industries


def test_every_manufacturing_division_once_with_a_type():
    industries = load_industries()
    assert sorted(industries) == [str(code) for code in range(13, 44)]
    assert all(industry.type in ("discrete", "process") for industry in industries.values())
    assert all(
        industry.isic and all(re.fullmatch(r"\d\d", d) for d in industry.isic) for industry in industries.values()
    )


@pytest.mark.parametrize(
    ("code", "name_zh", "isic", "industry_type"),
    [
        ("13", "农副食品加工业", ("10",), "process"),
        ("26", "化学原料和化学制品制造业", ("20",), "process"),
        ("31", "黑色金属冶炼和压延加工业", ("24",), "process"),
        ("34", "通用设备制造业", ("28",), "discrete"),
        ("36", "汽车制造业", ("29",), "discrete"),
        ("39", "计算机、通信和其他电子设备制造业", ("26",), "discrete"),
        ("43", "金属制品、机械和设备修理业", ("33",), "discrete"),
    ],
)
def test_industry_entries(code, name_zh, isic, industry_type):
    industry = load_industries()[code]
    assert (industry.name("zh"), industry.isic, industry.type) == (name_zh, isic, industry_type)


def test_load_industries_returns_a_copy_of_the_bundled_data():
    load_industries().pop("13")
    assert "13" in load_industries()


# Malformed files

VALID_REGIONS = """\
country:
  code: "100000"
  name: {en: China, zh: 中国}
  provinces:
    - code: "370000"
      name: {en: Shandong, zh: 山东省}
      cities:
        - {code: "370100", name: {en: Jinan, zh: 济南市}}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_in_tmp_path_loads(tmp_path):
    regions = load_regions(write(tmp_path, "regions.yaml", VALID_REGIONS))
    assert [region.code for region in regions.path("370100")] == ["100000", "370000", "370100"]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('"370000"', '"37000"', "country.provinces.0.code", "String should match pattern"),
        ('"370100"', "370100", "country.provinces.0.cities.0.code", "Input should be a valid string"),
        ('"370100"', '"320100"', "country.provinces.0.cities.0.code", "must start with its province's 37"),
        ('"370100"', '"370000"', "country.provinces.0.cities.0.code", "duplicate code 370000"),
        (
            "zh: 济南市",
            "zh: 济南市, fr: Jinan",
            "country.provinces.0.cities.0.name.fr",
            "Extra inputs are not permitted",
        ),
        ("en: Shandong, ", "", "country.provinces.0.name.en", "Field required"),
    ],
)
def test_malformed_regions_file_names_path_and_key(tmp_path, old, new, key, message):
    assert old in VALID_REGIONS
    path = write(tmp_path, "regions.yaml", VALID_REGIONS.replace(old, new, 1))
    with pytest.raises(ClassificationFileError) as caught:
        load_regions(path)
    assert f"{path}: {key}: " in str(caught.value)
    assert message in str(caught.value)


def test_unparseable_yaml_names_the_file(tmp_path):
    path = write(tmp_path, "regions.yaml", "country: [unclosed\n")
    with pytest.raises(ClassificationFileError, match=re.escape(f"{path}: not valid YAML")):
        load_regions(path)


def test_duplicated_industry_code_fails(tmp_path):
    entry = '  - {code: "%s", name: {en: Textiles, zh: 纺织业}, isic: ["13"], type: process}\n'
    path = write(tmp_path, "industries.yaml", "industries:\n" + entry % "17" + entry % "17")
    with pytest.raises(ClassificationFileError, match=re.escape(f"{path}: industries.1.code: duplicate code 17")):
        load_industries(path)


@pytest.mark.parametrize(
    ("field", "key", "message"),
    [
        ('code: "12"', "industries.0.code", "13 to 43"),
        ('code: "44"', "industries.0.code", "13 to 43"),
        ("type: mixed", "industries.0.type", "Input should be 'discrete' or 'process'"),
        ("isic: []", "industries.0.isic", "at least 1 item"),
    ],
)
def test_malformed_industries_file_names_path_and_key(tmp_path, field, key, message):
    fields = {"code": 'code: "17"', "type": "type: process", "isic": 'isic: ["13"]'}
    fields[field.split(":")[0]] = field
    entry = "  - {" + ", ".join([fields["code"], "name: {en: Textiles, zh: 纺织业}", fields["isic"], fields["type"]])
    path = write(tmp_path, "industries.yaml", "industries:\n" + entry + "}\n")
    with pytest.raises(ClassificationFileError) as caught:
        load_industries(path)
    assert f"{path}: {key}: " in str(caught.value)
    assert message in str(caught.value)

"""Reference classifications of an enterprise profile: region (GB/T 2260), industry (GB/T 4754) and size class.

Regions and industries come from `assessment/data/*.yaml`, checked by the pydantic models below as they are read;
size classes are computed from the published thresholds, each defined once here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from questionnaires.loader import join_folded_texts
from questionnaires.vocabulary import IndustryType, SizeClass

DATA_DIR = Path(__file__).parent / "data"
REGIONS_PATH = DATA_DIR / "regions.yaml"
INDUSTRIES_PATH = DATA_DIR / "industries.yaml"

RegionLevel = Literal["country", "province", "city"]
SizeProfile = Literal["cn2011", "eu"]

SIZE_LABELS: dict[SizeClass, dict[str, str]] = {
    "micro": {"en": "Micro", "zh": "微型"},
    "small": {"en": "Small", "zh": "小型"},
    "medium": {"en": "Medium", "zh": "中型"},
    "large": {"en": "Large", "zh": "大型"},
}
INDUSTRY_TYPE_LABELS: dict[IndustryType, dict[str, str]] = {
    "discrete": {"en": "Discrete", "zh": "离散型"},
    "process": {"en": "Process", "zh": "流程型"},
}
SIZE_PROFILE_CURRENCY: dict[SizeProfile, str] = {"cn2011": "CNY", "eu": "EUR"}


def _in_language(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Region:
    """An administrative division: the country, a province-level division or a prefecture-level city."""

    code: str
    name_en: str
    name_zh: str
    level: RegionLevel
    parent_code: str | None

    def name(self, lang: str) -> str:
        """The name in `lang` ("zh" for Chinese, English otherwise)."""
        return _in_language(lang, self.name_en, self.name_zh)


@dataclass(frozen=True)
class Industry:
    """A manufacturing division of GB/T 4754-2017 with its ISIC Rev.4 division(s) and production type."""

    code: str
    name_en: str
    name_zh: str
    isic: tuple[str, ...]
    type: IndustryType

    def name(self, lang: str) -> str:
        """The name in `lang` ("zh" for Chinese, English otherwise)."""
        return _in_language(lang, self.name_en, self.name_zh)


class RegionTree:
    """The region hierarchy, looked up by code; regions keep the order of the data file."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._by_code = {region.code: region for region in regions}
        self._children: dict[str, list[Region]] = {}
        for region in self._by_code.values():
            if region.parent_code is not None:
                self._children.setdefault(region.parent_code, []).append(region)
        self.country = next(region for region in self._by_code.values() if region.level == "country")

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Region:
        """The region with `code`; raises KeyError for an unknown code."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown region code {code!r}") from None

    def children(self, code: str) -> list[Region]:
        """The regions directly below `code`, empty for a city or a municipality."""
        self.get(code)
        return list(self._children.get(code, ()))

    def provinces(self) -> list[Region]:
        """Every province-level division of the country."""
        return self.children(self.country.code)

    def ancestors(self, code: str) -> list[Region]:
        """The regions above `code`, the country first."""
        return self.path(code)[:-1]

    def path(self, code: str) -> list[Region]:
        """The regions from the country down to `code` itself."""
        region = self.get(code)
        path = [region]
        while region.parent_code is not None:
            region = self.get(region.parent_code)
            path.append(region)
        return path[::-1]

    def choices(self, lang: str) -> list[tuple[str, str]]:
        """(code, label) pairs for a select: each province, then its cities labelled "Province / City"."""
        choices = []
        for province in self.provinces():
            choices.append((province.code, province.name(lang)))
            choices.extend(
                (city.code, f"{province.name(lang)} / {city.name(lang)}") for city in self.children(province.code)
            )
        return choices


# The data files' format. Semantic rules that span entries (prefixes, uniqueness) are checked after parsing, so
# that every error can name the exact key it is about.


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamesEntry(_Strict):
    """A name in every supported language."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


RegionCode = Annotated[str, Field(pattern=r"^\d{6}$")]


def _manufacturing_division(code: str) -> str:
    if not 13 <= int(code) <= 43:
        raise ValueError("must be a GB/T 4754 manufacturing division, 13 to 43")
    return code


class CityEntry(_Strict):
    """A prefecture-level city (or a unit the province administers like one) in regions.yaml."""

    code: RegionCode
    name: NamesEntry


class ProvinceEntry(_Strict):
    """A province-level division in regions.yaml; a municipality lists no cities."""

    code: RegionCode
    name: NamesEntry
    cities: list[CityEntry] = []


class CountryEntry(_Strict):
    """The country at the root of regions.yaml."""

    code: RegionCode
    name: NamesEntry
    provinces: list[ProvinceEntry] = Field(min_length=1)


class RegionsFile(_Strict):
    """The whole of regions.yaml."""

    country: CountryEntry


class IndustryEntry(_Strict):
    """A manufacturing division in industries.yaml."""

    code: Annotated[str, Field(pattern=r"^\d{2}$"), AfterValidator(_manufacturing_division)]
    name: NamesEntry
    isic: list[Annotated[str, Field(pattern=r"^\d{2}$")]] = Field(min_length=1)
    type: IndustryType


class IndustriesFile(_Strict):
    """The whole of industries.yaml."""

    industries: list[IndustryEntry] = Field(min_length=1)


class ClassificationFileError(ValueError):
    """A data file that cannot be used; the message names the file and, per problem, the key path."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = (f"{path}: {key}: {message}" if key else f"{path}: {message}" for key, message in problems)
        super().__init__("\n".join(lines))


File = TypeVar("File", RegionsFile, IndustriesFile)


def _read(path: Path, model: type[File]) -> File:
    try:
        raw = join_folded_texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        raise ClassificationFileError(path, [("", f"not valid YAML: {error}")]) from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = [(".".join(str(part) for part in e["loc"]) or "(top level)", e["msg"]) for e in error.errors()]
        raise ClassificationFileError(path, problems) from None


def _duplicates(keyed_codes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    first_key: dict[str, str] = {}
    problems = []
    for key, code in keyed_codes:
        if code in first_key:
            problems.append((key, f"duplicate code {code}, already used at {first_key[code]}"))
        else:
            first_key[code] = key
    return problems


def _region_problems(country: CountryEntry) -> list[tuple[str, str]]:
    keyed_codes = [("country.code", country.code)]
    problems = []
    for i, province in enumerate(country.provinces):
        province_key = f"country.provinces.{i}.code"
        keyed_codes.append((province_key, province.code))
        if not province.code.endswith("0000"):
            problems.append((province_key, f"a province code ends in 0000, {province.code} does not"))
        prefix = province.code[:2]
        for j, city in enumerate(province.cities):
            city_key = f"country.provinces.{i}.cities.{j}.code"
            keyed_codes.append((city_key, city.code))
            if not city.code.startswith(prefix) or city.code.endswith("0000"):
                message = f"city code {city.code} must start with its province's {prefix} and not end in 0000"
                problems.append((city_key, message))
    return problems + _duplicates(keyed_codes)


def load_regions(path: Path | str | None = None) -> RegionTree:
    """The region hierarchy in `path`, or the bundled one (read once) when no path is given."""
    if path is None:
        return _bundled_regions()
    path = Path(path)
    country = _read(path, RegionsFile).country
    if problems := _region_problems(country):
        raise ClassificationFileError(path, problems)
    regions = [Region(country.code, country.name.en, country.name.zh, "country", None)]
    for province in country.provinces:
        regions.append(Region(province.code, province.name.en, province.name.zh, "province", country.code))
        regions.extend(Region(city.code, city.name.en, city.name.zh, "city", province.code) for city in province.cities)
    return RegionTree(regions)


def load_industries(path: Path | str | None = None) -> dict[str, Industry]:
    """Industries by GB/T 4754 code from `path`, or the bundled ones (read once) when no path is given."""
    if path is None:
        return dict(_bundled_industries())
    path = Path(path)
    entries = _read(path, IndustriesFile).industries
    if problems := _duplicates([(f"industries.{i}.code", entry.code) for i, entry in enumerate(entries)]):
        raise ClassificationFileError(path, problems)
    return {e.code: Industry(e.code, e.name.en, e.name.zh, tuple(e.isic), e.type) for e in entries}


@functools.cache
def _bundled_regions() -> RegionTree:
    return load_regions(REGIONS_PATH)


@functools.cache
def _bundled_industries() -> dict[str, Industry]:
    return load_industries(INDUSTRIES_PATH)


# China: 《中小企业划型标准规定》, MIIT, NBS, NDRC and MOF, 工信部联企业〔2011〕300号, row "工业" (industry);
# the statistical rule 《统计上大中小微型企业划分办法（2017）》 keeps the same figures. A class needs BOTH floors
# (从业人员 employees, 营业收入 revenue in million yuan); an enterprise short of either falls to the next class.
CN2011_FLOORS: tuple[tuple[SizeClass, int, float], ...] = (
    ("large", 1000, 400.0),  # the SME ceiling: 从业人员1000人以下或营业收入40000万元以下的为中小微型企业
    ("medium", 300, 20.0),  # 从业人员300人及以上，且营业收入2000万元及以上的为中型企业
    ("small", 20, 3.0),  # 从业人员20人及以上，且营业收入300万元及以上的为小型企业
)

# EU: Commission Recommendation 2003/361/EC, Annex, Article 2. A class holds enterprises BELOW its staff ceiling
# AND AT OR BELOW its turnover ceiling (million EUR); exceeding either moves the enterprise up. The Recommendation
# also lets a balance-sheet total stand in for turnover; the profile does not ask for it, so it is not used.
EU2003_CEILINGS: tuple[tuple[SizeClass, int, float], ...] = (
    ("micro", 10, 2.0),  # Art. 2(3): fewer than 10 persons, turnover not exceeding EUR 2 million
    ("small", 50, 10.0),  # Art. 2(2): fewer than 50 persons, turnover not exceeding EUR 10 million
    ("medium", 250, 50.0),  # Art. 2(1): fewer than 250 persons, turnover not exceeding EUR 50 million
)


def _check_non_negative(employees: int, revenue: float) -> None:
    if employees < 0 or revenue < 0:
        raise ValueError(f"employees and revenue cannot be negative, got {employees} and {revenue}")


def size_class_cn2011(employees: int, revenue_million_yuan: float) -> SizeClass:
    """The size class of an industrial enterprise under China's 2011 rule (CN2011_FLOORS)."""
    _check_non_negative(employees, revenue_million_yuan)
    for size, min_employees, min_revenue in CN2011_FLOORS:
        if employees >= min_employees and revenue_million_yuan >= min_revenue:
            return size
    return "micro"


def size_class_eu(employees: int, turnover_million_eur: float) -> SizeClass:
    """The size class under the EU's 2003 definition by headcount and turnover (EU2003_CEILINGS)."""
    _check_non_negative(employees, turnover_million_eur)
    for size, max_employees, max_turnover in EU2003_CEILINGS:
        if employees < max_employees and turnover_million_eur <= max_turnover:
            return size
    return "large"


def size_class(employees: int, revenue_million: float, profile: SizeProfile = "cn2011") -> SizeClass:
    """The size class under `profile`, with revenue in that profile's currency (SIZE_PROFILE_CURRENCY)."""
    if profile == "cn2011":
        return size_class_cn2011(employees, revenue_million)
    if profile == "eu":
        return size_class_eu(employees, revenue_million)
    raise ValueError(f"unknown size profile {profile!r}")

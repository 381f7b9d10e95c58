"""Regional indices: their declared definitions, the composite and its formula.

The definitions are the YAML documents of `assessment/data/regional_index.yaml`, the first the default; regions'
indicator values come from CSV files read by `assessment/regional/indicators.py`. No Flask and no database here.

The composite, for region r and reference c (the country), with every weight normalised to sum to 1:
    intensity(i, r) = value(i, r) / value(per(i), r) × scale        (just value(i, r) when i declares no `per`)
    relative(i, r)  = by the definition's `normalisation`:
        relative  100 × intensity(i, r) / intensity(i, c)                      (the reference scores 100)
        min_max   100 × (intensity(i, r) − min) / (max − min), min and max over the regions compared other than
                  the reference (the reference is placed on the same line, not clamped)
        none      intensity(i, r) itself: the indicators are already scores, e.g. published sub-indices
    sub-index(s, r) = Σ w_i · relative(i, r) / Σ w_i   over the indicators of s that r has
    index(r)        = Σ W_s · sub-index(s, r) / Σ W_s  over the sub-indices r has at least one indicator of
A missing indicator is left out and the others' weights rescaled (`coverage` says how much weight was measured).
When the reference lacks a count, it is the sum over `reference_parts` (numerators and denominators summed
separately), provided every part has both.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessment.classifications import DATA_DIR, NamesEntry
from assessment.reference_csv import ReferenceFileError
from questionnaires.loader import join_folded_texts

INDEX_PATH = DATA_DIR / "regional_index.yaml"

MissingReason = Literal["reference", "value", "denominator", "spread"]
Normalisation = Literal["relative", "min_max", "none"]
DEFAULT_INDEX = "enabling_conditions"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the definition file -------------------------------------------------------------------------------------

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Weight = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class DenominatorEntry(_Strict):
    """How counts read once divided by this indicator: per `scale` of it, e.g. 10,000 residents."""

    scale: Weight = 1.0
    label: NamesEntry


class IndicatorEntry(_Strict):
    """An indicator in regional_index.yaml; a count (additive over regions) unless `additive: false`."""

    id: Identifier
    name: NamesEntry
    unit: NamesEntry
    additive: bool = True
    per: Identifier | None = None
    denominator: DenominatorEntry | None = None


class WeightedIndicatorEntry(_Strict):
    """An indicator of a sub-index, with its weight there."""

    indicator: Identifier
    weight: Weight


class SubIndexEntry(_Strict):
    """A sub-index in regional_index.yaml."""

    id: Identifier
    name: NamesEntry
    weight: Weight
    indicators: list[WeightedIndicatorEntry] = Field(min_length=1)


class IndexFile(_Strict):
    """One definition: a YAML document of regional_index.yaml."""

    id: Identifier = DEFAULT_INDEX
    name: NamesEntry
    normalisation: Normalisation = "relative"
    weights_basis: NamesEntry | None = None  # where the weights come from: a source, or our judgement and why
    indicators: list[IndicatorEntry] = Field(min_length=1)
    sub_indices: list[SubIndexEntry] = Field(min_length=1)


def _say(names: NamesEntry, lang: str) -> str:
    return names.zh if lang == "zh" else names.en


@dataclass(frozen=True)
class Indicator:
    """A regional indicator; with `per`, it is compared as an intensity: value / per × scale."""

    id: str
    names: NamesEntry
    unit: NamesEntry
    additive: bool
    per: str | None
    scale: float
    per_label: NamesEntry | None

    def name(self, lang: str) -> str:
        """The indicator's name in `lang`."""
        return _say(self.names, lang)

    def label(self, lang: str) -> str:
        """What is compared, e.g. "5G base stations per 10,000 residents"."""
        if self.per_label is None:
            return self.name(lang)
        return f"{self.per_label.zh}{self.names.zh}" if lang == "zh" else f"{self.names.en} {self.per_label.en}"


@dataclass(frozen=True)
class SubIndex:
    """A group of indicators; weights are normalised (the sub-index's over the index, its indicators' within it)."""

    id: str
    names: NamesEntry
    weight: float
    indicators: tuple[tuple[str, float], ...]

    def name(self, lang: str) -> str:
        """The sub-index's name in `lang`."""
        return _say(self.names, lang)


@dataclass(frozen=True)
class IndexDefinition:
    """The declared composite: every indicator (denominators included) and the weighted sub-indices."""

    names: NamesEntry
    indicators: Mapping[str, Indicator]
    sub_indices: tuple[SubIndex, ...]
    id: str = DEFAULT_INDEX
    normalisation: Normalisation = "relative"
    weights_basis: NamesEntry | None = None

    def basis(self, lang: str) -> str:
        """Where the weights come from, in `lang`; empty when the definition does not say."""
        return _say(self.weights_basis, lang) if self.weights_basis else ""

    def name(self, lang: str) -> str:
        """The index's name in `lang`."""
        return _say(self.names, lang)


def _definition_problems(entry: IndexFile) -> list[tuple[str, str]]:
    problems = []
    declared: dict[str, IndicatorEntry] = {}
    for i, indicator in enumerate(entry.indicators):
        if indicator.id in declared:
            problems.append((f"indicators.{i}.id", f"duplicate indicator {indicator.id!r}"))
        declared.setdefault(indicator.id, indicator)
    for i, indicator in enumerate(entry.indicators):
        per = declared.get(indicator.per) if indicator.per else None
        if indicator.per is None:
            continue
        if per is None or per is indicator:
            problems.append((f"indicators.{i}.per", f"{indicator.per!r} is not another declared indicator"))
        elif per.denominator is None or per.per is not None:
            problems.append((f"indicators.{i}.per", f"{per.id!r} declares no `denominator` (or has a `per` itself)"))
    used: dict[str, str] = {}
    sub_index_ids: set[str] = set()
    for s, sub_index in enumerate(entry.sub_indices):
        if sub_index.id in sub_index_ids:
            problems.append((f"sub_indices.{s}.id", f"duplicate sub-index {sub_index.id!r}"))
        sub_index_ids.add(sub_index.id)
        for j, weighted in enumerate(sub_index.indicators):
            key, indicator = f"sub_indices.{s}.indicators.{j}.indicator", declared.get(weighted.indicator)
            if indicator is None:
                problems.append((key, f"unknown indicator {weighted.indicator!r}"))
            elif weighted.indicator in used:
                problems.append((key, f"{weighted.indicator!r} is already used at {used[weighted.indicator]}"))
            elif indicator.additive and indicator.per is None:
                problems.append((key, f"{weighted.indicator!r} is a count: it needs a `per` to compare regions"))
            used.setdefault(weighted.indicator, key)
    return problems


def load_index_definition(path: Path | str | None = None, index_id: str | None = None) -> IndexDefinition:
    """One composite index declared in `path` (the bundled file, read once, when no path is given): the one named
    `index_id`, or the file's first, the default. KeyError for an id the file does not declare."""
    definitions = load_index_definitions(path)
    return definitions[index_id] if index_id is not None else next(iter(definitions.values()))


def load_index_definitions(path: Path | str | None = None) -> dict[str, IndexDefinition]:
    """Every index declared in `path` (one per YAML document), by id, the default first."""
    if path is None:
        return _bundled_definitions()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        documents = [join_folded_texts(raw) for raw in yaml.safe_load_all(text) if raw is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ReferenceFileError(path, [("", f"cannot be read as YAML: {error}")]) from None
    definitions: dict[str, IndexDefinition] = {}
    for number, raw in enumerate(documents):
        prefix = f"document {number + 1}: " if len(documents) > 1 else ""
        try:
            entry = IndexFile.model_validate(raw)
        except ValidationError as error:
            problems = [(prefix + (".".join(str(part) for part in e["loc"]) or "(top level)"), e["msg"])
                        for e in error.errors()]
            raise ReferenceFileError(path, problems) from None
        if problems := _definition_problems(entry):
            raise ReferenceFileError(path, [(prefix + key, message) for key, message in problems])
        if entry.id in definitions:
            raise ReferenceFileError(path, [(f"{prefix}id", f"index {entry.id!r} is declared twice")])
        definitions[entry.id] = _definition(entry)
    if not definitions:
        raise ReferenceFileError(path, [("", "declares no index")])
    return definitions


def _definition(entry: IndexFile) -> IndexDefinition:
    by_id = {indicator.id: indicator for indicator in entry.indicators}
    indicators = {}
    for item in entry.indicators:
        denominator = by_id[item.per].denominator if item.per else None
        scale, per_label = (denominator.scale, denominator.label) if denominator else (1.0, None)
        indicators[item.id] = Indicator(item.id, item.name, item.unit, item.additive, item.per, scale, per_label)
    total = sum(sub_index.weight for sub_index in entry.sub_indices)
    sub_indices = []
    for sub_index in entry.sub_indices:
        inner = sum(weighted.weight for weighted in sub_index.indicators)
        members = tuple((weighted.indicator, weighted.weight / inner) for weighted in sub_index.indicators)
        sub_indices.append(SubIndex(sub_index.id, sub_index.name, sub_index.weight / total, members))
    return IndexDefinition(entry.name, indicators, tuple(sub_indices), entry.id, entry.normalisation,
                           entry.weights_basis)


@functools.cache
def _bundled_definitions() -> dict[str, IndexDefinition]:
    return load_index_definitions(INDEX_PATH)


# --- the composite -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator of one region: its inputs, intensity, relative (reference = 100) or why it is missing."""

    indicator: str
    weight: float  # within the sub-index, normalised over all its indicators (present or not)
    value: float | None
    denominator: float | None  # the value of the `per` indicator, when one is declared
    intensity: float | None
    reference_intensity: float | None
    relative: float | None
    missing: MissingReason | None
    reference_summed: bool  # the reference's figures are the sums over its parts


@dataclass(frozen=True)
class SubIndexResult:
    """A sub-index of one region: the weighted mean of the relatives it has; None when it has none."""

    sub_index: str
    weight: float  # within the index, normalised over all sub-indices
    value: float | None
    coverage: float  # the share of the sub-index's weight that was measured
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True)
class RegionalIndex:
    """The composite index of one region, with everything needed to reproduce it by hand."""

    region_code: str
    is_reference: bool
    value: float | None
    coverage: float  # the share of the index's weight that was measured
    sub_indices: tuple[SubIndexResult, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The indicators left out of this region's index."""
        return tuple(i.indicator for s in self.sub_indices for i in s.indicators if i.missing is not None)


@dataclass(frozen=True)
class _Figures:
    value: float | None
    denominator: float | None
    summed: bool = False


def _figures(indicator: Indicator, values: Mapping[str, float]) -> _Figures:
    return _Figures(values.get(indicator.id), values.get(indicator.per) if indicator.per else None)


def _reference_figures(indicator: Indicator, definition: IndexDefinition, own: Mapping[str, float],
                       parts: list[Mapping[str, float]]) -> _Figures:
    """The reference's own figures, or the sums over its parts when it lacks them and they can be summed."""
    figures = _figures(indicator, own)
    if figures.value is not None and (indicator.per is None or figures.denominator is not None):
        return figures
    summable = indicator.additive and (indicator.per is None or definition.indicators[indicator.per].additive)
    by_part = [_figures(indicator, values) for values in parts]
    if not parts or not summable or any(f.value is None or (indicator.per and f.denominator is None) for f in by_part):
        return figures
    denominator = sum(f.denominator for f in by_part) if indicator.per else None
    return _Figures(sum(f.value for f in by_part), denominator, summed=True)


def _intensity(indicator: Indicator, figures: _Figures) -> float | None:
    if figures.value is None or indicator.per is None:
        return figures.value
    if figures.denominator is None or figures.denominator <= 0:
        return None
    return figures.value / figures.denominator * indicator.scale


def _indicator_result(indicator: Indicator, weight: float, figures: _Figures, reference: _Figures,
                      normalisation: Normalisation = "relative",
                      span: tuple[float, float] | None = None) -> IndicatorResult:
    intensity, reference_intensity = _intensity(indicator, figures), _intensity(indicator, reference)
    missing: MissingReason | None = None
    if normalisation == "relative" and not reference_intensity:  # no reference figure, or zero: nothing to compare
        missing = "reference"
    elif figures.value is None:
        missing = "value"
    elif intensity is None:
        missing = "denominator"
    elif normalisation == "min_max" and (span is None or span[1] <= span[0]):
        missing = "spread"  # fewer than two different values among the regions compared: no line to read on
    if missing:
        relative = None
    elif normalisation == "relative":
        relative = 100 * intensity / reference_intensity
    elif normalisation == "min_max":
        relative = 100 * (intensity - span[0]) / (span[1] - span[0])
    else:
        relative = intensity
    return IndicatorResult(indicator.id, weight, figures.value, figures.denominator, intensity, reference_intensity,
                           relative, missing, reference.summed)


def _weighted_mean(pairs: Iterable[tuple[float, float | None]]) -> tuple[float | None, float]:
    """The mean of the present values weighted by their weights, and the share of the weight they carry."""
    pairs = list(pairs)
    present = [(weight, value) for weight, value in pairs if value is not None]
    measured = sum(weight for weight, _ in present)
    mean = sum(weight * value for weight, value in present) / measured if present else None
    return mean, measured / sum(weight for weight, _ in pairs)


def composite_index(definition: IndexDefinition, values: Mapping[str, Mapping[str, float]], reference_code: str, *,
                    reference_parts: Iterable[str] = ()) -> dict[str, RegionalIndex]:
    """The index of the reference (= 100) and of every region in `values` ({region: {indicator: value}}).

    `reference_parts` (the provinces, for the country) stand in for the reference when it lacks a count."""
    parts = [values.get(code, {}) for code in reference_parts]
    own = values.get(reference_code, {})
    weighted = [definition.indicators[i] for sub_index in definition.sub_indices for i, _ in sub_index.indicators]
    reference = {i.id: _reference_figures(i, definition, own, parts) for i in weighted}
    spans: dict[str, tuple[float, float] | None] = {}
    for indicator in weighted:  # min-max: the line through the lowest and highest region compared
        found = [_intensity(indicator, _figures(indicator, values[code])) for code in values if code != reference_code]
        found = [intensity for intensity in found if intensity is not None]
        spans[indicator.id] = (min(found), max(found)) if found else None
    results = {}
    for code in [reference_code, *(code for code in values if code != reference_code)]:
        sub_results = []
        for sub_index in definition.sub_indices:
            indicators = []
            for indicator_id, weight in sub_index.indicators:
                indicator = definition.indicators[indicator_id]
                figures = reference[indicator_id] if code == reference_code else _figures(indicator, values[code])
                indicators.append(_indicator_result(indicator, weight, figures, reference[indicator_id],
                                                    definition.normalisation, spans[indicator_id]))
            value, coverage = _weighted_mean((i.weight, i.relative) for i in indicators)
            sub_results.append(SubIndexResult(sub_index.id, sub_index.weight, value, coverage, tuple(indicators)))
        value, _ = _weighted_mean((s.weight, s.value) for s in sub_results)
        coverage = sum(s.weight * s.coverage for s in sub_results)
        results[code] = RegionalIndex(code, code == reference_code, value, coverage, tuple(sub_results))
    return results


# --- the formula as a person reads it ------------------------------------------------------------------------

_FORMULA_TEXT = {
    "en": {
        "relative": "R(x) = 100 × (x in the region) / (x in {reference}), so {reference} scores 100 on every "
                    "indicator and on the index.",
        "min_max": "R(x) = 100 × (x in the region − lowest x) / (highest x − lowest x), lowest and highest among the "
                   "regions compared: the lowest scores 0, the highest 100.",
        "none": "R(x) = x: the indicators are already scores and enter the weighted sum as they are published.",
        "missing": "An indicator a region lacks is left out and the weights of the rest of its sub-index are scaled "
                   "up to sum to 1; a sub-index with no indicator is left out of the index the same way.",
        "summed": "Where {reference} lacks a count, it is the sum over its provinces (numerators and denominators "
                  "summed separately).",
        "weights": "Weights: {basis}",
    },
    "zh": {
        "relative": "R(x) = 100 × 本地区的 x ÷ {reference}的 x，因此{reference}在每项指标和总指数上均为 100。",
        "min_max": "R(x) = 100 × (本地区的 x − 最低值) ÷ (最高值 − 最低值)，最低值和最高值取自参与比较的地区："
                   "最低者为 0，最高者为 100。",
        "none": "R(x) = x：各项指标本身已是得分，按公布值直接加权求和。",
        "missing": "某地区缺少某项指标时，该指标不计入，所在分指数其余指标的权重按比例放大至合计为 1；分指数没有任何"
                   "指标时，同样不计入总指数。",
        "summed": "{reference}缺少某项计数指标时，取各省份之和（分子、分母分别加总）。",
        "weights": "权重依据：{basis}",
    },
}
_DEFAULT_REFERENCE = {"en": "the country", "zh": "全国"}


def _weight_text(weight: float) -> str:
    return f"{weight:.2f}" if abs(round(weight, 2) - weight) < 1e-9 else f"{weight:.3f}"


def formula_text(definition: IndexDefinition, lang: str, *, reference_name: str | None = None) -> str:
    """The formula of the index as a person reads it, one statement a line, in `lang` ("zh" or English)."""
    lang = "zh" if lang == "zh" else "en"
    reference = reference_name or _DEFAULT_REFERENCE[lang]

    def weighted_sum(terms: Iterable[tuple[float, str]]) -> str:
        return " + ".join(f"{_weight_text(weight)} × {term}" for weight, term in terms)

    lines = [f"{definition.name(lang)} = " + weighted_sum((s.weight, s.name(lang)) for s in definition.sub_indices)]
    for sub_index in definition.sub_indices:
        terms = ((weight, f"R({definition.indicators[i].label(lang)})") for i, weight in sub_index.indicators)
        lines.append(f"{sub_index.name(lang)} = {weighted_sum(terms)}")
    texts = _FORMULA_TEXT[lang]
    lines += [texts[definition.normalisation], texts["missing"]]
    lines += [texts["summed"]] if definition.normalisation == "relative" else []
    lines += [texts["weights"].format(basis=definition.basis(lang))] if definition.weights_basis else []
    return "\n".join(line.format(reference=reference) for line in lines)

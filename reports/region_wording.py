"""The words of the agencies' comparison in the reader's language: the selection's choices, the table's, the regional
index's and the workbook's words, the rule for withheld cells; the page, the API, the files and the report take them
from here. Every word goes through gettext, so call these in a request (or under `force_locale`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import partial

from flask_babel import get_locale
from flask_babel import gettext as _

from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, RegionTree, load_industries
from assessment.cohorts.groups import ALL
from assessment.regional.comparison import ComparisonTable, Selection, Wording
from assessment.regional.conditions import ConditionsWording
from assessment.regional.index import DEFAULT_INDEX, IndexDefinition, load_index_definitions
from assessment.regional.selection import lagging_bands, provinces_with_cities, reached_band
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import paradigm_name
from reports.display import describe_source
from reports.region_export import SheetWording
from storage.access import within_jurisdiction

Choice = tuple[str, str]  # (value, label), as a select field offers it


@dataclass(frozen=True)
class SelectionChoices:
    """What a selection may name, per query-string parameter, as (value, label) pairs in the reader's language."""

    q: list[Choice]
    period: list[Choice]
    base: list[Choice]
    within: list[Choice]
    region: list[Choice]
    industry: list[Choice]
    size: list[Choice]
    lag_level: list[Choice]
    lag_dimensions: list[Choice]
    index: list[Choice]

    def by_parameter(self) -> dict[str, list[Choice]]:
        """The choices of each parameter, by its name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def label(self, parameter: str, value: str) -> str:
        """The label of an offered value."""
        return dict(getattr(self, parameter))[value]


def selection_choices(*, questionnaires: Sequence[Questionnaire], chosen: Questionnaire | None,
                      periods: Sequence[int], regions: RegionTree, jurisdiction: str | None,
                      lang: str) -> SelectionChoices:  # fmt: skip
    """The choices of a selection: the questionnaires with statistics, the periods of the chosen one (newest first),
    the regions within `jurisdiction` (None: the whole country), the scopes, and what may count as lagging."""
    newest_first = [(str(period), str(period)) for period in reversed(periods)]
    return SelectionChoices(
        q=[(q.id, q.definition.title.get(lang)) for q in questionnaires],
        period=newest_first,
        base=[("", _("No comparison")), *newest_first[1:]],
        within=[("", _("All provinces with data") if jurisdiction is None else _("My jurisdiction"))] + [
            (p.code, _("%(province)s and its cities", province=p.name(lang))) for p in provinces_with_cities(regions)
            if within_jurisdiction(p.code, jurisdiction)],
        # an analyst picks within its jurisdiction only
        region=[(code, label) for code, label in [(regions.country.code, regions.country.name(lang)),
                                                  *regions.choices(lang)] if within_jurisdiction(code, jurisdiction)],
        industry=[(ALL, _("All manufacturing"))] + [
            (kind, _("%(type)s industries", type=labels[lang])) for kind, labels in INDUSTRY_TYPE_LABELS.items()] + [
            (i.code, f"{i.code} {i.name(lang)}") for i in sorted(load_industries().values(), key=lambda i: i.code)],
        size=[(ALL, _("All sizes"))] + [(size, labels[lang]) for size, labels in SIZE_LABELS.items()],
        lag_level=[(str(b.level), f"{b.level} {b.name.get(lang)}") for b in lagging_bands(chosen)] if chosen else [],
        lag_dimensions=[(str(n), str(n)) for n in range(1, len(chosen.dimensions) + 1)] if chosen else [],
        index=[(definition.id, definition.name(lang)) for definition in load_index_definitions().values()],
    )


def table_wording(questionnaire: Questionnaire, selection: Selection, lang: str) -> Wording:
    """The table's words in the reader's language."""
    standard = questionnaire.standard_node
    levels = (_("%(framework)s level by its own rule: share of enterprises (%%)", framework=standard.standard)
              if standard is not None else _("Readiness stage: share of enterprises (%)"))
    on_levels = questionnaire.score_tops[questionnaire.overall_node.id] <= 5  # else 0-100, as the EU DMA
    return Wording(
        region_code=_("Region code"), region=_("Region"), enterprises=_("Enterprises"),
        synthetic=_("Synthetic enterprises"), levels=levels,
        reached=_("Reaching the paradigm (%(band)s or above): share of enterprises (%%)",
                  band=reached.name.get(lang)) if (reached := reached_band(questionnaire)) else "",
        means=_("Mean score (0–5)") if on_levels else _("Mean score (0–100)"),
        gaps=_("Gap to best in class (p90 − mean)"),
        lagging=_("Lagging: share of enterprises (%)"),
        lagging_label=_("Below level %(level)s in at least %(count)s dimensions", level=selection.lagging_level,
                        count=selection.lagging_dimensions),
        change=_("Mean change since %(base)s (enterprises assessed in both periods)", base=selection.base_period),
        both_periods=_("Assessed in both periods"), overall=_("Overall (0–5)") if on_levels else _("Overall (0–100)"),
        withheld_small=_("withheld: small group"),
        withheld_complementary=_("withheld so that a small group cannot be derived"),
        paradigm_names={p: paradigm_name(p, lang) for p in questionnaire.paradigm_nodes},
    )


def conditions_wording(period: int, periods: Sequence[int],
                       definition: IndexDefinition | None = None) -> ConditionsWording:
    """The regional index's words in the reader's language; `periods` are those with indicators, `definition` the
    index shown (its normalisation names the relative column; None: the default, relative to the country)."""
    normalisation = definition.normalisation if definition is not None else "relative"
    heading = (_("Regional enabling conditions (country = 100)") if definition is None
               or definition.id == DEFAULT_INDEX else definition.name(get_locale().language))
    relative = {"relative": _("Relative (country = 100)"),
                "min_max": _("Between the lowest and the highest region (0–100)"),
                "none": _("Score as published")}[normalisation]
    return ConditionsWording(
        heading=heading, index=_("Index"),
        coverage=_("Weight measured (%)"), missing=_("Missing indicators"), no_indicators=_("no indicators"),
        sub_index=_("Sub-index"), sub_index_weight=_("Weight of the sub-index"), indicator=_("Indicator (compared as)"),
        value=_("Value"), denominator=_("Denominator"), intensity=_("Intensity"),
        reference_intensity=_("Intensity of the country"), relative=relative,
        weight=_("Weight in the sub-index"), value_source=_("Source of the value"),
        denominator_source=_("Source of the denominator"), missing_reason=_("Left out because"),
        reasons={"value": _("no value"), "denominator": _("no denominator"),
                 "reference": _("no figure for the country"),
                 "spread": _("no two regions with different values")},
        summed=_("sum over the provinces"), formula=_("Formula of the regional index"),
        synthetic=_("Synthetic indicators"),
        synthetic_note=_("Some regional indicators are synthetic demo figures, not official statistics; their source "
                         "says so."),
        none_in_period=_("There are no regional indicators for %(period)s. Periods with indicators: %(periods)s.",
                         period=period, periods=", ".join(map(str, periods)) or _("none yet")),
        none_for_regions=_("None of the regions shown has regional indicators; they are kept for the provinces and "
                           "the country."),
        source=partial(describe_source, lang=get_locale().language),
    )


def sheet_wording() -> SheetWording:
    """The workbook's own words in the reader's language."""
    return SheetWording(
        regions=_("Regions"), index=_("Regional index"), inputs=_("Inputs"), published=_("Published figures"),
        about=_("About"),
        published_note=_("Published, not our data: shares of enterprises by level as published, on the "
                         "publications' own level scales."),
        published_headers=(_("Framework"), _("Year"), _("Scope"), _("Source"), _("Level (as published)"),
                           _("Share of enterprises (%)")))


def withheld_rule(k: int) -> str:
    """The suppression rule, with its smallest group shown `k`, in the reader's language."""
    return _("Figures of a group of fewer than %(k)s enterprises are withheld, and so are those that would let such "
             "a group be worked out from the others. Withheld cells are empty; their row says why.", k=k)


def synthetic_line(table: ComparisonTable) -> str:
    """How many of the table's regions include synthetic demonstration enterprises; "" when none does."""
    if not table.synthetic_rows:
        return ""
    return _("%(rows)s of the %(total)s regions include synthetic demonstration enterprises, which do not exist (see "
             "the column “Synthetic enterprises”).", rows=table.synthetic_rows, total=len(table.rows))


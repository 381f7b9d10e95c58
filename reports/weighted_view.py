"""The agencies' figures weighted to the population, as shown: per region row of the comparison, the weighted mean
of the overall score and the weighted share at each level, each with its 95 % interval and the effective sample
size, beside the unweighted figures. Read from what the release stored (storage/releases.py); a withheld region
shows the same reason as its cohort and no figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session

from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_industries, load_regions
from assessment.cohorts.groups import ALL
from assessment.cohorts.suppression import SMALL
from assessment.cohorts.weighted import SMALL_CLASS
from assessment.regional.comparison import Cell, Column, ComparisonTable
from questionnaires.loader import Questionnaire
from reports.display import describe_source
from storage.margins import weighted_stats
from storage.tables import StatisticsRelease, WeightedStat


@dataclass(frozen=True)
class WeightedRow:
    """One region's weighted figures as texts; `status` is "shown", "small", "complementary", "small-class",
    "unraked" or "none" (no population margins), and `note` says why a row has no figure."""

    region_code: str
    region_name: str
    status: str
    note: str = ""
    count: int | None = None
    mean: str = ""
    unweighted_mean: str = ""
    n_eff: str = ""
    shares: tuple[tuple[str, str], ...] = ()  # per level: (weighted with its interval, unweighted)
    raking: str = ""  # how raking went
    cells: tuple[Cell, ...] = ()  # the figures as numbers for the files and the API, in `WeightedTable.columns` order

    @property
    def shown(self) -> bool:
        """Whether the row carries figures."""
        return self.status == "shown"


@dataclass(frozen=True)
class WeightedTable:
    """The weighted figures of a comparison's regions and where their population counts come from."""

    sources: tuple[str, ...]  # "source, year" of the margins used
    levels: tuple[tuple[int, str], ...]  # (level, its name) of the shares' columns
    rows: tuple[WeightedRow, ...]
    notice: str  # what the weighted figures cover when the selection is narrower
    columns: tuple[Column, ...] = ()  # the columns of the rows' `cells`, for the files and the API


def weighted_columns(levels: Sequence[tuple[int, str]]) -> tuple[Column, ...]:
    """The columns of the weighted figures in the files and the API: the figures, then a text saying how raking
    went or why a region has none."""
    heading = _("Weighted to the population")

    def column(key: str, label: str, unit: str, level: int | None = None) -> Column:
        return Column(key, "weighted", heading, label, unit, level=level)

    shares = [column(f"{key}_{level}", label, "percent", level) for level, name in levels for key, label in (
        ("weighted_level", _("Level %(level)s %(name)s: weighted %%", level=level, name=name)),
        ("weighted_level_low", _("Level %(level)s: 95 %% interval, low", level=level)),
        ("weighted_level_high", _("Level %(level)s: 95 %% interval, high", level=level)),
        ("unweighted_level", _("Level %(level)s: unweighted %%", level=level)))]
    return (column("weighted_count", _("Respondents"), "count"),
            column("weighted_n_eff", _("Effective sample size"), "count"),
            column("weighted_mean", _("Mean overall score, weighted"), "score"),
            column("weighted_mean_low", _("Mean: %(confidence)s %% interval, low", confidence=95), "score"),
            column("weighted_mean_high", _("Mean: %(confidence)s %% interval, high", confidence=95), "score"),
            column("unweighted_mean", _("Mean overall score, unweighted"), "score"),
            *shares, column("weighting", _("Raking"), ""))


def _number(value: float, decimals: int) -> Cell:
    return Cell(round(value, decimals), f"{value:.{decimals}f}")


def _figure_cells(count: int, stats: dict, levels: list[int], raking: str) -> tuple[Cell, ...]:
    """A shown row's cells, in `weighted_columns` order; shares in per cent."""
    mean = stats["mean"] or [None, None, None]
    means = [_number(value, 2) if value is not None else Cell(None, "") for value in mean]
    plain = stats.get("unweighted_mean")
    shares = [_number(100 * value, 1) for level in levels
              for value in stats["levels"].get(str(level), [0.0, 0.0, 0.0, 0.0])]
    return (Cell(count, str(count)), _number(stats["n_eff"], 1), *means,
            _number(plain, 2) if plain is not None else Cell(None, ""), *shares, Cell(raking, raking))


def _empty_cells(levels: list[int], note: str, withheld: bool) -> tuple[Cell, ...]:
    """A row without figures: every figure empty (grey when withheld), the last cell saying why."""
    return (*[Cell(None, "", withheld=withheld)] * (6 + 4 * len(levels)), Cell(note, note))


def _percent(share: float) -> str:
    return f"{share * 100:.1f}"


def _category(variable: str, category: str, lang: str) -> str:
    """A raking category as a reader names it."""
    if variable == "region":
        regions = load_regions()
        return regions.get(category).name(lang) if category in regions else category
    if variable == "industry":
        if category in INDUSTRY_TYPE_LABELS:
            return INDUSTRY_TYPE_LABELS[category][lang]
        industries = load_industries()
        return f"{category} {industries[category].name(lang)}" if category in industries else category
    return SIZE_LABELS[category][lang] if category in SIZE_LABELS else category


def _unraked_note(stats: dict, lang: str) -> str:
    notes = []
    if stats.get("empty"):
        notes.append(_("Cannot be weighted: the population has enterprises in %(categories)s, but no respondent is "
                       "there.", categories=", ".join(_category(v, c, lang) for v, c in stats["empty"])))
    if stats.get("unknown"):
        notes.append(_("Cannot be weighted: respondents in %(categories)s have no population count.",
                       categories=", ".join(_category(v, c, lang) for v, c in stats["unknown"])))
    return " ".join(notes) or _("Cannot be weighted.")


def withheld_reason(suppressed: str, k: int) -> str:
    """Why a region's weighted figures are withheld, as a reader is told."""
    if suppressed == SMALL:
        return _("withheld: small group")
    if suppressed == SMALL_CLASS:
        return _("withheld: a weighting class holds fewer than %(k)s enterprises or is withheld itself", k=k)
    return _("withheld so that a small group cannot be derived")


def weighted_row(code: str, name: str, stored: WeightedStat | None, levels: list[int], lang: str,
                 k: int) -> WeightedRow:  # fmt: skip
    """One region's row from what the release stored for it (None: no population margins cover the region)."""
    if stored is None:
        note = _("no population margins")
        return WeightedRow(code, name, "none", note, cells=_empty_cells(levels, note, False))
    if stored.suppressed:
        reason = withheld_reason(stored.suppressed, k)
        return WeightedRow(code, name, stored.suppressed, reason, cells=_empty_cells(levels, reason, True))
    stats = stored.stats
    if "mean" not in stats:
        note = _unraked_note(stats, lang)
        return WeightedRow(code, name, "unraked", note, stored.count, cells=_empty_cells(levels, note, False))
    mean = stats["mean"]
    shares = []
    for level in levels:
        value, low, high, plain = stats["levels"].get(str(level), [0.0, 0.0, 0.0, 0.0])
        shares.append((f"{_percent(value)} ({_percent(low)}–{_percent(high)})", _percent(plain)))
    ratio = f"{stats['max_ratio']:.2f}"
    raking = (_("converged (iterations: %(count)s); largest weight %(ratio)s × the mean", count=stats["iterations"],
                ratio=ratio) if stats["converged"] else
              _("did not converge (iterations: %(count)s): the margins and the weight cap cannot both hold, and the "
                "figures use the weights reached", count=stats["iterations"]))
    return WeightedRow(code, name, "shown", "", stored.count,
                       f"{mean[0]:.2f} ({mean[1]:.2f}–{mean[2]:.2f})" if mean else "",
                       f"{stats['unweighted_mean']:.2f}" if stats.get("unweighted_mean") is not None else "",
                       f"{stats['n_eff']:.1f}", tuple(shares), raking,
                       _figure_cells(stored.count, stats, levels, raking))


def weighted_table(*, session: Session, questionnaire: Questionnaire, table: ComparisonTable,
                   release: StatisticsRelease | None, lang: str, k: int) -> WeightedTable:
    """The weighted figures of the table's regions in a release, read from what the release stored."""
    selection = table.selection
    stored = weighted_stats(session=session, release_id=release.id if release else None,
                            questionnaire_id=selection.questionnaire_id, period=selection.period,
                            region_codes=[row.region_code for row in table.rows])
    leveled = questionnaire.standard_node or questionnaire.overall_node
    levels = [(band.level, band.name.get(lang)) for band in questionnaire.bands(leveled)]
    rows = tuple(weighted_row(row.region_code, row.region_name, stored.get(row.region_code),
                              [level for level, _name in levels], lang, k) for row in table.rows)
    sources = tuple(dict.fromkeys(f"{describe_source(each.source, lang)}, {each.year}" for each in stored.values()))
    narrower = selection.industry != ALL or selection.size != ALL
    notice = (_("Weighted figures are for all industries and sizes of each region, whatever the industry and size "
                "chosen above.") if narrower else "")
    return WeightedTable(sources, tuple(levels), rows, notice, weighted_columns(levels))

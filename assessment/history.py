"""An enterprise's history: its assessments side by side, and the change between two of them (T0 to T1).

Plain objects only, so the history page and printed reports share them. Two assessments compare when they ran the
same questionnaire; when its version changed in between, the dimensions both versions have (by id) and the three
paradigms are compared, and the dimensions only one version has are listed apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from assessment.scoring import NodeResult, Result
from questionnaires.loader import Questionnaire
from questionnaires.schema import Text
from questionnaires.vocabulary import PARADIGM_NAMES, PARADIGMS

OVERALL_NAME = Text(en="Overall", zh="总体得分")
PARADIGM_TEXTS = {paradigm: Text(**PARADIGM_NAMES[paradigm]) for paradigm in PARADIGMS}


@dataclass(frozen=True)
class Change:
    """How one node moved from the earlier assessment to the later one.

    `id` is the node id for the overall score and dimensions, and the paradigm ("digital", "networked",
    "intelligent") for paradigms, whose node ids may differ between versions. `before` or `after` is None when
    the node was not applicable (or does not exist) on that side, and then `delta` is None too."""

    id: str
    kind: str  # "overall", "paradigm" or "dimension"
    name: Text
    before: float | None
    after: float | None
    delta: float | None
    level_before: int | None
    level_after: int | None

    @property
    def level_delta(self) -> int | None:
        """Levels gained (negative: lost), None when either side has no level."""
        if self.level_before is None or self.level_after is None:
            return None
        return self.level_after - self.level_before


@dataclass(frozen=True)
class HistoryComparison:
    """The change between two assessments of one questionnaire."""

    questionnaire_id: str
    version_before: str
    version_after: str
    overall: Change
    paradigms: tuple[Change, ...]  # in the canonical order: digital, networked, intelligent
    dimensions: tuple[Change, ...]  # those both versions have, in the page order of the later one
    only_before: tuple[Change, ...] = ()  # dimensions the later version dropped (`after` None)
    only_after: tuple[Change, ...] = ()  # dimensions the later version added (`before` None)

    @property
    def same_version(self) -> bool:
        """Whether both assessments ran the same questionnaire version."""
        return self.version_before == self.version_after

    @property
    def changes(self) -> tuple[Change, ...]:
        """Overall, paradigms and shared dimensions, in that order."""
        return (self.overall, *self.paradigms, *self.dimensions)


def compare(
    questionnaire_before: Questionnaire, result_before: Result, questionnaire_after: Questionnaire, result_after: Result
) -> HistoryComparison:
    """The change from an earlier result (T0) to a later one (T1); ValueError for different questionnaires."""
    _check_pair(questionnaire_before, result_before)
    _check_pair(questionnaire_after, result_after)
    if questionnaire_before.id != questionnaire_after.id:
        raise ValueError(
            f"assessments of different questionnaires cannot be compared: "
            f"{questionnaire_before.id} {questionnaire_before.version} and "
            f"{questionnaire_after.id} {questionnaire_after.version}"
        )
    overall = _change(
        questionnaire_after.overall_node.id,
        "overall",
        OVERALL_NAME,
        result_before.overall(questionnaire_before),
        result_after.overall(questionnaire_after),
    )
    before_paradigms = result_before.paradigms(questionnaire_before)
    after_paradigms = result_after.paradigms(questionnaire_after)
    paradigms = tuple(  # none when either version scores no paradigm (IMPULS, the EU DMA)
        _change(p, "paradigm", PARADIGM_TEXTS[p], before_paradigms[p], after_paradigms[p])
        for p in PARADIGMS
        if p in before_paradigms and p in after_paradigms
    )
    before_ids = {dimension.id for dimension in questionnaire_before.dimensions}
    after_ids = {dimension.id for dimension in questionnaire_after.dimensions}
    dimensions = tuple(
        _change(d.id, "dimension", d.name, result_before.nodes[d.id], result_after.nodes[d.id])
        for d in questionnaire_after.dimensions
        if d.id in before_ids
    )
    only_before = tuple(
        _change(d.id, "dimension", d.name, result_before.nodes[d.id], None)
        for d in questionnaire_before.dimensions
        if d.id not in after_ids
    )
    only_after = tuple(
        _change(d.id, "dimension", d.name, None, result_after.nodes[d.id])
        for d in questionnaire_after.dimensions
        if d.id not in before_ids
    )
    return HistoryComparison(
        questionnaire_before.id,
        questionnaire_before.version,
        questionnaire_after.version,
        overall,
        paradigms,
        dimensions,
        only_before,
        only_after,
    )


def _check_pair(questionnaire: Questionnaire, result: Result) -> None:
    if (result.questionnaire_id, result.version) != (questionnaire.id, questionnaire.version):
        raise ValueError(
            f"the result is of {result.questionnaire_id} {result.version}, "
            f"not of {questionnaire.id} {questionnaire.version}"
        )


def _change(node_id: str, kind: str, name: Text, before: NodeResult | None, after: NodeResult | None) -> Change:
    score_before = before.score if before is not None else None
    score_after = after.score if after is not None else None
    delta = None if score_before is None or score_after is None else score_after - score_before
    return Change(
        node_id,
        kind,
        name,
        score_before,
        score_after,
        delta,
        before.level if before is not None else None,
        after.level if after is not None else None,
    )


@dataclass(frozen=True)
class Standing:
    """A score and its level (None when not applicable)."""

    score: float | None
    level: int | None


@dataclass(frozen=True)
class HistoryRow:
    """One submitted assessment in an enterprise's history: when, which questionnaire, and where it stood."""

    assessment_id: int | None
    submitted_at: datetime
    questionnaire_id: str
    version: str
    title: Text  # the questionnaire's title
    overall: Standing
    paradigms: dict[str, Standing]  # paradigm -> standing, in the canonical order; empty without paradigms


class SubmittedAssessment(Protocol):
    """What the history needs to know of a stored assessment."""

    id: int | None
    submitted_at: datetime | None
    questionnaire_id: str
    questionnaire_version: str


def history_rows(entries: Iterable[tuple[SubmittedAssessment, Questionnaire, Result]]) -> list[HistoryRow]:
    """The table of an enterprise's assessments, earliest first: overall and paradigm scores with their levels.

    `entries` are (assessment, its questionnaire, its result) of submitted assessments, in submission order."""
    rows = []
    for assessment, questionnaire, result in entries:
        if assessment.submitted_at is None:
            raise ValueError(f"assessment {assessment.id} has not been submitted")
        if (assessment.questionnaire_id, assessment.questionnaire_version) != (questionnaire.id, questionnaire.version):
            raise ValueError(
                f"assessment {assessment.id} ran {assessment.questionnaire_id} {assessment.questionnaire_version}, "
                f"not {questionnaire.id} {questionnaire.version}"
            )
        _check_pair(questionnaire, result)
        overall = result.overall(questionnaire)
        paradigms = result.paradigms(questionnaire)
        rows.append(
            HistoryRow(
                assessment.id,
                assessment.submitted_at,
                questionnaire.id,
                questionnaire.version,
                questionnaire.definition.title,
                Standing(overall.score, overall.level),
                {p: Standing(paradigms[p].score, paradigms[p].level) for p in PARADIGMS if p in paradigms},
            )
        )
    rows.sort(key=lambda row: _naive(row.submitted_at))  # stable: equal times keep the order given
    return rows


def _naive(moment: datetime) -> datetime:
    """A UTC timestamp without zone, comparable with any other (SQLite gives stored UTC times back without one)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)

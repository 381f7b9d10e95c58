"""What pages and reports show of a standard's own level (e.g. CMMM by GB/T 39117's rule): the level, its level
scores, and the published level shares of that framework, the only figures they may stand beside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from assessment.published import Publication
from assessment.scoring import LevelScore, NodeResult, Result, standard_levels
from questionnaires.loader import Questionnaire


@dataclass(frozen=True)
class StandardView:
    """A result's level by a framework's own rule, with the published figures computed the same way."""

    framework: str
    title: str  # e.g. "CMMM level (GB/T 39117 method)"
    node: NodeResult
    level_name: str
    levels: list[LevelScore]  # the level scores behind it (a standard node), or empty (an overall node)
    published: list[Publication]  # that framework's publications only
    separate: bool  # a node of its own beside a readiness index, rather than the overall score itself


def level_name(questionnaire: Questionnaire, node_id: str, level: int | None, lang: str) -> str:
    """The name of a node's level in its bands, e.g. '规范级'; empty without one."""
    for band in questionnaire.bands(questionnaire.nodes[node_id]):
        if band.level == level:
            return band.name.get(lang)
    return ""


def comparable_publications(questionnaire: Questionnaire, found: Sequence[Publication]) -> list[Publication]:
    """The publications whose level shares were computed by the rule of the questionnaire's standard level (e.g.
    CMMM's); none when the questionnaire computes no standard's level."""
    standard = questionnaire.standard_node
    return [] if standard is None else [p for p in found if p.framework == standard.standard]


def standard_view(questionnaire: Questionnaire, result: Result, published: Sequence[Publication],
                  lang: str) -> StandardView | None:
    """The standard's level of a result, or None when the questionnaire computes no framework's level."""
    node = questionnaire.standard_node
    if node is None:
        return None
    found = result.nodes[node.id]
    separate = node.kind == "standard"
    titles = {"CMMM": _("CMMM level (GB/T 39117 method)")}
    return StandardView(
        framework=node.standard,
        title=titles.get(node.standard, _("%(framework)s level", framework=node.standard)),
        node=found,
        level_name=level_name(questionnaire, node.id, found.level, lang),
        levels=standard_levels(questionnaire, result) if separate else [],
        published=comparable_publications(questionnaire, published),
        separate=separate,
    )


def overall_title(questionnaire: Questionnaire) -> str:
    """What the overall score is called: the readiness index when a standard's level stands beside it."""
    node = questionnaire.standard_node
    return _("Readiness index") if node is not None and node.kind == "standard" else _("Overall")

"""Data quality of a submitted assessment: flags, each with its reason, that tell a reviewer or a campaign owner
which answer sets may be junk (answered too fast, the same level everywhere, answers that contradict each other).

A flag is a reason to look, never a verdict: the reviewer decides."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from assessment.answers import Answer, condition_met, visible_questions
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, LadderQuestion, Text

# Paradata. A gap between two saves of an assessment counts as active time up to this limit. The longest page, a
# ladder with its supporting questions and up to 20 requirement ratings on the full assessment, takes a careful
# respondent 10-15 minutes (its 90-minute estimate spread over 14 pages is 6.4 minutes a page); a longer gap is
# someone away (a meeting, lunch, the next morning), and counts as one long page at most, so that time away never
# makes an assessment look carefully answered.
IDLE_LIMIT_SECONDS = 15 * 60

# Too fast: active time under this share of the questionnaire's `estimated_minutes`. The estimate is for reading
# every question; someone who knows the plant well may take half of it, but under a third the texts cannot have been
# read (the full assessment in 30 minutes is under 7 seconds a question, the quick check in 2 min 40 s about 11
# seconds for a question with six level descriptors).
TOO_FAST_SHARE = 1 / 3

# Straight-lining: the same level on (nearly) every ladder. With fewer ladders than this, one level everywhere is
# what an evenly developed enterprise answers (the quick check has 5 ladders), and says nothing.
MIN_LADDERS = 8
# "Nearly all": at least this share of the ladders answered at one level (13 of the full assessment's 14).
STRAIGHT_LINE_SHARE = 0.9
# Level 0 everywhere is the honest answer of an enterprise that has not started (about two thirds of enterprises are
# at CMMM level 1 or below in the national self-diagnosis), so it raises no flag; someone clicking through at level
# 0 is caught by the time instead.
STRAIGHT_LINE_LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class TooFast:
    """Answered in far less active time than the questionnaire needs."""

    code: ClassVar[str] = "too_fast"
    active_seconds: int
    estimated_minutes: int
    limit_seconds: int  # under this, the flag is raised
    question_ids: tuple[str, ...] = ()  # the whole answer set, not single questions


@dataclass(frozen=True)
class StraightLining:
    """The same level chosen on every ladder, or on nearly every one."""

    code: ClassVar[str] = "straight_lining"
    level: int
    same: int  # ladders answered at that level
    ladders: int  # ladders answered (not "not applicable")
    question_ids: tuple[str, ...]  # the ladders at that level


@dataclass(frozen=True)
class Contradiction:
    """Two answers that a consistency rule of the questionnaire says cannot both be true."""

    code: ClassVar[str] = "contradiction"
    rule: str
    explanation: Text
    question_ids: tuple[str, str]


QualityFlag = TooFast | StraightLining | Contradiction


def add_active_time(active_seconds: int, previous: datetime, now: datetime) -> int:
    """Active time after a save: the time since the previous save, at most the idle limit, added."""
    gap = max(0.0, (now - previous).total_seconds())
    return active_seconds + round(min(gap, IDLE_LIMIT_SECONDS))


def quality_flags(questionnaire: Questionnaire, answers: Mapping[str, Answer],
                  active_seconds: int | None) -> list[QualityFlag]:  # fmt: skip
    """Every flag an answer set raises; `active_seconds` None when the time was not measured (imported answers) or
    is not the time of one respondent (colleagues answered pages side by side)."""
    visible = visible_questions(questionnaire, answers)
    shown = {question_id: answer for question_id, answer in answers.items() if question_id in visible}
    flags: list[QualityFlag] = []
    fast = too_fast(questionnaire, active_seconds)
    if fast is not None:
        flags.append(fast)
    lining = straight_lining(questionnaire, shown)
    if lining is not None:
        flags.append(lining)
    return flags + contradictions(questionnaire, shown)


def too_fast(questionnaire: Questionnaire, active_seconds: int | None) -> TooFast | None:
    """The too-fast flag, when the active time is under a third of the estimate."""
    if active_seconds is None:
        return None
    estimate = questionnaire.definition.estimated_minutes
    limit = round(estimate * 60 * TOO_FAST_SHARE)
    return TooFast(active_seconds, estimate, limit) if active_seconds < limit else None


def straight_lining(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> StraightLining | None:
    """The straight-lining flag, when enough ladders are answered and nearly all at one level."""
    ladders = {question_id: answer for question_id, answer in answers.items()
               if isinstance(questionnaire.questions.get(question_id), LadderQuestion)
               and answer != NOT_APPLICABLE}  # fmt: skip
    if len(ladders) < MIN_LADDERS:
        return None
    level, same = Counter(ladders.values()).most_common(1)[0]
    if level not in STRAIGHT_LINE_LEVELS or same < STRAIGHT_LINE_SHARE * len(ladders):
        return None
    at_level = tuple(question_id for question_id in questionnaire.questions if ladders.get(question_id) == level)
    return StraightLining(level, same, len(ladders), at_level)


def contradictions(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> list[Contradiction]:
    """The consistency rules of the questionnaire that these answers break, in file order."""
    return [Contradiction(rule.id, rule.explanation, (rule.answer.question, rule.contradicts.question))
            for rule in questionnaire.definition.consistency
            if condition_met(rule.answer, answers) and condition_met(rule.contradicts, answers)]  # fmt: skip

"""How the quality flags of an assessment and the time spent on it read, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from assessment.quality import Contradiction, QualityFlag, StraightLining, TooFast
from questionnaires.loader import Questionnaire


@dataclass(frozen=True)
class FlagWording:
    """One flag as a reviewer reads it: the reason, and the questions it is about (id, question text)."""

    code: str
    reason: str
    questions: tuple[tuple[str, str], ...]


def describe_duration(seconds: int) -> str:
    """A duration as minutes and seconds: 160 → '2 min 40 s'."""
    minutes, rest = divmod(int(seconds), 60)
    return _("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=rest)


def describe_active_time(active_seconds: int | None, side_by_side: bool = False) -> str:
    """The active time spent answering online, or why there is none; `side_by_side`: colleagues answered pages too,
    so the time is elapsed time and is not judged."""
    if active_seconds is None:
        return _("Active time: not measured (answers imported, or begun before the time was kept).")
    text = _("Active time answering online: %(time)s.", time=describe_duration(active_seconds))
    if side_by_side:
        text += " " + _("Colleagues answered pages side by side: this is the time elapsed, not each one's, and it is "
                        "not judged.")
    return text


def describe_flag(flag: QualityFlag, questionnaire: Questionnaire, lang: str) -> FlagWording:
    """A flag's reason in words, with the questions involved."""
    if isinstance(flag, TooFast):
        reason = _("Answered too fast: %(active)s of active time, less than the %(limit)s that reading this "
                   "questionnaire of about %(minutes)s minutes takes at the least.",
                   active=describe_duration(flag.active_seconds), limit=describe_duration(flag.limit_seconds),
                   minutes=flag.estimated_minutes)  # fmt: skip
    elif isinstance(flag, StraightLining):
        reason = _("Same answer everywhere: level %(level)s on %(same)s of the %(ladders)s ladder questions.",
                   level=flag.level, same=flag.same, ladders=flag.ladders)
    else:
        assert isinstance(flag, Contradiction)
        reason = _("Answers contradict each other: %(explanation)s", explanation=flag.explanation.get(lang))
    questions = tuple((question_id, questionnaire.questions[question_id].text.get(lang))
                      for question_id in flag.question_ids)  # fmt: skip
    return FlagWording(flag.code, reason, questions)


def describe_flag_in_brief(flag: QualityFlag) -> str:
    """A flag's reason without any answer in it (no level, no question, no rule), for a campaign owner who may see
    an enterprise's status but never its answers: an agency."""
    if isinstance(flag, TooFast):
        return _("Answered too fast: %(active)s of active time, less than the %(limit)s that reading this "
                 "questionnaire takes at the least.",
                 active=describe_duration(flag.active_seconds), limit=describe_duration(flag.limit_seconds))
    if isinstance(flag, StraightLining):
        return _("Same answer on nearly every ladder question.")
    return _("Two answers contradict each other.")

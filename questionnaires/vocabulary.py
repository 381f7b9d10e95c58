"""The words every layer shares, defined once: the three paradigms, the industry types, the size classes and the
business goals. Questionnaire files are checked against them; pages, reports, the API and imports use them."""

from __future__ import annotations

from typing import Literal, get_args

Paradigm = Literal["digital", "networked", "intelligent"]
PARADIGMS: tuple[Paradigm, ...] = get_args(Paradigm)  # in the order of intelligent manufacturing's evolution
PARADIGM_NAMES: dict[Paradigm, dict[str, str]] = {
    "digital": {"en": "Digital manufacturing", "zh": "数字化制造"},
    "networked": {"en": "Networked manufacturing", "zh": "数字化网络化制造"},
    "intelligent": {"en": "New-generation intelligent manufacturing", "zh": "新一代智能制造"},
}

IndustryType = Literal["discrete", "process"]  # from the GB/T 4754 division; picks the weight profile
INDUSTRY_TYPES: tuple[IndustryType, ...] = get_args(IndustryType)

SizeClass = Literal["micro", "small", "medium", "large"]  # derived from employees and revenue
SIZES: tuple[SizeClass, ...] = get_args(SizeClass)

Goal = Literal["cost", "quality", "delivery", "flexibility", "energy", "safety"]  # what a roadmap can serve
GOALS: tuple[Goal, ...] = get_args(Goal)


def paradigm_name(paradigm: str, lang: str) -> str:
    """The paradigm's name in a language."""
    return PARADIGM_NAMES[paradigm]["zh" if lang == "zh" else "en"]

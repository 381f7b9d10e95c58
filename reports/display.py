"""How answers and scores read on a page, in the user's language."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from assessment.answers import Answer
from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_industries, load_regions
from assessment.cohorts.groups import ALL, Cohort
from questionnaires.schema import NOT_APPLICABLE

# The scoring rules of the questionnaire files (questionnaires.schema.Node.rule) as a reader names them: one wording
# per rule, for the results' explanations and the methodology page alike (the page adds the rule's full definition)
RULE_WORDS = {
    "weighted_mean": _l("weighted mean of its inputs"),
    "sum": _l("weighted sum of its inputs, up to a cap"),
    "min": _l("the lowest of its inputs"),
    "gating": _l("levels reached in turn, each needing the one below"),
    "progress": _l("progress along the paradigm's span of the scale, in %"),
    "levels": _l("the standard's own level rule"),
}

# Statuses as stored (assessments, report batches: storage/tables.py) as a reader says them, wherever one is shown
STATUS_WORDS = {
    "none": lazy_pgettext("status", "Not started"),  # a client with no assessment yet
    "draft": lazy_pgettext("status", "Not submitted yet"),
    "returned": lazy_pgettext("status", "Returned for revision"),  # sent back by a reviewer
    "submitted": lazy_pgettext("status", "Submitted"),
    "queued": lazy_pgettext("status", "Waiting to start"),
    "running": lazy_pgettext("status", "Running"),
    "done": lazy_pgettext("status", "Done"),
    "failed": lazy_pgettext("status", "Failed"),
}


# The kinds of scoring-tree node and the question types of the files (questionnaires.schema), for the methodology
KIND_WORDS = {"item": _l("Item"), "dimension": _l("Dimension"), "paradigm": _l("Paradigm"), "overall": _l("Overall"),
              "standard": _l("Standard's level")}  # fmt: skip
QUESTION_TYPE_WORDS = {"ladder": _l("ladder of levels"), "single": _l("one choice"), "multiple": _l("several choices"),
                       "yesno": _l("yes or no"), "number": _l("number"), "text": _l("free text")}  # fmt: skip


# A source written in both languages: "<English> / <中文>", as the bundled data files give them (the published
# figures, the demo margins); a source in one language, as an administrator may import it, is shown as it is
BILINGUAL_SEPARATOR = " / "
_HAN = re.compile("[\u4e00-\u9fff]")


def describe_source(source: str, lang: str) -> str:
    """A source in the reader's language when it is given in both ("English / 中文"), else as it is."""
    english, separator, chinese = source.rpartition(BILINGUAL_SEPARATOR)
    if not separator or not _HAN.search(chinese) or _HAN.search(english):
        return source
    return chinese if lang == "zh" else english


def describe_kind(kind: str) -> str:
    """A kind of scoring-tree node in words."""
    return str(KIND_WORDS[kind])


def describe_question_type(question_type: str) -> str:
    """A question type in words."""
    return str(QUESTION_TYPE_WORDS[question_type])


def describe_rule(rule: str) -> str:
    """A scoring rule in words ("weighted mean of its inputs"), never its name in the file."""
    return str(RULE_WORDS[rule])


def describe_status(status: str) -> str:
    """A stored status in the reader's words; an unknown one as it is, rather than nothing."""
    return str(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def describe_questionnaire(questionnaire, lang: str) -> str:
    """A questionnaire version by its title in the reader's language and its version, never its file id."""
    return _("%(title)s, version %(version)s", title=questionnaire.definition.title.get(lang),
             version=questionnaire.version)  # fmt: skip


def describe_answer(question, answer: Answer | None, lang: str) -> str:
    """An answer as a respondent would say it: the level's descriptor, the option's label, the number and unit."""
    if answer is None:
        return _("Not answered")
    if answer == NOT_APPLICABLE:
        return _("Not applicable")
    if question.type == "ladder":
        return _("Level %(level)s: %(text)s", level=answer, text=question.levels[answer].get(lang))
    if question.type == "single":
        return next(option.label.get(lang) for option in question.options if option.id == answer)
    if question.type == "multiple":
        labels = [option.label.get(lang) for option in question.options if option.id in answer]
        return "; ".join(labels) if labels else _("None of these")
    if question.type == "yesno":
        return _("Yes") if answer else _("No")
    if question.type == "number":
        return f"{format_number(answer)} {question.unit.get(lang)}"
    return str(answer)


def format_number(value: float) -> str:
    """A number without a trailing '.0'."""
    return f"{value:g}" if value != int(value) else str(int(value))


def format_score(value: float | None, digits: int = 2) -> str:
    """A score for display; a dash when not applicable."""
    return "—" if value is None else f"{value:.{digits}f}"


def describe_cohort(cohort: Cohort, lang: str) -> str:
    """A cohort as a reader would name it: region, industry scope, size scope and period."""
    regions = load_regions()
    region = " / ".join(r.name(lang) for r in regions.path(cohort.region_code)[1:]) or regions.country.name(lang)
    if cohort.industry == ALL:
        industry = _("all manufacturing")
    elif cohort.industry in INDUSTRY_TYPE_LABELS:
        industry = _("%(type)s industries", type=INDUSTRY_TYPE_LABELS[cohort.industry][lang].lower())
    else:
        industry = f"{cohort.industry} {load_industries()[cohort.industry].name(lang)}"
    size = _("all sizes") if cohort.size == ALL else SIZE_LABELS[cohort.size][lang].lower()
    return f"{region} · {industry} · {size} · {cohort.period}"


def format_share(share: float) -> str:
    """A share (0-1) as a percentage with at most one decimal: 0.63 → '63 %', 0.389 → '38.9 %'."""
    return f"{share * 100:.1f}".removesuffix(".0") + " %"


def describe_standing(standing, lang: str) -> str:
    """"Self-declared" or "Verified by <name> (<organisation>), <date>" for a `storage.verification.Standing`, as
    the results page, the PDF report and the exports say it."""
    if not standing.verified:
        return _("Self-declared")
    name = standing.reviewer_name
    organisation = standing.reviewer_organisation
    if standing.reviewer_role == "agency" and organisation:
        regions = load_regions()
        region = regions.get(organisation).name(lang) if organisation in regions else organisation
        organisation = _("Agency of %(region)s", region=region)
    if organisation:
        name = f"{name} ({organisation})"
    return _("Verified by %(name)s, %(date)s", name=name, date=standing.decided_at.strftime("%Y-%m-%d"))

"""What a report is printed with, shared by the roadmap page and report batches: the report form (language and
branding), a consultant's saved branding, and the plan settings read from a query or a form."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from assessment.roadmap import Settings, Target
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import GOALS, PARADIGMS, paradigm_name
from reports.enterprise_report import TARGET_NAMES
from reports.logo import MAX_BYTES


class ReportForm(FlaskForm):
    """The PDF download: language and optional branding (settings of the plan come along as hidden fields)."""

    language = SelectField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("zh", "中文")])
    brand_name = StringField(_l("Prepared by (optional)"), validators=[Optional(), Length(max=120)])
    brand_colour = StringField(
        _l("Brand colour"),
        default="#2f6f9f",
        validators=[Optional(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use the form #2f6f9f."))],
    )
    brand_logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB; optional)"))


def logo_upload(upload: FileStorage | None) -> bytes | None:
    """The bytes of an uploaded logo, read no further than one byte past the limit (`Branding` refuses it then)."""
    return upload.read(MAX_BYTES + 1) if isinstance(upload, FileStorage) else None


def saved_branding() -> dict:
    """A signed-in consultant's saved branding, as the report form's defaults."""
    if current_user.is_authenticated and current_user.role == "consultant":
        return {"brand_name": current_user.brand_name, "brand_colour": current_user.brand_colour}
    return {}


def saved_logo() -> bytes | None:
    """A signed-in consultant's saved logo, printed when no other is uploaded."""
    if current_user.is_authenticated and current_user.role == "consultant":
        return current_user.brand_logo
    return None


def target_choices(lang: str) -> list[tuple[str, str]]:
    """The targets a dimension can take, as (value, label)."""
    choices = [(kind, TARGET_NAMES[kind]()) for kind in ("next_level", "upper_quartile", "best_in_class")]
    choices += [(f"paradigm:{p}", _("reach %(paradigm)s", paradigm=paradigm_name(p, lang))) for p in PARADIGMS]
    return choices


def settings_from(values: MultiDict, questionnaire: Questionnaire) -> tuple[Settings, list[str]]:
    """The plan settings in a query or form: `target`, `target_<dimension>` and any number of `goal`.

    Unknown values are named in the problems and replaced by the default, so the page still shows a plan."""
    problems = []

    def parse(name: str) -> Target | None:
        raw = values.get(name, "")
        if not raw:
            return None
        try:
            return Target.parse(raw)
        except ValueError:
            problems.append(_("%(field)s: '%(value)s' is not a target.", field=name, value=raw))
            return None

    default = parse("target") or Target()
    targets = {}
    for dimension in questionnaire.dimensions:
        chosen = parse(f"target_{dimension.id}")
        if chosen is not None:
            targets[dimension.id] = chosen
    goals = []
    for goal in values.getlist("goal"):
        if goal in GOALS:
            goals.append(goal)
        else:
            problems.append(_("goal: '%(value)s' is not a business goal.", value=goal))
    return Settings(default=default, targets=targets, goals=frozenset(goals)), problems

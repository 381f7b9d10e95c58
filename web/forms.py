"""Forms: the enterprise profile, and one form class per questionnaire version, page and language.

Page forms only carry and render the answers; `assessment.answers.parse_answer` is the one check of an answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from assessment.classifications import INDUSTRY_TYPE_LABELS, load_industries, load_regions
from assessment.profile import EMPLOYEES_MAX, NAME_MAX_LENGTH, REVENUE_MAX
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE

NA_SUFFIX = "__na"  # the "not applicable" tick box of a checklist or number question
LISTED_PROBLEMS = 100  # the problems of an uploaded file a page lists; it says how many more there are


class ProfileForm(FlaskForm):
    """The enterprise profile asked before the questionnaire."""

    name = StringField(_l("Enterprise name"), validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)])
    region = SelectField(_l("Region (province / city)"), validators=[DataRequired()])
    industry = SelectField(_l("Industry (GB/T 4754 manufacturing division)"), validators=[DataRequired()])
    employees = IntegerField(
        _l("Employees"), validators=[InputRequired(), NumberRange(min=0, max=EMPLOYEES_MAX)]
    )
    revenue = DecimalField(
        _l("Annual revenue (million yuan)"), places=2, validators=[InputRequired(), NumberRange(min=0, max=REVENUE_MAX)]
    )

    def fill_choices(self, lang: str) -> None:
        """Region and industry choices in the user's language."""
        self.region.choices = _choices([("", "—")] + load_regions().choices(lang))
        self.industry.choices = _choices([("", "—")] + [
            (code, f"{code} {industry.name(lang)} ({INDUSTRY_TYPE_LABELS[industry.type][lang]})")
            for code, industry in sorted(load_industries().items())
        ])


def _choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class SubmitForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""


class MultiCheckboxField(SelectMultipleField):
    """A checklist rendered as tick boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_form_classes: dict[tuple[str, str, int, str], type[FlaskForm]] = {}


def page_form_class(questionnaire: Questionnaire, page: int, lang: str) -> type[FlaskForm]:
    """The form class of one page (dimension) in one language, built once and cached."""
    key = (questionnaire.id, questionnaire.version, page, lang)
    if key not in _form_classes:
        _form_classes[key] = _build_page_form(questionnaire, page, lang)
    return _form_classes[key]


def _build_page_form(questionnaire: Questionnaire, page: int, lang: str) -> type[FlaskForm]:
    """Fields for every question of a page; required-ness depends on conditions, so the view checks it."""
    na_label = _l("Not applicable")
    attributes = {}
    for question in questionnaire.dimensions[page].questions:
        label = question.text.get(lang)
        na = [(NOT_APPLICABLE, na_label)] if question.not_applicable else []
        if question.type == "ladder":
            choices = [(str(level), text.get(lang)) for level, text in enumerate(question.levels)]
            attributes[question.id] = RadioField(label, choices=_choices(choices + na), validate_choice=False)
        elif question.type == "single":
            choices = [(option.id, option.label.get(lang)) for option in question.options]
            attributes[question.id] = RadioField(label, choices=_choices(choices + na), validate_choice=False)
        elif question.type == "yesno":
            choices = [("yes", _l("Yes")), ("no", _l("No"))]
            attributes[question.id] = RadioField(label, choices=_choices(choices + na), validate_choice=False)
        elif question.type == "multiple":
            choices = [(option.id, option.label.get(lang)) for option in question.options]
            attributes[question.id] = MultiCheckboxField(label, choices=_choices(choices), validate_choice=False)
        elif question.type == "number":
            attributes[question.id] = StringField(label)
        else:
            attributes[question.id] = TextAreaField(label)
        if question.not_applicable and question.type in ("multiple", "number"):
            attributes[question.id + NA_SUFFIX] = BooleanField(na_label)
    return type(f"Page{page}Form", (FlaskForm,), attributes)

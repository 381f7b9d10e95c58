"""Languages: Flask-Babel for interface strings, the questionnaire's own texts for content."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, Domain, _get_current_context, get_locale, get_translations, refresh
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from werkzeug.utils import cached_property

from assessment.classifications import INDUSTRY_TYPE_LABELS
from questionnaires.vocabulary import paradigm_name
from reports.display import (
    describe_kind,
    describe_question_type,
    describe_questionnaire,
    describe_rule,
    describe_source,
    describe_status,
)


def select_locale() -> str:
    """The user's chosen language, else the language of the assessment opened (its resume link opens in the language
    it was answered in, in any browser), else the browser's preference, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line and background work: English unless forced
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if g.get("assessment_language") in languages:
        return g.assessment_language
    return request.accept_languages.best_match(languages) or languages[0]


def use_assessment_language(language: str | None) -> None:
    """Speak the language of the assessment this request opened, unless the visitor chose one explicitly."""
    g.assessment_language = language
    refresh()  # a string translated before the assessment was opened must not fix the language


def current_language() -> str:
    """The language of the current request: 'en' or 'zh'."""
    return str(get_locale().language) if get_locale() else "en"


class RequestDomain(Domain):
    """The interface's message domain, its catalog for the request's language found once per request: flask_babel
    otherwise looks up the locale and the catalog again on every gettext call, hundreds of times a page."""

    def get_translations(self):
        """The catalog of the current request's language, kept on flask_babel's per-request namespace under the
        name its refresh() and force_locale() already clear, so a language chosen mid-request still wins."""
        context = _get_current_context()
        if context is None:  # no app context: flask_babel's untranslated catalog
            return super().get_translations()
        translations = getattr(context, "babel_translations", None)
        if translations is None:
            translations = context.babel_translations = super().get_translations()
        return translations


class RequestBabel(Babel):
    """Flask-Babel with the request-cached message domain; `gettext as _` call sites get the cache unchanged."""

    @cached_property
    def domain_instance(self) -> RequestDomain:
        return RequestDomain(domain=self.domain)


def request_translations():
    """The current request's catalog: one lookup on the per-request namespace once it is found."""
    context = _get_current_context()
    translations = getattr(context, "babel_translations", None) if context is not None else None
    return translations if translations is not None else get_translations()


# Templates' translation functions take the evaluation context only: Jinja's own newstyle wrappers take the whole
# template context, and Jinja copies that context for every such call made inside a loop or a block that sets a
# variable (thousands of copies on the agencies' table). The semantics are Jinja's newstyle ones, unchanged: the
# translation is trusted markup when autoescaping is on, and always %-formatted with the keyword arguments, which
# Markup's % escapes.


def _newstyle(eval_context: EvalContext, translated: str, variables: dict) -> str:
    """A translation as Jinja's newstyle gettext returns it."""
    if eval_context.autoescape:
        translated = Markup(translated)
    return translated % variables


@pass_eval_context
def template_gettext(eval_context: EvalContext, string: str, /, **variables) -> str:
    """`_()` and `gettext()` in templates."""
    return _newstyle(eval_context, request_translations().ugettext(string), variables)


@pass_eval_context
def template_ngettext(eval_context: EvalContext, singular: str, plural: str, num: int, /, **variables) -> str:
    """`ngettext()` in templates; `num` is a variable of the message too."""
    variables.setdefault("num", num)
    return _newstyle(eval_context, request_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def template_pgettext(eval_context: EvalContext, context: str, string: str, /, **variables) -> str:
    """`pgettext()` in templates; `context` is a variable of the message too."""
    variables.setdefault("context", context)
    return _newstyle(eval_context, request_translations().upgettext(context, string), variables)


@pass_eval_context
def template_npgettext(eval_context: EvalContext, context: str, singular: str, plural: str, num: int, /,
                       **variables) -> str:
    """`npgettext()` in templates."""
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _newstyle(eval_context, request_translations().unpgettext(context, singular, plural, num), variables)


def install_template_gettext(app: Flask) -> None:
    """Give templates `_`, gettext, ngettext, pgettext and npgettext over the request's catalog."""
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
                                 pgettext=template_pgettext, npgettext=template_npgettext)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and give templates `lang` and `text(...)` for bilingual content, and the words for rules,
    statuses, node kinds, question types, paradigms, weight profiles and questionnaires (`rule_words`...,
    `questionnaire_name(id, version)`)."""
    RequestBabel(app, locale_selector=select_locale)
    install_template_gettext(app)

    @app.context_processor
    def _language_helpers() -> dict:
        lang = current_language()
        return {"lang": lang, "text": lambda value: value.get(lang) if value is not None else "",
                "rule_words": describe_rule, "status_words": describe_status, "kind_words": describe_kind,
                "question_type_words": describe_question_type, "questionnaire_name": questionnaire_name,
                "paradigm_words": lambda paradigm: paradigm_name(paradigm, lang),
                "profile_words": lambda profile: INDUSTRY_TYPE_LABELS[profile][lang],
                "source_words": lambda source: describe_source(source, lang)}


def questionnaire_name(questionnaire_id: str, version: str) -> str:
    """A stored questionnaire id and version by the questionnaire's title; as stored if the app no longer serves it."""
    questionnaire = current_app.extensions["questionnaires"].get(questionnaire_id, version)
    if questionnaire is None:
        return f"{questionnaire_id} {version}"
    return describe_questionnaire(questionnaire, current_language())

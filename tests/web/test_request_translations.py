"""The interface catalog is found once per request and never outlives it: pages in Chinese and in English rendered
alternately in one process each read in their own language, in templates, in Python and in lazy form labels."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from web.i18n import request_translations


def register_page(app, language: str) -> str:
    """The sign-up page as a visitor whose browser prefers `language` sees it."""
    with app.test_client() as visitor:
        return visitor.get("/account/register", headers={"Accept-Language": language}).get_data(as_text=True)


def test_chinese_and_english_pages_alternate_without_leaking(app):
    # base.html's "Sign in" link (template gettext) and the form's lazy "Your name" / "E-mail" labels, whose catalog
    # entries are 登录, 姓名 and 电子邮箱: a catalog kept past its request would show the first language on both.
    for _round in range(3):
        chinese = register_page(app, "zh")
        english = register_page(app, "en")
        assert ">登录<" in chinese and "姓名" in chinese and "电子邮箱" in chinese
        assert ">Sign in<" not in chinese and "Your name" not in chinese
        assert ">Sign in<" in english and "Your name" in english and "E-mail" in english
        assert ">登录<" not in english and "姓名" not in english and "电子邮箱" not in english


def test_language_switched_mid_request_is_read_at_once(app):
    # force_locale and refresh() (what opening an assessment in its own language calls) drop the cached catalog
    label = lazy_gettext("Your name")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Your name") == "Your name"
        with force_locale("zh"):
            assert gettext("Your name") == "姓名" and str(label) == "姓名"
            assert render_template_string("{{ _('Sections') }}") == "栏目"
        assert gettext("Your name") == "Your name" and str(label) == "Your name"
        assert render_template_string("{{ _('Sections') }}") == "Sections"


def test_catalog_is_looked_up_once_per_request(app):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        first = request_translations()
        assert gettext("Sections") == "栏目"
        assert request_translations() is first
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert request_translations() is not first
        assert gettext("Sections") == "Sections"


def test_template_gettext_keeps_formatting_and_escaping(app):
    # newstyle gettext: keyword arguments %-formatted, the arguments escaped, the message itself trusted
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rendered = render_template_string(
            "{{ ngettext('level %(levels)s in place already', 'levels %(levels)s in place already', 2,"
            " levels='<b>1</b>') }}")
    assert rendered == "levels &lt;b&gt;1&lt;/b&gt; in place already"



# Inside a loop that sets a variable (Jinja passes loop variables to context functions there), with and without
# autoescaping, keyword arguments holding markup, a literal %% and plural forms.
SAMPLES = ("{% for n in [1, 2] %}{% set shown = n %}{{ _('Sign in') }} {{ gettext('Level %(level)s %(name)s: weighted"
           " %% (95 %% interval)', level=shown, name='<i>x</i>') }} {{ ngettext('level %(levels)s in place already',"
           " 'levels %(levels)s in place already', n, levels='<b>' ~ n ~ '</b>') }}|{% endfor %}"
           "{% autoescape false %}{{ _('Sign in') }} {{ gettext('Level %(level)s %(name)s: weighted"
           " %% (95 %% interval)',"
           " level=1, name='<i>x</i>') }}{% endautoescape %}")


def test_template_gettext_renders_as_jinjas_newstyle_gettext(app):
    from flask_babel import get_translations
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        ours = render_template_string(SAMPLES)
        jinjas = app.jinja_env.overlay()
        jinjas.globals = dict(app.jinja_env.globals)
        jinjas.install_gettext_callables(
            gettext=lambda s: get_translations().ugettext(s),
            ngettext=lambda s, p, n: get_translations().ungettext(s, p, n), newstyle=True)
        jinjas.globals["_"] = jinjas.globals["gettext"]
        theirs = jinjas.from_string(SAMPLES).render()
    assert "登录" in ours and "&lt;b&gt;2&lt;/b&gt;" in ours and "<i>x</i>" in ours.split("|")[-1]
    assert ours == theirs


def test_background_work_switches_language_per_job(app):
    # the worker and the command line run many jobs in one app context, each in its own language via force_locale
    with app.app_context():
        assert gettext("Sign in") == "Sign in"
        for language, expected in (("zh", "登录"), ("en", "Sign in"), ("zh", "登录")):
            with force_locale(language):
                assert gettext("Sign in") == expected
                assert render_template_string("{{ _('Sign in') }}") == expected
        assert gettext("Sign in") == "Sign in"

"""The public pages: home, methodology, language switch, and locally served assets."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for

from assessment.classifications import load_regions
from assessment.regional.index import formula_text, load_index_definitions
from assessment.weighting import MAX_WEIGHT_RATIO
from web.catalog import get_catalog, get_questionnaire_or_404
from web.i18n import current_language

bp = Blueprint("site", __name__)


@bp.get("/")
def index():
    """The start page: what the assessments are and where to begin."""
    return render_template("site/index.html", questionnaires=get_catalog().latest())


@bp.get("/methodology/<questionnaire_id>")
def methodology(questionnaire_id: str):
    """Dimensions, levels, rules and weights, generated from the questionnaire file itself."""
    questionnaire = get_questionnaire_or_404(questionnaire_id, request.args.get("version"))
    lang, country = current_language(), load_regions().country
    indices = [(definition, formula_text(definition, lang, reference_name=country.name(lang)))
               for definition in load_index_definitions().values()]
    return render_template("site/methodology.html", q=questionnaire, indices=indices, lang=lang,
                           weight_cap=f"{MAX_WEIGHT_RATIO:g}")


@bp.get("/language/<code>")
def set_language(code: str):
    """Switch the interface language and return to the same page."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        target = url_for("site.index")
    return redirect(target)


@bp.get("/assets/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package, so pages work with no internet."""
    response = Response(_plotly_source(), mimetype="application/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@functools.cache
def _plotly_source() -> str:
    """The plotly.js bundle shipped inside the plotly package, read once per process."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()

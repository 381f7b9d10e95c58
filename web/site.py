"""The public pages: home, methodology, language switch, and locally served assets."""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
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


# plotly.js with only the trace types the charts use (scatter, bar, heatmap, scatterpolar): 1.2 MB rather than the
# plotly package's 4.8 MB, built from the plotly.js release the plotly package carries (README.md says how).
PLOTLY_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly-imready.min.js"
# The URL names the bundle's hash, so a browser may keep it for a year without asking again: a new bundle has a new URL.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """A file served as it is or gzipped, both made once per process; `digest` is the SHA-256 of the file."""

    body: bytes
    gzipped: bytes
    digest: str


@functools.cache
def plotly_asset() -> Asset:
    """The plotly.js bundle, read and compressed once per process."""
    body = PLOTLY_BUNDLE.read_bytes()
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), hashlib.sha256(body).hexdigest())


@bp.app_context_processor
def asset_urls() -> dict:
    """`plotly_url()` for templates/_plotly.html: the bundle's URL with its hash in it."""
    return {"plotly_url": lambda: url_for("site.plotly_js", digest=plotly_asset().digest[:16])}


@bp.get("/assets/plotly-<digest>.min.js")
def plotly_js(digest: str):
    """plotly.js, served by the app so pages work with no internet: gzipped when the browser takes it, with a strong
    ETag of its hash, and cached for good under its hashed URL. A stale hash (a page from before an upgrade) is sent
    on to the current one."""
    asset = plotly_asset()
    if digest != asset.digest[:16]:
        return redirect(url_for("site.plotly_js", digest=asset.digest[:16]))
    zipped = "gzip" in request.accept_encodings
    etag = f"{asset.digest}-gzip" if zipped else asset.digest  # one strong ETag per representation
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(asset.gzipped if zipped else asset.body, mimetype="application/javascript")
        if zipped:
            response.content_encoding = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE
    response.vary.add("Accept-Encoding")
    return response

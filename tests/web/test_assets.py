"""plotly.js and the static files on the wire (web/site.py, web/headers.py): gzipped for browsers that take it, with
ETags so that a browser that has them asks once and gets 304 Not Modified after, plotly.js cached for good under a URL
with its hash in it, and nothing on them a shared cache could hand from one user to another."""

from __future__ import annotations

import gzip
import hashlib
import re

from flask import render_template

from factories import ROOT, sign_in_as
from web.site import PLOTLY_BUNDLE

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def plotly_url(app) -> str:
    """The plotly.js URL chart pages link to (templates/_plotly.html)."""
    with app.test_request_context():
        (url,) = re.findall(r'<script src="(/assets/plotly-[0-9a-f]{16}\.min\.js)"></script>',
                            render_template("_plotly.html"))
    return url


def test_plotly_js_is_the_partial_bundle_gzipped_with_a_strong_etag_and_cached_for_good(app, client):
    bundle = PLOTLY_BUNDLE.read_bytes()
    digest = hashlib.sha256(bundle).hexdigest()
    url = plotly_url(app)
    assert url == f"/assets/plotly-{digest[:16]}.min.js"  # a new bundle gets a new URL
    zipped = client.get(url, headers=GZIP)
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == bundle
    # the partial bundle is a quarter of the full one, and gzip takes two thirds of it off again
    assert len(bundle) < 1_400_000 and len(zipped.data) < 0.4 * len(bundle)
    assert zipped.headers["ETag"] == f'"{digest}-gzip"'  # strong: the hash of the file, one per encoding
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.data == bundle and "Content-Encoding" not in plain.headers and plain.headers["ETag"] == f'"{digest}"'
    again = client.get(url, headers={**GZIP, "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # a page from before an upgrade asks for the old hash and is sent on to the current bundle
    stale = client.get("/assets/plotly-0123456789abcdef.min.js")
    assert stale.status_code == 302 and stale.headers["Location"] == url


def test_a_signed_in_users_assets_carry_no_cookie_a_shared_cache_could_keep(app):
    """The attack: a shared cache (a company proxy) keeps the public, year-long plotly.js response; if it carried the
    user's session cookie, the next user of the proxy would be handed that session. Neither the asset nor a static
    file sets a cookie or varies by one, so one cached copy serves everybody."""
    sign_in_as(app, "agency", jurisdiction="100000")
    client = app.test_client()
    url = plotly_url(app)
    for path in (url, "/static/css/app.css", "/static/js/charts.js"):
        with client.get(path, headers=GZIP) as response:
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers
            assert "Cookie" not in response.headers.get("Vary", "")
    with client.get("/workspace/") as page:  # a page does vary by the cookie: whose page it is depends on it
        assert "Cookie" in page.headers["Vary"]


def test_static_files_are_gzipped_and_revalidate_to_304(client):
    css = (ROOT / "static" / "css" / "app.css").read_bytes()
    with client.get("/static/css/app.css", headers=GZIP) as zipped:
        assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == css
        assert zipped.headers["ETag"].startswith('W/"')  # weak: the bytes are the file's gzipped
        assert "Accept-Encoding" in zipped.headers["Vary"]
    with client.get("/static/css/app.css", headers={**GZIP, "If-None-Match": zipped.headers["ETag"]}) as again:
        assert again.status_code == 304
    # a browser that takes no gzip gets the file as it is
    for headers in ({}, {"Accept-Encoding": "br"}):
        with client.get("/static/css/app.css", headers=headers) as plain:
            assert plain.data == css and "Content-Encoding" not in plain.headers

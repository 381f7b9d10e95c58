"""Security headers on every response: what a page may load and run, who may frame it, what the browser may guess,
and what a link to elsewhere tells the other site. And our static files gzipped for browsers that take it.

Pages carry no inline script, event-handler attribute or style attribute: every script is a file under static/
(plotly.js is served by the app) and plotly.js's own styles come from static/css/plotly.css (templates/_plotly.html),
so the Content-Security-Policy lets scripts and styles come from this site only.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

# The one inline style allowed: an empty style attribute, which plotly.js sets on the fills of a colour bar.
EMPTY_STYLE = "sha256-" + base64.b64encode(hashlib.sha256(b"").digest()).decode()
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"style-src-attr 'unsafe-hashes' '{EMPTY_STYLE}'",
        # plotly.js draws a chart into a blob: image to download it as PNG, and a heatmap as a data: PNG image
        "img-src 'self' blob: data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


# What is worth gzipping among the static files (text; images and fonts are compressed already).
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                          "application/json", "text/plain"})
GZIP_LEVEL = 9  # each file is compressed once per process (gzipped_static), so the smallest output is worth it
ASSET_ENDPOINTS = frozenset({"static", "site.plotly_js"})  # the same for every user, and cached by browsers and proxies


def init_app(app: Flask) -> None:
    """Add the security headers to every response, gzip static files, and keep the session off assets."""
    app.after_request(add_security_headers)
    app.after_request(gzip_static)
    app.session_interface = AssetFreeSessionInterface()


class AssetFreeSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that assets neither set the cookie nor vary by it (Flask-Login looks at
    the session after every request, which would add `Vary: Cookie`): one cached copy of each serves every user,
    and a shared cache never keeps a user's cookie with it."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.endpoint in ASSET_ENDPOINTS:
            return
        super().save_session(app, session, response)


def add_security_headers(response: Response) -> Response:
    """Set each security header a view has not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def gzip_static(response: Response) -> Response:
    """A static file (Flask's `static` view) gzipped when the browser takes it. Its ETag becomes weak, as the bytes
    differ from the file's while the content is the same; the static view compares ETags weakly, so a browser's
    revalidation still gets 304 Not Modified."""
    if (request.endpoint != "static" or response.status_code != 200 or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.accept_encodings or response.content_encoding):  # fmt: skip
        return response
    etag, _weak = response.get_etag()
    stream = response.response  # the static view streams the file: read it, close it, send it compressed
    response.direct_passthrough = False
    body = response.get_data()
    if hasattr(stream, "close"):
        stream.close()
    response.set_data(gzipped_static(body))
    response.content_encoding = "gzip"
    response.vary.add("Accept-Encoding")
    if etag:
        response.set_etag(etag, weak=True)
    return response


@functools.lru_cache(maxsize=64)
def gzipped_static(body: bytes) -> bytes:
    """A static file's body gzipped, kept by its content: each file is compressed once a process."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)

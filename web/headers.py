"""Security headers on every response: what a page may load and run, who may frame it, what the browser may guess,
and what a link to elsewhere tells the other site.

Pages carry no inline script, event-handler attribute or style attribute: every script is a file under static/
(plotly.js is served by the app) and plotly.js's own styles come from static/css/plotly.css (templates/_plotly.html),
so the Content-Security-Policy lets scripts and styles come from this site only.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response

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


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set each security header a view has not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response

"""Security headers on every response (web/headers.py), and templates that need nothing the policy refuses: no
inline script, event-handler attribute, style attribute or javascript: link. That the pages then work in a real
browser is tests/browser/test_content_security_policy_browser.py; the Server header is tests/test_production.py."""

from __future__ import annotations

import re

import pytest

from factories import ROOT, csrf_token, sign_in_as
from web.headers import SECURITY_HEADERS
from web.site import plotly_asset

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
PRINTED = {"reports/enterprise.html", "reports/regional.html"}  # printed to PDF by WeasyPrint, never served


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy, directive by directive."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_every_kind_of_response_carries_the_security_headers(app, client, survey):
    """The attacks: frame a page to trick clicks on it (clickjacking); run a script slipped into a page, or loaded
    from elsewhere; have the browser take an upload for HTML (MIME sniffing); read secret resume links from the
    Referer a linked site receives."""
    token = survey.start()
    form_token = csrf_token(client.get("/account/sign-in").text)
    app.config["SIGN_IN_LIMIT"] = "1 per minute"
    guesses = [client.post("/account/sign-in", data={"csrf_token": form_token, "email": "a@example.org",
                                                     "password": "guess"}) for _ in range(2)]  # fmt: skip
    responses = {
        "page": client.get("/"),
        "survey page": client.get(f"/a/{token}/page/1"),
        "redirect": client.get("/workspace/"),
        "static file": client.get("/static/css/app.css"),
        "plotly.js": client.get(f"/assets/plotly-{plotly_asset().digest[:16]}.min.js"),
        "not found": client.get("/no/such/page"),
        "refused form": client.post("/account/sign-in", data={"csrf_token": "forged"}),
        "too many attempts": guesses[-1],
        "API": client.get("/api/v1/questionnaires"),
        "API description": client.get("/api/v1/openapi.json"),
    }
    assert responses["too many attempts"].status_code == 429
    for kind, response in responses.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (kind, name)
        response.close()


def test_the_policy_lets_scripts_and_styles_come_from_this_site_only(client):
    directives = policy(client.get("/"))
    assert directives["default-src"] == directives["script-src"] == directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == directives["form-action"] == ["'self'"]
    # the one exception: the empty style attribute plotly.js sets (the SHA-256 of "")
    assert directives["style-src-attr"] == ["'unsafe-hashes'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"]
    assert not any("unsafe-inline" in source or "unsafe-eval" in source or source in ("*", "http:", "https:")
                   for sources in directives.values() for source in sources)  # fmt: skip
    # images may also be blob: and data: (plotly.js's PNG download and its heatmaps); nothing else may
    assert directives["img-src"] == ["'self'", "blob:", "data:"]
    assert not any("data:" in source for name, sources in directives.items() if name != "img-src" for source in sources)


def test_signed_in_pages_carry_them_too(app):
    sign_in_as(app, "admin")
    response = app.test_client().get("/admin/users")
    assert response.status_code == 200 and response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_templates_hold_no_inline_script_handler_or_style(template):
    html = template.read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []  # every script is a file under static/
    assert re.findall(r"<[^>]*\son[a-z]+\s*=", html) == []  # onclick=, onchange=, ...
    assert re.findall(r"<[^>]*\sstyle\s*=", html) == []
    assert "javascript:" not in html.lower()
    assert "<style" not in html or str(template.relative_to(ROOT / "templates")) in PRINTED

"""Absolute links to the app (in mails, and the resume link a page shows to be kept), built from the configured
`BASE_URL`, never from the request's Host header: a request sent with `Host: evil.example` must not make the app
mail a link to evil.example."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    """Offer `external_url` to templates."""
    app.add_template_global(external_url)


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint (its full name, e.g. "accounts.reset") under BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


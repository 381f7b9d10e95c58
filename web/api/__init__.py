"""The JSON API under /api/v1, authenticated by token (`Authorization: Bearer <token>`), described by the OpenAPI
document it serves at /api/v1/openapi.json.

Register `bp` with the other blueprints and call `init_app(app)` after `CSRFProtect(app)`: it exempts the API from
CSRF (no cookies: a token is sent on purpose, a browser never sends one by itself), answers unknown URLs and
methods under /api/v1 in JSON. Tokens are made by `flask users token EMAIL --name NAME` (cli/users.py).
"""

from __future__ import annotations

from flask import Flask

# each area's operations register on the blueprint when imported, in the order the OpenAPI document lists them
from web.api import openapi, questionnaires, enterprises, assessments, statistics  # noqa: F401  # isort: skip
from web.api.core import bp, routing_error

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Exempt the API from CSRF and answer its routing errors in JSON."""
    app.extensions["csrf"].exempt(bp)
    app.before_request(routing_error)

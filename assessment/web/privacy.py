"""An enterprise's rights over its data: benchmark consent, export of everything, deletion."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/workspace/enterprise")

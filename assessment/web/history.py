"""An enterprise's history: its assessments over time and the change between any two (T0 to T1)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/workspace/history")

"""Checks of every page request before a view sees it: text the database cannot store is refused."""

from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_babel import gettext as _


def init_app(app: Flask) -> None:
    """Run the checks before every request."""
    app.before_request(refuse_nul_characters)


def refuse_nul_characters():
    """Refuse a page request whose address, query or form holds a NUL character, before any view stores or looks
    it up: no one types one, PostgreSQL cannot hold one in text, and SQLite would keep it as garbage.

    A path with one names nothing (404); a query or form value, or a file name, gets a page naming the field (400).
    The JSON API answers for its own requests."""
    if request.blueprint == "api":
        return None
    if any("\x00" in str(value) for value in (request.view_args or {}).values()):
        abort(404)
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                return _refused(name)
    for name, upload in request.files.items(multi=True):
        if "\x00" in name or "\x00" in (upload.filename or ""):
            return _refused(name)
    return None


def _refused(field: str):
    message = _("The field “%(field)s” holds a NUL character (\\0), which no text may contain. Nothing was saved: "
                "please remove it and try again.", field=field.replace("\x00", "\\0"))
    return render_template("errors/400.html", message=message), 400

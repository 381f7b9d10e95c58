"""Error pages: friendly, translated, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import SecurityError

from storage.db import close_session

# How long a respondent is asked to wait before trying again when the database is away (a restart takes seconds).
RETRY_AFTER_SECONDS = 5
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    """Register the error pages."""

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(400)
    def bad_request(_error):
        message = _("The form sent was incomplete or not valid. Please go back, reload the page and try again.")
        return render_template("errors/400.html", message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(_error):
        # a Host header not in TRUSTED_HOSTS: no address can be built for a page, and no person typed it
        return Response("This site is not served under that name.\n", 400, mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        message = _(
            "This form has expired or was not sent from this site. Please go back, reload the page and try again."
        )
        return render_template("errors/400.html", message=message), 400

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("errors/400.html", message=_("The data sent is too large.")), 413

    @app.errorhandler(OperationalError)
    def operational_error(error: OperationalError):
        if not is_unavailable(error):  # a query the database refused: a fault of ours, not a moment to wait out
            current_app.logger.error("database error on %s %s", request.method, request.path, exc_info=error)
            return render_template("errors/500.html"), 500
        return database_unavailable(error)

    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)


def is_unavailable(error: OperationalError) -> bool:
    """Whether an operational error means the database cannot be reached or is busy for now (worth trying again):
    a lost or refused connection, a server shutting down or overloaded, a locked SQLite file."""
    if error.connection_invalidated:
        return True
    original = error.orig
    if type(original).__module__.startswith("psycopg"):
        return True  # psycopg's operational errors are connection, shutdown, resource and cancellation errors
    message = str(original).lower()
    return any(words in message for words in ("database is locked", "database is busy", "unable to open database"))


def database_unavailable(error: Exception):
    """The database could not be reached (restarting, overloaded, locked): say so, and offer to send the same form
    again, so that nothing the user typed is lost."""
    current_app.logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
    g.database_unavailable = True  # the page is drawn for an anonymous user: loading the signed-in one needs the DB
    close_session()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = _("The database is not available for a moment, so nothing was saved this time. Please try again in a "
                "few seconds.")
    if request.path.startswith("/api/"):
        body = {"error": {"code": 503, "message": message, "fields": {}}}
        return body, 503, headers
    replay = request.method == "POST" and request.mimetype in FORM_TYPES
    fields = [(name, value) for name, values in request.form.lists() for value in values] if replay else []
    return render_template(
        "errors/503.html", message=message, replay=replay, fields=fields, files=replay and bool(request.files),
        retry_after=RETRY_AFTER_SECONDS,
    ), 503, headers

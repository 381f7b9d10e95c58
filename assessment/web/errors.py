"""Error pages: friendly, translated, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    """Register the error pages."""

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        message = _(
            "This form has expired or was not sent from this site. Please go back, reload the page and try again."
        )
        return render_template("errors/400.html", message=message), 400

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("errors/400.html", message=_("The data sent is too large.")), 413

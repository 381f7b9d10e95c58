"""Who may see what: sign-in (Flask-Login), roles, the limit on sign-in attempts, and the audit log of requests.

Roles: an enterprise user sees its own enterprise's assessments; a consultant its clients'; an agency analyst
aggregates for the regions of its jurisdiction, never a single enterprise; an administrator manages users,
questionnaires and reference data. Each view says which roles it lets in with `role_required`.

A session is signed by the app and kept by the browser, so a copy of its cookie works as long as the app accepts
it. Each session therefore notes the user's session epoch when it signed in, and counts only while the user's epoch
is still that one: signing out and changing the password raise it, which ends every session signed in before.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user

from storage.accounts import audit, end_sessions
from storage.db import get_session
from storage.rate_limits import STORAGE_URI
from storage.tables import User

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
SESSION_EPOCH = "_epoch"  # the session's key for the user's session epoch when it signed in
KEPT_ACROSS_SIGN_IN = ("lang",)  # what a new session keeps of the one before it


def init_app(app: Flask) -> None:
    """Set up sign-in and the attempt limiter."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = None
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Counts are kept in the app's database, which every worker and machine shares (storage/rate_limits.py), unless
    # IMREADY_RATELIMIT_STORAGE_URI names another shared store (redis://...).
    app.config.setdefault("RATELIMIT_STORAGE_URI", STORAGE_URI)
    # When the store cannot be reached, the limiter neither swallows the error (every attempt would pass uncounted)
    # nor counts per worker meanwhile (an attacker would get the limit once per worker again): the error reaches the
    # app's handler, which answers "the database is not available, try again" (503, web/errors.py), as the page
    # itself would, since signing in, registering and resetting all need the database.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", False)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False)
    limiter.init_app(app)
    app.register_error_handler(429, _too_many_requests)


def _too_many_requests(_error):
    message = _("There were too many attempts in a short time. Please wait a while, then try again.")
    return render_template("errors/400.html", message=message), 429


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if g.get("database_unavailable"):  # drawing the "try again" page: no user can be loaded now
        return None
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or flask_session.get(SESSION_EPOCH) != user.session_epoch:
        return None  # gone, deactivated, or a session ended by a sign-out or a new password
    return user


def start_session(user: User) -> None:
    """Start a new session for `user`: nothing of the session before is kept but the language, so a session (and
    CSRF token) planted in the browser beforehand is worth nothing after; the user's epoch is noted in it."""
    _empty_session()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's, from the old secret
    login_user(user)
    flask_session[SESSION_EPOCH] = user.session_epoch


def end_every_session() -> None:
    """End this session and every other session of the signed-in user (a copied cookie included)."""
    if current_user.is_authenticated:
        end_sessions(session=get_session(), user=current_user)
    logout_user()
    _empty_session()


def _empty_session() -> None:
    kept = {key: flask_session[key] for key in KEPT_ACROSS_SIGN_IN if key in flask_session}
    flask_session.clear()
    flask_session.update(kept)


def role_required(*roles: str):
    """Let the view run for signed-in users of these roles; send others to sign in, or answer 403."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.sign_in", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # read by the route-by-role test
        return wrapped

    return decorate


def record(action: str, *, enterprise_id: int | None = None, assessment_id: int | None = None, detail: str = "",
           user: User | None = None):  # fmt: skip
    """Add the current request's user (or `user`, for a request made before signing in) and address to the audit
    log."""
    if user is None and current_user.is_authenticated:
        user = current_user
    audit(session=get_session(), user=user, action=action, enterprise_id=enterprise_id, assessment_id=assessment_id,
          detail=detail, address=request.remote_addr or "")  # fmt: skip


def sign_in_limit() -> str:
    """How many sign-in attempts one address may make (configurable for tests)."""
    return current_app.config.get("SIGN_IN_LIMIT", "10 per minute;100 per day")

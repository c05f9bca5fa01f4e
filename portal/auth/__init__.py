"""Login and logout (Flask-Login), with back-off after repeated failures."""

from __future__ import annotations

import hmac

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


def load_user(session_id: str):
    """The user a session belongs to, if its token is still current (see ``User.get_id``)."""
    from portal.extensions import db
    from portal.models import User

    user_id, _, token = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not token or not hmac.compare_digest(user.session_token, token):
        return None  # an ended session, or a cookie from before session tokens
    return user


def init_app(app) -> None:
    from portal.auth import routes  # noqa: F401  (registers the views on bp)
    from portal.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.register_blueprint(bp)

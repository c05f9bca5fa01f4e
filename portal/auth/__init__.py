"""Login and logout (Flask-Login), with back-off after repeated failures."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app) -> None:
    from portal.auth import routes  # noqa: F401  (registers the views on bp)
    from portal.extensions import db, login_manager
    from portal.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    app.register_blueprint(bp)

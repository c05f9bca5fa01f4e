"""App-wide error pages that roll back the session and never show a stack trace."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError

from portal.extensions import db


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "Your form expired or was sent from another site. Go back, reload the page and try again."
        return render_template("error.html", title="Form refused", message=message), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("error.html", title="Not allowed", message="You cannot open this page."), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title="Not found", message="Nothing is here."), 404

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        message = "Something went wrong on our side. It has been logged; try again in a minute."
        return render_template("error.html", title="Error", message=message), 500

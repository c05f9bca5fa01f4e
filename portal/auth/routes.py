from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm
from portal.auth.service import LoginLimits, authenticate
from portal.extensions import db


def _safe_next(target: str | None) -> str:
    """Only follow relative ``next`` targets, never another host."""
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limits = LoginLimits.from_config(current_app.config)
        result = authenticate(form.email.data, form.password.data, request.remote_addr or "", limits)
        if result.user:
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        flash(result.error, "error")
        status = result.status
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()  # a copy of the cookie made before now stops working too
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))

"""Login, logout, location choice and the redirects of OpenBoxes' SecurityInterceptor."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from sandbox.openboxes.http import html_response, is_ajax, json_response, ob_error, redirect_to, text_response
from sandbox.openboxes.state import Session, State

bp = Blueprint("ob_auth", __name__)
OPEN_PATHS = ("/openboxes/api/login", "/openboxes/api/logout", "/openboxes/api/status")
OPEN_PREFIXES = ("/openboxes/errors/", "/openboxes/auth/")
LOGIN_FORM = (
    '<form method="post" action="/openboxes/auth/handleLogin"><input name="username">'
    '<input name="password" type="password"><button>Login</button></form>'
)


def current_state() -> State:
    """The sandbox state of the running app."""
    return current_app.extensions["openboxes_sandbox"]


def find_user(state: State, login: str | None) -> dict | None:
    """User.findByUsernameOrEmail."""
    for user in state.store.all("user"):
        if login and login in (user["id"], user["email"]):
            return user
    return None


def security_check() -> Response | None:
    """Reject requests without a live session: 302 to handleUnauthorized (ajax) or to the login page."""
    path = request.path
    if request.url_rule is None or not path.startswith("/openboxes/"):
        return None
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    state = current_state()
    session = state.sessions.touch(request.cookies.get("JSESSIONID"))
    user = state.store.get("user", session.username) if session else None
    if session is None or user is None or not user["active"]:
        state.sessions.drop(session.id if session else None)
        return redirect_to("/openboxes/errors/handleUnauthorized" if is_ajax() else "/openboxes/auth/login")
    location = state.store.get("location", session.location_id)
    if location is None or not location["active"]:
        # A disabled location is silently dropped from the session.
        session.location_id = None
    g.ob_session, g.ob_user = session, user
    return None


def session_location(state: State) -> dict | None:
    """The location chosen for the current session, if any."""
    session: Session = g.ob_session
    return state.store.get("location", session.location_id)


@bp.route("/openboxes/api/login", methods=["GET", "POST", "PUT"])
def login() -> Response:
    """ApiController.login: JSON credentials → plain-text answer and a JSESSIONID cookie."""
    state = current_state()
    credentials = request.get_json(silent=True) or {}
    user = find_user(state, credentials.get("username"))
    if user is None or user["password"] != credentials.get("password"):
        return text_response("Authentication failed", 401)
    # The location is not validated: an unknown id just leaves the session without one.
    location = state.store.get("location", credentials.get("location"))
    session = state.sessions.create(user["id"], location["id"] if location else None)
    response = text_response("Authentication was successful")
    response.set_cookie("JSESSIONID", session.id, path="/openboxes", httponly=True)
    return response


@bp.route("/openboxes/api/logout", methods=["GET", "POST"])
def logout() -> Response:
    """Invalidate the session."""
    current_state().sessions.drop(request.cookies.get("JSESSIONID"))
    return text_response("Logout was successful")


@bp.route("/openboxes/api/chooseLocation/<location_id>", methods=["GET", "POST"])
def choose_location(location_id: str) -> Response:
    """Set the session's location; an unknown id is an ObjectNotFoundException (404)."""
    state = current_state()
    location = state.store.get("location", location_id)
    if location is None:
        return ob_error(404, f"No Location found with ID {location_id}")
    g.ob_session.location_id = location_id
    user = g.ob_user
    return text_response(f"User {user['firstName']} {user['lastName']} is now logged into {location['name']}")


@bp.get("/openboxes/api/status")
def status() -> Response:
    """Health check (no session needed)."""
    return json_response({"status": "OK", "database": {"status": True, "message": "Database is available"}})


@bp.route("/openboxes/errors/handleUnauthorized", methods=["GET", "POST"])
def handle_unauthorized() -> Response:
    """Where ajax requests without a session are redirected."""
    return ob_error(401, "Unauthorized user: null")


@bp.route("/openboxes/errors/handleForbidden", methods=["GET", "POST"])
def handle_forbidden() -> Response:
    """Where requests lacking a role are redirected."""
    return ob_error(403, "Access denied")


@bp.get("/openboxes/auth/login")
def login_page() -> Response:
    """The HTML login page (status 200, a trap for clients that follow redirects)."""
    return html_response("Login", LOGIN_FORM)


@bp.get("/openboxes/dashboard/chooseLocation")
def choose_location_page() -> Response:
    """Where non-API pages send sessions without a location."""
    return html_response("Choose location", "<p>Please choose a location.</p>")

from portal.models import User
from tests.conftest import CSRF_RE


def test_login_page_renders_with_csrf_token(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    assert CSRF_RE.search(page.get_data(as_text=True))


def test_console_redirects_anonymous_visitors_to_login(client):
    response = client.get("/admin/activity/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_tenant_admin_logs_in_and_sees_the_console(two_tenants, client, auth):
    response = auth.login("admin@acme.test")
    assert response.status_code == 302
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "admin@acme.test" in home.get_data(as_text=True)


def test_login_sets_httponly_lax_session_cookie(two_tenants, client, auth):
    response = auth.login("admin@acme.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_wrong_password_is_refused(two_tenants, client, auth):
    response = auth.login("admin@acme.test", "wrong password!")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/admin/activity/").status_code == 302


def test_repeated_failures_lock_the_account(two_tenants, client, auth, app, db):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("admin@acme.test", "wrong password!")
    response = auth.login("admin@acme.test")  # right password, but locked
    assert response.status_code == 401
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(email="admin@acme.test")).locked_until is not None


def test_inactive_user_cannot_log_in(two_tenants, auth, db):
    two_tenants["users"]["acme"].active = False
    db.session.commit()
    assert auth.login("admin@acme.test").status_code == 401


def test_post_without_csrf_token_is_refused(two_tenants, client, auth):
    auth.login("admin@acme.test")
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert "Form refused" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # still signed in


def test_login_without_csrf_token_is_refused(two_tenants, client):
    response = client.post("/auth/login", data={"email": "admin@acme.test", "password": "x"})
    assert response.status_code == 400


def test_logout_with_token_signs_out(two_tenants, client, auth):
    auth.login("admin@acme.test")
    assert auth.logout().status_code == 302
    assert client.get("/admin/").status_code == 302


def test_next_parameter_never_leaves_the_site(two_tenants, client):
    page = client.get("/auth/login?next=https://evil.example/")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    data = {"email": "admin@acme.test", "password": "correct horse battery", "csrf_token": token}
    response = client.post("/auth/login?next=https://evil.example/", data=data)
    assert response.headers["Location"].endswith("/admin/")

"""Login, sessions, redirects for missing sessions, logout, status and app context."""

from __future__ import annotations

import pytest
import requests


def test_login_answers_200_plain_text_and_sets_jsessionid_cookie_on_openboxes_path(sandbox):
    body = {"username": "admin", "password": "password", "location": sandbox.info()["facilityId"]}
    response = requests.post(sandbox.api("/login"), json=body, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "Authentication was successful"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("JSESSIONID=")
    assert "Path=/openboxes" in cookie


def test_login_accepts_the_email_address_as_username(sandbox):
    http = sandbox.login(username="admin@example.org")
    assert http.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 200


def test_login_with_wrong_password_answers_401_plain_text(sandbox):
    body = {"username": "admin", "password": "wrong"}
    response = requests.post(sandbox.api("/login"), json=body, timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "Authentication failed"
    assert "Set-Cookie" not in response.headers


def test_login_with_unknown_location_succeeds_without_a_session_location(sandbox):
    http = sandbox.login(location="no-such-location")
    response = http.get(sandbox.api("/getAppContext"), allow_redirects=False)
    assert response.status_code == 500
    assert response.json()["errorCode"] == 500


def test_request_without_session_and_json_accept_redirects_to_handle_unauthorized(sandbox):
    response = requests.get(
        sandbox.api("/products"), headers={"Accept": "application/json"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/openboxes/errors/handleUnauthorized")


@pytest.mark.parametrize(
    "header",
    [{"Content-Type": "application/json"}, {"X-Requested-With": "XMLHttpRequest"}],
    ids=["json-content-type", "xhr-header"],
)
def test_other_ajax_signals_also_get_the_unauthorized_redirect(sandbox, header):
    response = requests.get(sandbox.api("/products"), headers=header, allow_redirects=False, timeout=10)
    assert response.headers["Location"].endswith("/openboxes/errors/handleUnauthorized")


def test_handle_unauthorized_answers_401_with_json_error(sandbox):
    response = requests.get(sandbox.api("/products"), headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"errorCode": 401, "errorMessage": "Unauthorized user: null"}


def test_request_without_session_or_json_headers_redirects_to_the_html_login_page(sandbox):
    response = requests.get(sandbox.api("/products"), allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/openboxes/auth/login")
    followed = requests.get(sandbox.api("/products"), timeout=10)
    assert followed.status_code == 200
    assert followed.headers["Content-Type"].startswith("text/html")


def test_session_expires_after_the_idle_timeout(start_sandbox):
    sandbox = start_sandbox(session_timeout=60)
    http = sandbox.login()
    sandbox.control("POST", "/clock", {"advance": 61})
    response = http.get(sandbox.api("/products?max=1"), allow_redirects=False)
    assert response.status_code == 302
    assert "/errors/handleUnauthorized" in response.headers["Location"]


def test_each_request_restarts_the_idle_timer(start_sandbox):
    sandbox = start_sandbox(session_timeout=60)
    http = sandbox.login()
    for _ in range(3):
        sandbox.control("POST", "/clock", {"advance": 40})
        assert http.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 200


def test_sessions_do_not_survive_a_restart_but_state_file_records_do(start_sandbox, tmp_path):
    state_file = str(tmp_path / "ob.sqlite")
    first = start_sandbox(state_path=state_file)
    http = first.login()
    product = first.control("POST", "/products", {"name": "Survivor", "productCode": "SURV-1"}).json()
    cookie = http.cookies["JSESSIONID"]
    first.close()
    second = start_sandbox(state_path=state_file)
    stale = requests.get(
        second.api("/products?max=1"),
        cookies={"JSESSIONID": cookie},
        headers={"Accept": "application/json"},
        allow_redirects=False,
        timeout=10,
    )
    assert stale.status_code == 302
    fresh = second.login()
    assert fresh.get(second.api(f"/products/{product['id']}")).json()["data"]["name"] == "Survivor"


def test_logout_invalidates_the_session(sandbox, ob):
    response = ob.post(sandbox.api("/logout"))
    assert response.status_code == 200
    assert response.text == "Logout was successful"
    assert ob.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 302


def test_control_api_can_expire_all_sessions(sandbox, ob):
    assert sandbox.control("POST", "/sessions/expire").json()["expired"] == 1
    assert ob.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 302


def test_control_api_can_expire_one_session_by_its_id(sandbox):
    doomed, kept = sandbox.login(), sandbox.login()
    response = sandbox.control("POST", "/sessions/expire", {"sessionId": doomed.cookies["JSESSIONID"]})
    assert response.json()["expired"] == 1
    assert doomed.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 302
    assert kept.get(sandbox.api("/products?max=1"), allow_redirects=False).status_code == 200


def test_inactive_user_can_log_in_but_the_next_request_is_rejected(sandbox):
    http = sandbox.login(username="inactive")
    response = http.get(sandbox.api("/products?max=1"), allow_redirects=False)
    assert response.status_code == 302


def test_status_answers_ok_without_a_session(sandbox):
    response = requests.get(sandbox.api("/status"), timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "status": "OK",
        "database": {"status": True, "message": "Database is available"},
    }


def test_get_app_context_reports_version_currency_and_timezone(start_sandbox):
    sandbox = start_sandbox(timezone="Africa/Kigali")
    data = sandbox.login().get(sandbox.api("/getAppContext")).json()["data"]
    assert data["appVersion"].startswith("0.9.")
    assert data["currencyCode"] == "USD"
    assert data["timezone"] == "Africa/Kigali"
    assert data["location"]["id"] == sandbox.info()["facilityId"]


def test_choose_location_sets_the_session_location(sandbox):
    http = sandbox.login(location=None)
    facility = sandbox.info()["facilityId"]
    response = http.post(sandbox.api(f"/chooseLocation/{facility}"))
    assert response.status_code == 200
    assert response.text == "User Jane Doe is now logged into Main Warehouse"
    assert http.get(sandbox.api("/getAppContext")).status_code == 200


def test_choose_location_with_unknown_id_answers_404(sandbox, ob):
    response = ob.post(sandbox.api("/chooseLocation/nope"))
    assert response.status_code == 404
    assert response.json()["errorCode"] == 404


def test_unknown_route_answers_404_json_for_ajax_requests(sandbox, ob):
    response = ob.get(sandbox.url + "/openboxes/api/noSuchThing/1/2/3")
    assert response.status_code == 404
    assert response.json() == {"errorCode": 404, "errorMessage": "Resource not found"}

"""Intuit OAuth 2: consent page, code exchange, refresh rotation, 401/403 bodies, revoke."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth2Session

from .conftest import CLIENT_ID, CLIENT_SECRET, ESSENTIALS, PLUS, REDIRECT_URI, Api

SCOPE = "com.intuit.quickbooks.accounting"
AUTH = (CLIENT_ID, CLIENT_SECRET)


def authorize_params(**overrides) -> dict:
    params = {"client_id": CLIENT_ID, "response_type": "code", "scope": SCOPE}
    return {**params, "redirect_uri": REDIRECT_URI, "state": "csrf-123", **overrides}


def consent(qbo, decision: str = "connect", realm: str = PLUS, **overrides) -> dict:
    """Submit the consent form and return the query parameters of the redirect."""
    form = {**authorize_params(**overrides), "realmId": realm, "decision": decision}
    response = requests.post(f"{qbo.url}/connect/oauth2", data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    assert response.headers["Location"].startswith(REDIRECT_URI)
    return {key: values[0] for key, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def exchange(qbo, code: str, auth=AUTH, **headers) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    return requests.post(f"{qbo.url}/oauth2/v1/tokens/bearer", data=data, auth=auth, headers=headers, timeout=10)


def refresh(qbo, refresh_token: str) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return requests.post(f"{qbo.url}/oauth2/v1/tokens/bearer", data=data, auth=AUTH, timeout=10)


def test_consent_page_offers_companies_connect_and_deny(qbo):
    response = requests.get(f"{qbo.url}/connect/oauth2", params=authorize_params(), timeout=10)
    assert response.status_code == 200
    assert f'value="{PLUS}"' in response.text and f'value="{ESSENTIALS}"' in response.text
    assert 'value="connect"' in response.text and 'value="deny"' in response.text


def test_connect_redirects_with_code_state_and_realm_id(qbo):
    answer = consent(qbo)
    assert answer["state"] == "csrf-123" and answer["realmId"] == PLUS and answer["code"]


def test_deny_redirects_with_access_denied(qbo):
    assert consent(qbo, decision="deny") == {"error": "access_denied", "state": "csrf-123"}


def test_unregistered_redirect_uri_is_refused_without_redirecting(qbo):
    params = authorize_params(redirect_uri="https://evil.example/callback")
    response = requests.get(f"{qbo.url}/connect/oauth2", params=params, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers


def test_allow_list_of_redirect_uris_is_exact(start_sandbox):
    qbo = start_sandbox(redirect_uris=["http://127.0.0.1:9/only"])
    response = requests.get(f"{qbo.url}/connect/oauth2", params=authorize_params(), timeout=10)
    assert response.status_code == 400


def test_token_endpoint_requires_basic_client_auth(qbo):
    code = consent(qbo)["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    data |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    response = requests.post(f"{qbo.url}/oauth2/v1/tokens/bearer", data=data, timeout=10)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert exchange(qbo, code, auth=(CLIENT_ID, "wrong")).status_code == 401


def test_token_response_carries_lifetimes_and_optional_hard_expiry(qbo):
    plain = exchange(qbo, consent(qbo)["code"]).json()
    assert plain["token_type"] == "bearer" and plain["expires_in"] == 3600
    assert plain["x_refresh_token_expires_in"] == 8_726_400
    assert "x_refresh_token_hard_expires_in" not in plain
    header = {"x-include-refresh-token-hard-expires-in": "true"}
    with_hard = exchange(qbo, consent(qbo)["code"], **header).json()
    assert with_hard["x_refresh_token_hard_expires_in"] > with_hard["x_refresh_token_expires_in"]


def test_authorization_code_works_once_and_reuse_revokes_its_tokens(qbo):
    code = consent(qbo)["code"]
    first = exchange(qbo, code)
    assert first.status_code == 200
    second = exchange(qbo, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert Api(qbo.url, PLUS, first.json()["access_token"]).get("preferences").status_code == 401


def test_refresh_rotates_and_the_replaced_token_gets_invalid_grant(qbo):
    tokens = exchange(qbo, consent(qbo)["code"]).json()
    rotated = refresh(qbo, tokens["refresh_token"])
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    stale = refresh(qbo, tokens["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    assert refresh(qbo, rotated.json()["refresh_token"]).status_code == 200


def test_expired_access_token_answers_401_with_lowercase_fault_3200(qbo):
    api = qbo.api(PLUS)
    assert qbo.control("POST", "tokens/expire", json={"realm": PLUS}).json()["expired"] >= 1
    response = api.get("preferences")
    assert response.status_code == 401
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3200" and "errorCode=003200" in error["message"]
    assert response.json()["fault"]["type"] == "AUTHENTICATION"


@pytest.mark.slow
def test_access_token_stops_working_after_its_lifetime(start_sandbox):
    qbo = start_sandbox(access_token_lifetime=0.5)
    api = qbo.api(PLUS)
    assert api.get("preferences").status_code == 200
    time.sleep(0.7)
    response = api.get("preferences")
    assert response.status_code == 401 and response.json()["fault"]["error"][0]["code"] == "3200"


def test_unknown_access_token_answers_401(qbo):
    assert Api(qbo.url, PLUS, "not-a-token").get("preferences").status_code == 401


def test_token_of_another_company_answers_403_3100(qbo):
    response = Api(qbo.url, ESSENTIALS, qbo.tokens(PLUS)["access_token"]).get("preferences")
    assert response.status_code == 403 and response.json()["fault"]["error"][0]["code"] == "3100"


def test_expired_refresh_token_gets_invalid_grant(qbo):
    tokens = qbo.tokens(PLUS)
    qbo.control("POST", "tokens/expire", json={"realm": PLUS, "kind": "refresh"})
    assert refresh(qbo, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_control_revoke_kills_refresh_and_access_tokens(qbo):
    tokens = qbo.tokens(PLUS)
    assert qbo.control("POST", "tokens/revoke", json={"realm": PLUS}).json()["revoked"] >= 2
    assert refresh(qbo, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert Api(qbo.url, PLUS, tokens["access_token"]).get("preferences").status_code == 401


def test_revoke_endpoint_disconnects_the_company(qbo):
    tokens = exchange(qbo, consent(qbo)["code"]).json()
    url = f"{qbo.url}/v2/oauth2/tokens/revoke"
    response = requests.post(url, json={"token": tokens["refresh_token"]}, auth=AUTH, timeout=10)
    assert response.status_code == 200
    assert Api(qbo.url, PLUS, tokens["access_token"]).get("preferences").status_code == 401


def test_token_endpoint_calls_are_counted_by_grant_type(qbo):
    tokens = exchange(qbo, consent(qbo)["code"]).json()
    refresh(qbo, tokens["refresh_token"])
    realm = qbo.counters(PLUS)
    assert realm["token_authorization_code"] == 1 and realm["token_refresh_token"] == 1
    assert qbo.control("GET", "counters").json()["token_calls"]["refresh_token"] == 1


def test_oauth2session_authorize_token_refresh_revoke(qbo, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    session = OAuth2Session(CLIENT_ID, redirect_uri=REDIRECT_URI, scope=[SCOPE])
    auth_url, state = session.authorization_url(f"{qbo.url}/connect/oauth2")
    page = requests.get(auth_url, timeout=10).text
    form = {name: value for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', page)}
    form |= {"realmId": PLUS, "decision": "connect"}
    sent = requests.post(f"{qbo.url}/connect/oauth2", data=form, allow_redirects=False, timeout=10)
    callback = sent.headers["Location"]
    callback_session = OAuth2Session(CLIENT_ID, state=state, redirect_uri=REDIRECT_URI)
    token_url = f"{qbo.url}/oauth2/v1/tokens/bearer"
    token = callback_session.fetch_token(token_url, client_secret=CLIENT_SECRET, authorization_response=callback)
    assert parse_qs(urlsplit(callback).query)["realmId"] == [PLUS]
    api_url = f"{qbo.url}/v3/company/{PLUS}/preferences?minorversion=75"
    assert callback_session.get(api_url, headers={"Accept": "application/json"}).status_code == 200
    new = callback_session.refresh_token(token_url, auth=requests.auth.HTTPBasicAuth(*AUTH))
    assert new["refresh_token"] != token["refresh_token"]
    revoked = callback_session.post(
        f"{qbo.url}/v2/oauth2/tokens/revoke", json={"token": new["refresh_token"]}, auth=AUTH
    )
    assert revoked.status_code == 200
    assert refresh(qbo, new["refresh_token"]).json()["error"] == "invalid_grant"

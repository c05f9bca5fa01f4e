"""Password guessing: parallel guesses get no more checks than the limit, a locked or unknown account
costs the same hashing work as a real check, and one client address has its own failure budget."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

import portal.auth.service
import portal.models.tenancy
from portal.models import User
from tests.conftest import CSRF_RE, TEST_PASSWORD

WRONG = "not the password"


@pytest.fixture
def hash_checks(monkeypatch):
    """Count every password-hash check, and which of them were against a real account's hash."""
    calls = {"all": 0, "real": []}
    lock = threading.Lock()
    dummy = portal.auth.service._DUMMY_HASH
    for module in (portal.auth.service, portal.models.tenancy):
        original = module.check_password_hash

        def counting(pwhash, password, original=original):
            with lock:
                calls["all"] += 1
                if pwhash != dummy:
                    calls["real"].append(pwhash)
            if pwhash != dummy:
                time.sleep(0.2)  # hold the guess open, so parallel guesses overlap (timing is not asserted)
            return original(pwhash, password)

        monkeypatch.setattr(module, "check_password_hash", counting)
    return calls


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    two_tenants, app, db, redis, accounts_browser, hash_checks
):
    limit = app.config["LOGIN_MAX_FAILURES"]
    browsers = [accounts_browser() for _ in range(limit * 2 + 2)]
    tokens = [browser.client.get("/auth/login").get_data(as_text=True) for browser in browsers]
    start = threading.Barrier(len(browsers))
    answers = []

    def guess(browser, page):
        data = {"email": "admin@acme.test", "password": WRONG, "csrf_token": CSRF_RE.search(page).group(1)}
        start.wait(timeout=30)
        answers.append(browser.client.post("/auth/login", data=data).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(browsers, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [401] * len(browsers)
    assert len(hash_checks["real"]) <= limit
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "admin@acme.test")).locked_until is not None
    assert accounts_browser().login("admin@acme.test").status_code == 401  # locked: the right password waits too


def _lock(accounts_browser, app, email: str) -> None:
    browser = accounts_browser()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        browser.login(email, WRONG)
    assert "Too many failed attempts" in browser.login(email).get_data(as_text=True)


def test_locked_and_unknown_accounts_cost_the_same_hashing_as_a_real_check(
    two_tenants, app, redis, accounts_browser, hash_checks
):
    _lock(accounts_browser, app, "admin@acme.test")
    work = {}
    for case, email in [("locked", "admin@acme.test"), ("unknown", "nobody@acme.test"), ("real", "admin@bolt.test")]:
        before = hash_checks["all"]
        response = accounts_browser().login(email, WRONG)
        assert response.status_code == 401
        work[case] = hash_checks["all"] - before
    assert work == {"locked": 1, "unknown": 1, "real": 1}


def test_an_email_without_account_locks_like_one_with_an_account(two_tenants, app, redis, accounts_browser):
    """Locking an email out must not tell whether it has an account: same answers, attempt by attempt."""
    answers = {}
    for email in ("admin@acme.test", "nobody@acme.test"):
        browser = accounts_browser()
        replies = [browser.login(email, WRONG) for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2)]
        answers[email] = [
            (reply.status_code, "Too many failed attempts" in reply.get_data(as_text=True)) for reply in replies
        ]
    assert answers["admin@acme.test"] == answers["nobody@acme.test"]
    assert answers["nobody@acme.test"][-1] == (401, True)


def test_one_address_is_refused_after_its_failures_across_emails(two_tenants, app, redis, accounts_browser):
    app.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS=4, LOGIN_ADDRESS_WINDOW_SECONDS=300)
    attacker = accounts_browser()
    attacker.client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for email in ["admin@acme.test", "admin@bolt.test", "help@bridge.test", "nobody@acme.test"]:
        assert attacker.login(email, WRONG).status_code == 401
    refused = attacker.login("admin@acme.test", TEST_PASSWORD)  # even the right password, from there
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network" in refused.get_data(as_text=True)
    assert attacker.client.get("/admin/").status_code == 302
    neighbour = accounts_browser()
    neighbour.client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert neighbour.login("admin@acme.test", TEST_PASSWORD).status_code == 302  # other addresses are not affected


def test_successful_sign_ins_do_not_use_up_an_address_budget(two_tenants, app, redis, accounts_browser):
    app.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS=2)
    for _ in range(4):
        browser = accounts_browser()
        assert browser.login("admin@acme.test").status_code == 302
    assert accounts_browser().login("admin@acme.test", WRONG).status_code == 401
    assert accounts_browser().login("admin@acme.test", WRONG).status_code == 401
    assert accounts_browser().login("admin@acme.test").status_code == 429

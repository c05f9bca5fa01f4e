"""Failure digests end to end: real SMTP and webhook servers on loopback, real database and Redis."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from rq import Queue

from jobs.clock import queue_maintenance
from portal.clients.notify import refuse_unsafe_webhook
from portal.models import QuickBooksConnection, SyncActivity, Tenant
from portal.services.digest import send_all_digests
from tests.engine.digest_servers import (
    Login,
    SmtpServer,
    ThrowawayCa,
    WebhookReceiver,
    serve_in_thread,
    start_webhook,
)
from tests.factories import make_tenant, make_user
from tests.sync_fixtures import work

MONDAY = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
PANEL = "http://bridge.test/admin/activity/?flt0_status_equals=sync_failed"
RELAY_USER, RELAY_PASSWORD = "digest-relay", "Relay-Pa55word-XYZZY"


@pytest.fixture
def smtp(app):
    server = SmtpServer()
    stop = serve_in_thread(server)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, SMTP_FROM="bridge@test")
    yield server
    stop()


@pytest.fixture
def ca(tmp_path):
    return ThrowawayCa(tmp_path)


@pytest.fixture
def relay(app, ca):
    """A relay that wants STARTTLS, then a login as RELAY_USER; each test says which CA file we trust."""
    server = SmtpServer(tls=ca.server_context(), credentials=(RELAY_USER, RELAY_PASSWORD))
    stop = serve_in_thread(server)
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_STARTTLS=True,
        SMTP_FROM="bridge@test",
        SMTP_USERNAME=RELAY_USER,
        SMTP_PASSWORD=RELAY_PASSWORD,
        SMTP_CA_FILE="",
    )
    yield server
    stop()


@pytest.fixture
def hook(app):
    receiver = WebhookReceiver()
    url, stop = start_webhook(receiver)
    receiver.url = url + "/hooks/SECRETPATH?token=SECRETQUERY"
    yield receiver
    stop()


@pytest.fixture(autouse=True)
def public_url(app):
    app.config.update(PUBLIC_URL="http://bridge.test")


def fail_rows(db, tenant, count, reason="The product has no price: set one in OpenBoxes", start=0):
    rows = [
        SyncActivity(
            tenant_id=tenant.id,
            entity_type="purchase_order",
            openboxes_id=f"po-{tenant.id}-{start + n}",
            version="1",
            status="sync_failed",
            message=reason,
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def digests(smtp):
    return [mail for mail in smtp.mails if "weekly review" not in mail.message["Subject"]]


def test_email_digest_only_when_failures_grew(two_tenants, db, smtp):
    acme = two_tenants["acme"]
    make_user("gone@acme.test", "tenant_admin", acme, "x").active = False
    db.session.commit()
    rows = fail_rows(db, acme, 2)

    send_all_digests(MONDAY)
    [mail] = digests(smtp)
    assert mail.recipients == ["admin@acme.test"]
    assert mail.message["Subject"] == "Acme Medical: 2 records failed to sync (2 new)"
    body = mail.message.get_payload(decode=True).decode()
    assert "The product has no price: set one in OpenBoxes (2 rows)" in body
    assert PANEL in body
    db.session.refresh(acme)
    assert (acme.last_digest_failures, acme.last_digest_at) == (2, MONDAY)

    send_all_digests(MONDAY)  # unchanged
    assert len(digests(smtp)) == 1

    rows[0].status = "synced"
    db.session.commit()
    send_all_digests(MONDAY)  # fewer
    assert len(digests(smtp)) == 1
    assert db.session.get(Tenant, acme.id).last_digest_failures == 1

    fail_rows(db, acme, 2, reason="Currency EUR needs multicurrency", start=10)
    send_all_digests(MONDAY)  # more again
    assert len(digests(smtp)) == 2
    assert digests(smtp)[-1].message["Subject"] == "Acme Medical: 3 records failed to sync (2 new)"
    assert all("bolt" not in recipient for mail in smtp.mails for recipient in mail.recipients)


def test_email_goes_over_verified_starttls_with_the_login(app, two_tenants, db, relay, ca):
    acme = two_tenants["acme"]
    app.config.update(SMTP_CA_FILE=str(ca.ca_file))
    fail_rows(db, acme, 2)

    assert send_all_digests(MONDAY).digests == [acme.id]

    [mail] = digests(relay)
    assert mail.recipients == ["admin@acme.test"]
    assert mail.message["Subject"] == "Acme Medical: 2 records failed to sync (2 new)"
    assert mail.tls in ("TLSv1.2", "TLSv1.3")
    assert len(relay.mails) == 1  # the digest stands for this week's review reminder
    assert relay.logins == [Login("PLAIN", RELAY_USER, RELAY_PASSWORD, accepted=True, tls=mail.tls)]
    assert relay.tls_failures == []
    assert db.session.get(Tenant, acme.id).last_digest_failures == 2


@pytest.mark.parametrize("untrusted", ["CA not trusted", "certificate for another host"])
def test_email_refused_when_the_relay_certificate_does_not_verify(app, two_tenants, db, relay, ca, caplog, untrusted):
    acme = two_tenants["acme"]
    if untrusted == "certificate for another host":  # signed by a trusted CA, but not for 127.0.0.1
        app.config.update(SMTP_CA_FILE=str(ca.ca_file))
        relay.tls = ca.server_context(names=("mail.example.test",))
    fail_rows(db, acme, 1)

    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        report = send_all_digests(MONDAY)

    assert report.digests == [] and acme.id in report.failed
    assert relay.mails == [] and relay.logins == []  # the password never left over an unverified channel
    assert len(relay.tls_failures) >= 1
    db.session.refresh(acme)
    assert (acme.last_digest_failures, acme.last_digest_at) == (0, None)
    assert f"email failure_digest for tenant={acme.id} not sent: SSLCertVerificationError" in caplog.text
    assert RELAY_PASSWORD not in caplog.text and "Pa55" not in caplog.text


def test_email_refused_when_the_relay_refuses_the_login(app, two_tenants, db, relay, ca, caplog):
    acme = two_tenants["acme"]
    app.config.update(SMTP_CA_FILE=str(ca.ca_file), SMTP_PASSWORD="wrong-password-QWERTY")
    fail_rows(db, acme, 1)

    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        report = send_all_digests(MONDAY)

    assert report.digests == [] and acme.id in report.failed
    assert relay.mails == []
    assert relay.logins and all(login.tls and not login.accepted for login in relay.logins)
    assert {login.password for login in relay.logins} == {"wrong-password-QWERTY"}
    db.session.refresh(acme)
    assert (acme.last_digest_failures, acme.last_digest_at) == (0, None)
    assert f"email failure_digest for tenant={acme.id} not sent: SMTPAuthenticationError" in caplog.text
    assert "QWERTY" not in caplog.text


def test_no_login_without_tls(app, two_tenants, db, relay, caplog):
    acme = two_tenants["acme"]
    app.config.update(SMTP_STARTTLS=False)
    fail_rows(db, acme, 1)

    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        report = send_all_digests(MONDAY)

    assert report.digests == [] and acme.id in report.failed
    assert relay.logins == [] and relay.mails == []  # the password never left the process
    db.session.refresh(acme)
    assert acme.last_digest_failures == 0
    assert "SMTP_STARTTLS is off: the password would cross unencrypted" in caplog.text
    assert RELAY_PASSWORD not in caplog.text


def test_webhook_payload_shape(two_tenants, db, hook):
    acme = two_tenants["acme"]
    acme.digest_webhook_url = hook.url
    fail_rows(db, acme, 3)

    report = send_all_digests(MONDAY)

    assert report.digests == [acme.id]
    [payload] = hook.of("failure_digest")
    assert payload == {
        "type": "failure_digest",
        "tenant": {"id": acme.id, "name": "Acme Medical"},
        "failures": 3,
        "new_failures": 3,
        "top_reasons": [{"reason": "The product has no price: set one in OpenBoxes", "count": 3}],
        "needs_reconnect": False,
        "panel_url": PANEL,
    }
    assert hook.paths[0] == "/hooks/SECRETPATH?token=SECRETQUERY"


@pytest.mark.parametrize("broken", ["500", "closed port"])
def test_webhook_failure_does_not_advance_the_marker(two_tenants, db, hook, caplog, broken):
    acme = two_tenants["acme"]
    if broken == "500":
        hook.status = 500
        acme.digest_webhook_url = hook.url
    else:
        acme.digest_webhook_url = "http://127.0.0.1:9/hooks/SECRETPATH"
    fail_rows(db, acme, 1)

    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        report = send_all_digests(MONDAY)

    assert report.digests == [] and acme.id in report.failed
    db.session.refresh(acme)
    assert (acme.last_digest_failures, acme.last_digest_at, acme.digest_reminder_week) == (0, None, None)
    assert "webhook failure_digest to http://127.0.0.1" in caplog.text
    assert "SECRET" not in caplog.text

    hook.status = 200
    acme.digest_webhook_url = hook.url
    db.session.commit()
    assert send_all_digests(MONDAY).digests == [acme.id]
    assert db.session.get(Tenant, acme.id).last_digest_failures == 1


def test_one_channel_down_does_not_resend_on_the_other(two_tenants, db, smtp, hook, caplog):
    acme = two_tenants["acme"]
    hook.status = 500
    acme.digest_webhook_url = hook.url
    fail_rows(db, acme, 1)

    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        first, second = send_all_digests(MONDAY), send_all_digests(MONDAY)

    assert first.digests == [acme.id] and acme.id in first.failed  # sent by email; the webhook failure reported
    assert second.digests == []
    assert len(digests(smtp)) == 1  # the admins are not mailed again because the webhook is down
    assert "webhook failure_digest to http://127.0.0.1 for tenant=" in caplog.text


def test_a_line_break_in_a_tenant_name_stops_nobody(two_tenants, db, smtp):
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    acme.name = "Acme\nMedical"
    fail_rows(db, acme, 1)
    fail_rows(db, bolt, 2)

    assert send_all_digests(MONDAY).digests == [acme.id, bolt.id]
    subjects = sorted(mail.message["Subject"] for mail in digests(smtp))
    assert subjects == [
        "Acme Medical: 1 record failed to sync (1 new)",  # one header line
        "Bolt Clinics: 2 records failed to sync (2 new)",  # and the next tenant still heard
    ]


def test_weekly_reminder_once_per_iso_week(two_tenants, db, hook):
    acme = two_tenants["acme"]
    acme.digest_webhook_url = hook.url
    fail_rows(db, acme, 1)

    send_all_digests(MONDAY)  # the digest: it stands for week 6's reminder
    send_all_digests(datetime(2026, 2, 5, 9, tzinfo=UTC))
    send_all_digests(datetime(2026, 2, 8, 23, tzinfo=UTC))  # Sunday: still ISO week 6
    assert hook.of("weekly_reminder") == []

    send_all_digests(datetime(2026, 2, 9, 0, 30, tzinfo=UTC))
    send_all_digests(datetime(2026, 2, 12, 0, 30, tzinfo=UTC))
    assert [p["week"] for p in hook.of("weekly_reminder")] == ["2026-W07"]
    send_all_digests(datetime(2026, 2, 16, 8, tzinfo=UTC))
    assert [p["week"] for p in hook.of("weekly_reminder")] == ["2026-W07", "2026-W08"]
    assert len(hook.of("failure_digest")) == 1  # nothing new: no second digest
    assert db.session.get(Tenant, acme.id).digest_reminder_week == "2026-W08"


def test_no_reminder_without_failures(two_tenants, db, hook):
    two_tenants["acme"].digest_webhook_url = hook.url
    db.session.commit()
    send_all_digests(MONDAY)
    assert hook.payloads == []


def test_tenant_hears_once_when_quickbooks_needs_a_reconnect_and_again_next_time(two_tenants, db, hook):
    acme = two_tenants["acme"]
    acme.digest_webhook_url = hook.url
    connection = QuickBooksConnection(tenant=acme, realm_id="7", status="needs_reconnect")
    db.session.add(connection)
    db.session.commit()

    assert send_all_digests(MONDAY).digests == [acme.id]  # no failed row: pushes wait while disconnected
    [payload] = hook.of("failure_digest")
    assert (payload["failures"], payload["needs_reconnect"]) == (0, True)
    assert send_all_digests(MONDAY).digests == []  # already told
    assert hook.of("weekly_reminder") == []  # the digest stood for this week's reminder
    send_all_digests(datetime(2026, 2, 9, 9, tzinfo=UTC))
    assert [p["needs_reconnect"] for p in hook.of("weekly_reminder")] == [True]  # next week, still to do

    connection.status = "connected"  # the admin reconnected
    db.session.commit()
    assert send_all_digests(MONDAY).digests == []
    assert db.session.get(Tenant, acme.id).last_digest_reconnect is False

    connection.status = "needs_reconnect"  # the refresh token was revoked again
    db.session.commit()
    assert send_all_digests(MONDAY).digests == [acme.id]
    assert len(hook.of("failure_digest")) == 2


def test_support_digest_covers_every_tenant(app, two_tenants, db, smtp, hook):
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    calm = make_tenant("Calm Care")
    db.session.add(QuickBooksConnection(tenant=calm, realm_id="9", status="needs_reconnect"))
    fail_rows(db, acme, 1)
    fail_rows(db, bolt, 4)
    app.config.update(SUPPORT_DIGEST_EMAIL="support@bridge.test", SUPPORT_DIGEST_WEBHOOK=hook.url)

    assert send_all_digests(MONDAY).support is True
    [payload] = hook.of("support_digest")
    assert [(t["name"], t["failures"], t["needs_reconnect"]) for t in payload["tenants"]] == [
        ("Bolt Clinics", 4, False),
        ("Acme Medical", 1, False),
        ("Calm Care", 0, True),
    ]
    assert payload["needs_reconnect"] == ["Calm Care"]
    [mail] = [mail for mail in smtp.mails if mail.recipients == ["support@bridge.test"]]
    assert "Needing a QuickBooks reconnect: Calm Care" in mail.message.get_payload(decode=True).decode()

    assert send_all_digests(MONDAY).support is False  # nothing grew
    fail_rows(db, acme, 1, start=50)
    assert send_all_digests(MONDAY).support is True
    assert hook.of("support_digest")[-1]["total_failures"] == 6


def test_support_hears_again_after_fixes_when_failures_or_reconnects_come_back(app, two_tenants, db, hook):
    acme = two_tenants["acme"]
    app.config.update(SUPPORT_DIGEST_WEBHOOK=hook.url)
    rows = fail_rows(db, acme, 3)
    assert send_all_digests(MONDAY).support is True

    for row in rows:
        row.status = "synced"  # support fixed them all
    db.session.commit()
    assert send_all_digests(MONDAY).support is False  # fewer is not news
    fail_rows(db, acme, 2, start=10)
    assert send_all_digests(MONDAY).support is True  # 2 new failures, though fewer than the 3 last reported
    assert hook.of("support_digest")[-1]["total_failures"] == 2

    connection = QuickBooksConnection(tenant=acme, realm_id="7", status="needs_reconnect")
    db.session.add(connection)
    db.session.commit()
    assert send_all_digests(MONDAY).support is True
    connection.status = "connected"
    db.session.commit()
    assert send_all_digests(MONDAY).support is False
    connection.status = "needs_reconnect"  # lost again
    db.session.commit()
    assert send_all_digests(MONDAY).support is True


def test_a_malformed_support_webhook_is_logged_without_its_secret(app, two_tenants, db, caplog):
    app.config.update(SUPPORT_DIGEST_WEBHOOK="hooks.example.com/T0/SECRETPATH?token=SECRETQUERY")
    fail_rows(db, two_tenants["acme"], 1)
    with caplog.at_level(logging.WARNING, logger="portal.clients.notify"):
        assert send_all_digests(MONDAY).support is False
    assert "is not an http(s) URL" in caplog.text
    assert "SECRET" not in caplog.text


def test_clock_queues_the_digest_job_once_per_hour_and_it_runs(two_tenants, db, redis, hook):
    two_tenants["acme"].digest_webhook_url = hook.url
    fail_rows(db, two_tenants["acme"], 1)
    queue_maintenance(datetime(2026, 2, 2, 10, 1, tzinfo=UTC))
    queue_maintenance(datetime(2026, 2, 2, 10, 59, tzinfo=UTC))
    hour = int(datetime(2026, 2, 2, 10, tzinfo=UTC).timestamp() // 3600)
    digests = [job for job in Queue("low", connection=redis).get_job_ids() if job.startswith("digest-")]
    assert digests == [f"digest-{hour}"]  # the daily drift watch shares the low queue

    work(redis)

    assert len(hook.of("failure_digest")) == 1
    assert redis.ttl(f"rq:job:digest-{hour}") > 3000  # the finished job's id guards the rest of the hour
    queue_maintenance(datetime(2026, 2, 2, 10, 59, tzinfo=UTC))
    assert Queue("low", connection=redis).get_job_ids() == []  # the day's drift watch ran too: not again


DIGEST_FORM = "/admin/preferences/digest/"
NEVER_ALLOWED = "is a link-local, metadata, multicast or unspecified address that is never allowed: use a public URL"


@pytest.mark.parametrize(
    ("url", "saved", "error"),
    [
        ("https://93.184.215.14/abc", "https://93.184.215.14/abc", None),  # an IP literal: no DNS needed
        ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook", None),  # private allowed in development
        ("ftp://hooks.example.com/abc", None, "is not an http(s) URL"),
        ("http://169.254.169.254/latest/meta-data/", None, NEVER_ALLOWED),
        ("http://[fe80::1]/hook", None, NEVER_ALLOWED),
        ("http://100.100.100.200/hook", None, NEVER_ALLOWED),
    ],
)
def test_preferences_form_saves_and_validates_the_webhook(two_tenants, db, auth, client, url, saved, error):
    acme = two_tenants["acme"]
    auth.login("admin@acme.test")
    assert "Save digest webhook" in client.get("/admin/preferences/").get_data(as_text=True)

    page = auth.post(DIGEST_FORM, {"digest_webhook_url": url}, follow_redirects=True).get_data(as_text=True)

    assert db.session.get(Tenant, acme.id).digest_webhook_url == saved
    if error:
        assert error in page.replace("&#39;", "'")
    else:
        assert "Saved the failure digest webhook of Acme Medical." in page
        assert f'value="{saved}"' in page


@pytest.mark.parametrize("url", ["http://10.1.2.3/hook", "http://127.0.0.1:8080/hook", "http://100.64.0.9/hook"])
def test_private_webhook_hosts_are_refused_in_production(app, url):
    app.config.update(OPENBOXES_ALLOW_PRIVATE_NETWORKS=False)
    with pytest.raises(ValueError, match="is a private or loopback address .*: use a public URL"):
        refuse_unsafe_webhook(url)


def test_empty_webhook_clears_it(two_tenants, db, auth):
    two_tenants["acme"].digest_webhook_url = "http://127.0.0.1:1/x"
    db.session.commit()
    auth.login("admin@acme.test")
    auth.post(DIGEST_FORM, {"digest_webhook_url": "  "})
    assert db.session.get(Tenant, two_tenants["acme"].id).digest_webhook_url is None


def test_tenant_admin_cannot_set_another_tenants_webhook(two_tenants, db, auth):
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    auth.login("admin@acme.test")
    auth.post(DIGEST_FORM, {"digest_webhook_url": "http://127.0.0.1:7/acme", "tenant": str(bolt.id)})
    auth.post(f"{DIGEST_FORM}?tenant={bolt.id}", {"digest_webhook_url": "http://127.0.0.1:7/acme2"})
    assert db.session.get(Tenant, bolt.id).digest_webhook_url is None
    assert db.session.get(Tenant, acme.id).digest_webhook_url == "http://127.0.0.1:7/acme2"


def test_support_sets_a_chosen_tenants_webhook(two_tenants, db, auth):
    bolt = two_tenants["bolt"]
    auth.login("help@bridge.test")
    assert auth.post(DIGEST_FORM, {"digest_webhook_url": "http://127.0.0.1:7/x"}).status_code == 404  # none chosen
    auth.post(DIGEST_FORM, {"digest_webhook_url": "http://127.0.0.1:7/bolt", "tenant": str(bolt.id)})
    assert db.session.get(Tenant, bolt.id).digest_webhook_url == "http://127.0.0.1:7/bolt"
    assert db.session.get(Tenant, two_tenants["acme"].id).digest_webhook_url is None


# --- addresses a tenant admin names for alerts ---------------------------------------------------------


def test_named_alert_addresses_get_the_digest_with_the_admins(two_tenants, db, smtp, auth):
    acme = two_tenants["acme"]
    auth.login("admin@acme.test")
    typed = "Finance@Acme.test, ops@acme.test\nfinance@acme.test; admin@acme.test"
    response = auth.post("/admin/preferences/alert-emails/", data={"alert_emails": typed}, follow_redirects=True)
    assert "Saved the failure alert addresses of Acme Medical." in response.get_data(as_text=True)
    db.session.refresh(acme)
    assert acme.alert_emails == "finance@acme.test\nops@acme.test\nadmin@acme.test"  # checked, lower case, once
    fail_rows(db, acme, 1)
    send_all_digests(MONDAY)
    [mail] = digests(smtp)
    assert mail.recipients == ["admin@acme.test", "finance@acme.test", "ops@acme.test"]
    assert not [m for m in smtp.mails if "bolt" in ",".join(m.recipients)]


def test_a_wrong_alert_address_is_refused_naming_it(two_tenants, db, auth):
    auth.login("admin@acme.test")
    page = auth.post("/admin/preferences/alert-emails/", data={"alert_emails": "ok@acme.test, finance@"})
    body = auth.client.get("/admin/preferences/").get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 302 and "Not saved: 'finance@' is not an email address" in body
    db.session.refresh(two_tenants["acme"])
    assert two_tenants["acme"].alert_emails is None


def test_without_smtp_the_page_says_no_email_is_sent_and_nothing_is(two_tenants, db, auth, app):
    app.config.update(SMTP_HOST="")
    auth.login("admin@acme.test")
    auth.post("/admin/preferences/alert-emails/", data={"alert_emails": "finance@acme.test"})
    body = auth.client.get("/admin/preferences/").get_data(as_text=True)
    assert "This installation cannot send email yet (no SMTP server is set up)" in body
    assert "finance@acme.test" in body  # kept for when it can
    fail_rows(db, two_tenants["acme"], 1)
    assert send_all_digests(MONDAY).digests == []

"""Finding 5: Settings › Tenants used to store schedules the clock cannot use (daily_time 99:99, an
empty time, an interval of 0) and audited no values. Every writer now runs the same check, keeps the
next run in step, and audits each changed field as old → new."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Tenant
from tests.security.web_helpers import web_page_text, web_sign_in, web_tenant_form


def tenant_events(db, tenant_id: int, action: str) -> list[dict]:
    query = select(AuditEvent).filter_by(tenant_id=tenant_id, action=action).order_by(AuditEvent.id)
    return [event.details for event in db.session.scalars(query)]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("daily_time", "99:99", "is not a time of day"),
        ("daily_time", "ab:cd", "is not a time of day"),
        ("daily_time", "", "is not a time of day"),
        ("daily_time", "-1:00", "is not a time of day"),
        ("daily_time", "24:00", "is not a time of day"),
        ("realtime_interval_minutes", "0", "every 1 to 5 minutes"),
        ("realtime_interval_minutes", "6", "every 1 to 5 minutes"),
        ("realtime_interval_minutes", "-1", "every 1 to 5 minutes"),
    ],
)
def test_tenants_form_refuses_an_unusable_schedule(auth, two_tenants, db, field, value, message):
    acme = two_tenants["acme"]
    before = (acme.daily_time, acme.realtime_interval_minutes, acme.timezone)
    web_sign_in(auth, two_tenants, "acme")
    form = web_tenant_form(acme, sync_mode="scheduled", **{field: value})
    response = auth.post(f"/admin/tenants/edit/?id={acme.id}", data=form)
    assert response.status_code == 200
    assert message in web_page_text(response)
    db.session.expire_all()
    stored = db.session.get(Tenant, acme.id)
    assert (stored.daily_time, stored.realtime_interval_minutes, stored.timezone) == before
    assert stored.sync_mode == "manual"


def test_support_cannot_create_a_tenant_with_an_unusable_schedule(auth, two_tenants, db):
    web_sign_in(auth, two_tenants, "support")
    form = web_tenant_form(two_tenants["acme"], name="Cobalt", slug="cobalt", sync_mode="scheduled", daily_time="99:99")
    response = auth.post("/admin/tenants/new/", data=form)
    assert "is not a time of day" in web_page_text(response)
    assert db.session.scalar(select(Tenant).filter_by(slug="cobalt")) is None


def test_tenants_form_audits_old_and_new_values_and_schedules_the_next_run(auth, two_tenants, db):
    acme = two_tenants["acme"]
    web_sign_in(auth, two_tenants, "acme")
    form = web_tenant_form(acme, sync_mode="scheduled", daily_time="03:15", timezone="Europe/Berlin")
    response = auth.post(f"/admin/tenants/edit/?id={acme.id}", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).next_run_at is not None
    (details,) = tenant_events(db, acme.id, "tenant.changed")
    assert details["daily_time"] == {"from": "02:00", "to": "03:15"}
    assert details["sync_mode"] == {"from": "manual", "to": "scheduled"}
    assert details["timezone"] == {"from": "UTC", "to": "Europe/Berlin"}
    assert "name" not in details  # unchanged fields are not listed


def test_sync_preferences_audit_old_and_new_values(auth, two_tenants, db):
    acme = two_tenants["acme"]
    web_sign_in(auth, two_tenants, "acme")
    prefs = web_tenant_form(acme, sync_mode="realtime", realtime_interval_minutes="3")
    response = auth.post("/admin/preferences/", data=prefs)
    assert response.status_code == 302, web_page_text(response)
    (details,) = tenant_events(db, acme.id, "preferences.saved")
    assert details["sync_mode"] == {"from": "manual", "to": "realtime"}
    assert details["realtime_interval_minutes"] == {"from": 5, "to": 3}


def test_cli_checks_the_schedule_and_audits_the_new_tenant(app, db):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["tenants", "create", "--name", "Cobalt", "--timezone", "Mars/Olympus"])
    assert refused.exit_code != 0 and "is not a time zone we know" in refused.output
    created = runner.invoke(args=["tenants", "create", "--name", "Cobalt", "--timezone", "Europe/Berlin"])
    assert created.exit_code == 0, created.output
    tenant = db.session.scalar(select(Tenant).filter_by(slug="cobalt"))
    (details,) = tenant_events(db, tenant.id, "tenant.created")
    assert details["timezone"] == {"from": None, "to": "Europe/Berlin"}

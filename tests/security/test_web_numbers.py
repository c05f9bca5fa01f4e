"""Finding 3: numbers too large for any database column (or negative where that means nothing) in the
address or a form get a plain 400 or a form error, never a 500 or the database driver's own words."""

from __future__ import annotations

import pytest

from portal.models import Tenant
from tests.factories import seed_tenant_rows
from tests.security.web_helpers import web_page_text, web_sign_in, web_tenant_form

HUGE = str(10**30)
BEYOND_INT64 = str(2**63)
DRIVER_WORDS = ("overflow", "out of range", "psycopg", "sqlite", "sqlalchemy", "traceback", "(background on")


@pytest.fixture
def seeded(two_tenants, db):
    seed_tenant_rows(two_tenants["acme"], "acme")
    db.session.commit()
    return two_tenants


@pytest.mark.parametrize(
    "who, path",
    [
        ("acme", f"/admin/activity/?page={HUGE}"),
        ("acme", f"/admin/activity/?page={BEYOND_INT64}"),
        ("acme", "/admin/activity/?page=-1"),
        ("acme", f"/admin/activity/?sort={HUGE}"),
        ("acme", f"/admin/audit/?page_size={HUGE}"),
        ("acme", f"/admin/activity/details/?id={HUGE}"),
        ("acme", f"/admin/activity/details/?id={BEYOND_INT64}"),
        ("acme", f"/admin/tenants/edit/?id={HUGE}"),
        ("acme", f"/admin/users/details/?id={BEYOND_INT64}"),
        ("acme", f"/admin/preferences/progress/?since={HUGE}"),
        ("acme", f"/admin/preferences/progress.json?since={BEYOND_INT64}"),
        ("acme", "/admin/preferences/progress.json?since=-99999999999999"),
        ("acme", f"/admin/product_links/?page={HUGE}"),
        ("support", f"/admin/preferences/?tenant={HUGE}"),
        ("support", f"/admin/users/ajax/lookup/?name=tenant&query=a&offset={HUGE}"),
        ("support", f"/admin/users/ajax/lookup/?name=tenant&query=a&limit={BEYOND_INT64}"),
        ("support", f"/admin/quickbooks/?tenant={BEYOND_INT64}"),
        ("support", f"/admin/product_links/?tenant={{acme}}&page={HUGE}"),
    ],
)
def test_out_of_range_numbers_in_the_address_get_a_plain_400(client, auth, seeded, who, path):
    web_sign_in(auth, seeded, who)
    response = client.get(path.format(acme=seeded["acme"].id))
    assert response.status_code == 400
    text = web_page_text(response).lower()
    assert "whole number" in text
    assert not [word for word in DRIVER_WORDS if word in text]


@pytest.mark.parametrize("path", ["/admin/activity/delete/", "/admin/tenants/delete/"])
def test_out_of_range_ids_in_a_form_get_a_plain_400(auth, seeded, db, path):
    web_sign_in(auth, seeded, "support")
    response = auth.post(path, data={"id": HUGE, "url": "/admin/"})
    assert response.status_code == 400
    assert db.session.query(Tenant).count() == 2


def test_unicode_digits_for_the_tenant_are_not_a_500(client, auth, seeded):
    web_sign_in(auth, seeded, "support")
    response = client.get("/admin/preferences/?tenant=%C2%B2")  # "²" passes str.isdigit() but not int()
    assert response.status_code == 200
    assert "Choose" in web_page_text(response) or "tenant" in web_page_text(response).lower()


def test_an_out_of_range_filter_value_is_ignored_with_a_message(client, auth, seeded):
    web_sign_in(auth, seeded, "support")
    response = client.get(f"/admin/activity/?flt0_tenant_equals={HUGE}")
    assert response.status_code == 200
    assert "Invalid Filter Value" in web_page_text(response)


def test_tenant_form_number_overflow_is_a_form_error_not_driver_text(auth, seeded, db):
    acme = seeded["acme"]
    web_sign_in(auth, seeded, "acme")
    form = web_tenant_form(acme, realtime_interval_minutes=HUGE)
    response = auth.post(f"/admin/tenants/edit/?id={acme.id}", data=form)
    text = web_page_text(response)
    assert response.status_code == 200
    assert "every 1 to 5 minutes" in text
    assert not [word for word in DRIVER_WORDS if word in text.lower()]
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).realtime_interval_minutes == 5

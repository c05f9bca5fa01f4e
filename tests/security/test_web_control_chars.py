"""Finding 4: NUL and other control characters in names, settings and searches are refused with a plain
400 before anything is stored (PostgreSQL refuses NUL in text with a 500; SQLite would store it)."""

from __future__ import annotations

import pytest

from portal.models import OpenBoxesConnection, Tenant
from tests.conftest import CSRF_RE
from tests.security.web_helpers import web_page_text, web_sign_in, web_tenant_form


def assert_refused(response) -> None:
    assert response.status_code == 400
    assert "control character" in web_page_text(response)


@pytest.mark.parametrize(
    "bad",
    [
        "Acme\x00Medical",
        "Acme\x1b[31mMedical",
        "\x08Acme",
        "Acme\x7f",
        "Acme\r\nBcc: x@evil.test",
        "\rAcme",
        "Acme\x85Medical",  # C1 next-line
        "Acme\u202eladeM",  # right-to-left override: reads as another name
        "Acme\u2028Medical",  # line separator
    ],
)
def test_tenant_form_refuses_control_characters_in_the_name(auth, two_tenants, db, bad):
    acme = two_tenants["acme"]
    web_sign_in(auth, two_tenants, "acme")
    assert_refused(auth.post(f"/admin/tenants/edit/?id={acme.id}", data=web_tenant_form(acme, name=bad)))
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).name == "Acme Medical"


def test_a_new_tenant_with_a_nul_in_its_slug_is_not_created(auth, two_tenants, db):
    web_sign_in(auth, two_tenants, "support")
    form = web_tenant_form(two_tenants["acme"], name="Cobalt", slug="cob\x00alt")
    assert_refused(auth.post("/admin/tenants/new/", data=form))
    assert db.session.query(Tenant).filter(Tenant.name == "Cobalt").count() == 0


def test_openboxes_settings_refuse_a_nul(auth, two_tenants, db):
    web_sign_in(auth, two_tenants, "acme")
    data = {"base_url": "http://127.0.0.1:9", "username": "sync\x00user", "password": "pw-1234567", "location_id": "L1"}
    assert_refused(auth.post("/admin/openboxes/save", data=data))
    assert db.session.query(OpenBoxesConnection).count() == 0


@pytest.mark.parametrize(
    "path",
    ["/admin/activity/?search=PO%00-1", "/admin/tenants/?search=%00", "/admin/audit/?flt0_action_equals=a%00b"],
)
def test_searches_and_filters_refuse_a_nul(client, auth, two_tenants, path):
    web_sign_in(auth, two_tenants, "support")
    assert_refused(client.get(path))


def test_sign_in_refuses_a_nul_in_the_email(client, two_tenants):
    page = client.get("/auth/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post("/auth/login", data={"email": "admin@acme.test\x00", "password": "x", "csrf_token": token})
    assert_refused(response)


def test_a_tab_is_still_accepted(auth, two_tenants, db):
    acme = two_tenants["acme"]
    web_sign_in(auth, two_tenants, "acme")
    response = auth.post(f"/admin/tenants/edit/?id={acme.id}", data=web_tenant_form(acme, name="Acme\tMedical"))
    assert response.status_code == 302

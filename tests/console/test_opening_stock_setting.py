"""Settings › Sync preferences › Opening stock: turning it on shows the value it books and the account first."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from portal.models import AuditEvent
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


def body(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(tenant, auth, db):
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    auth.login("admin@acme.test")
    return auth


@pytest.fixture
def stocked(ob):
    """Two products with stock (12 × 2.50 and 3 × 4.00) and one without."""
    for name, code, price, quantity in (("Gauze", "GZ-1", "2.50", 12), ("Syringe", "SY-3", "4.00", 3)):
        ob.adjust(ob.product(name, code, price)["id"], quantity)
    ob.product("Tape", "TP-2", "1.20")


def test_preview_names_value_and_account_then_confirming_turns_it_on(admin, client, db, tenant, stocked):
    page = body(admin.post("/admin/preferences/opening/", data={"on": "1"}))
    assert "Turn opening stock on for Acme Medical?" in page
    assert "2 item(s) have stock then, worth 42.00" in page and "Opening Balance Equity" in page
    assert "Inventory" in page.split("books it to", 1)[1].split(",", 1)[0]  # the mapped inventory asset account
    assert "Book 42.00 as opening stock" in page
    db.session.refresh(tenant)
    assert not tenant.opening_stock and tenant.opening_baseline is None  # the preview changes nothing

    done = admin.post("/admin/preferences/opening/", data={"on": "1", "confirmed": "yes"})
    assert done.status_code == 302
    db.session.refresh(tenant)
    assert tenant.opening_stock
    assert sorted(Decimal(q) for q in tenant.opening_baseline["quantities"].values()) == [3, 12]
    assert "Turn opening stock off" in body(client.get(done.headers["Location"]))
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="sync.opening_stock")).one()
    assert event.details == {"on": True}

    admin.post("/admin/preferences/opening/", data={"on": "0"})
    db.session.refresh(tenant)
    assert not tenant.opening_stock

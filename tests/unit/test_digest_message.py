"""The pure part of the failure digest: when it is due, and what it says."""

from datetime import date

import pytest

from portal.sync.digest import (
    TenantFailures,
    check_webhook_url,
    digest_due,
    failure_digest,
    iso_week,
    lowered_snapshot,
    reminder_due,
    support_digest,
    support_digest_due,
    support_snapshot,
    webhook_host,
    weekly_reminder,
)

BASE = "https://bridge.example.org/"
PANEL = "https://bridge.example.org/admin/activity/?flt0_status_equals=sync_failed"
ACME = TenantFailures(1, "Acme", 5, previous=2, reasons=(("No price", 3), ("Currency", 2)))


@pytest.mark.parametrize(
    ("failures", "last", "due"),
    [(0, 0, False), (1, 0, True), (3, 3, False), (2, 3, False), (4, 3, True)],
)
def test_digest_is_due_only_when_failures_grew(failures, last, due):
    assert digest_due(failures, last) is due


@pytest.mark.parametrize(
    ("failures", "last", "needs_reconnect", "reported", "due"),
    [
        (0, 0, True, False, True),  # newly needs a reconnect: rows only wait, so nothing else would tell
        (0, 0, True, True, False),  # already told
        (2, 2, True, True, False),
        (3, 2, True, True, True),  # more failures still count
        (0, 0, False, True, False),
    ],
)
def test_digest_is_due_when_a_reconnect_is_newly_needed(failures, last, needs_reconnect, reported, due):
    assert digest_due(failures, last, needs_reconnect, reported) is due


@pytest.mark.parametrize(
    ("failures", "last_week", "today", "due"),
    [
        (0, None, date(2026, 2, 2), False),
        (1, None, date(2026, 2, 2), True),
        (1, "2026-W06", date(2026, 2, 8), False),  # Sunday of the same ISO week
        (1, "2026-W06", date(2026, 2, 9), True),  # Monday: a new week
        (1, "2026-W53", date(2027, 1, 3), False),  # ISO 2026 has 53 weeks; Jan 3 2027 still belongs to it
    ],
)
def test_weekly_reminder_once_per_iso_week(failures, last_week, today, due):
    assert reminder_due(failures, last_week, today) is due


def test_weekly_reminder_while_a_reconnect_is_needed():
    assert reminder_due(0, None, date(2026, 2, 2), needs_reconnect=True) is True
    assert reminder_due(0, "2026-W06", date(2026, 2, 2), needs_reconnect=True) is False


def test_iso_week_label():
    assert iso_week(date(2026, 2, 2)) == "2026-W06"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def test_failure_digest_names_count_reasons_and_panel_link():
    message = failure_digest(ACME, BASE)
    assert message.subject == "Acme: 5 records failed to sync (3 new)"
    assert "5 records of Acme are Sync Failed, 3 more" in message.text
    assert "  - No price (3 rows)" in message.text
    assert PANEL in message.text
    assert "reconnect" not in message.text
    assert message.payload == {
        "type": "failure_digest",
        "tenant": {"id": 1, "name": "Acme"},
        "failures": 5,
        "new_failures": 3,
        "top_reasons": [{"reason": "No price", "count": 3}, {"reason": "Currency", "count": 2}],
        "needs_reconnect": False,
        "panel_url": PANEL,
    }


def test_failure_digest_asks_for_a_reconnect_when_needed():
    message = failure_digest(TenantFailures(1, "Acme", 1, needs_reconnect=True), BASE)
    assert message.subject == "Acme: 1 record failed to sync (1 new)"
    assert "QuickBooks must be reconnected under Settings › QuickBooks" in message.text
    assert message.payload["needs_reconnect"] is True


def test_reconnect_only_digest_says_so_without_an_empty_failure_summary():
    message = failure_digest(TenantFailures(1, "Acme", 0, needs_reconnect=True), BASE)
    assert message.subject == "Acme: reconnect QuickBooks to resume syncing"
    assert message.text.startswith("QuickBooks must be reconnected under Settings › QuickBooks")
    assert "Sync Failed" not in message.text and "Top reasons" not in message.text
    assert (message.payload["failures"], message.payload["needs_reconnect"]) == (0, True)


def test_weekly_reminder_repeats_the_reconnect_request():
    message = weekly_reminder(TenantFailures(1, "Acme", 2, needs_reconnect=True), BASE, "2026-W06")
    assert message.text.startswith("QuickBooks must be reconnected")
    assert "reconnected" not in weekly_reminder(ACME, BASE, "2026-W06").text


def test_weekly_reminder_says_review_weekly():
    message = weekly_reminder(ACME, BASE, "2026-W06")
    assert "Review failed syncs weekly" in message.text
    assert message.payload["type"] == "weekly_reminder"
    assert message.payload["week"] == "2026-W06"
    assert PANEL in message.text


def test_support_digest_lists_tenants_worst_first_and_reconnects():
    rows = [
        TenantFailures(1, "Acme", 2),
        TenantFailures(2, "Bolt", 7, needs_reconnect=True),
        TenantFailures(3, "Calm", 0),
        TenantFailures(4, "Dune", 0, needs_reconnect=True),
    ]
    message = support_digest(rows, BASE)
    assert message.subject == "Sync failures across tenants: 9 records, 2 to reconnect"
    assert [t["name"] for t in message.payload["tenants"]] == ["Bolt", "Acme", "Dune"]
    assert message.payload["needs_reconnect"] == ["Bolt", "Dune"]
    assert message.payload["total_failures"] == 9
    assert "Needing a QuickBooks reconnect: Bolt, Dune" in message.text
    assert "Calm" not in message.text


@pytest.mark.parametrize(
    ("now", "last", "due"),
    [
        ([TenantFailures(1, "A", 0)], None, False),
        ([TenantFailures(1, "A", 1)], None, True),
        ([TenantFailures(1, "A", 1)], {"failures": {"1": 1}, "reconnect": []}, False),
        ([TenantFailures(1, "A", 0)], {"failures": {"1": 1}, "reconnect": []}, False),
        ([TenantFailures(1, "A", 2)], {"failures": {"1": 1}, "reconnect": []}, True),
        ([TenantFailures(1, "A", 1, needs_reconnect=True)], {"failures": {"1": 1}, "reconnect": []}, True),
        ([TenantFailures(1, "A", 1, needs_reconnect=True)], {"failures": {"1": 1}, "reconnect": [1]}, False),
    ],
)
def test_support_digest_due_on_growth_or_new_reconnect(now, last, due):
    assert support_digest_due(now, last) is due


def test_support_snapshot_is_json_friendly():
    rows = [TenantFailures(1, "A", 3), TenantFailures(2, "B", 0, needs_reconnect=True)]
    assert support_snapshot(rows) == {"failures": {"1": 3, "2": 0}, "reconnect": [2]}


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/T1/abc", None),
        ("  http://127.0.0.1:8080/hook?token=x ", None),
        ("ftp://hooks.example.com/x", "is not an http"),
        ("hooks.example.com/x", "is not an http"),
        ("https://user:pw@hooks.example.com/x", "must not contain a user name or password"),
        ("https://hooks.example.com:99999/x", "invalid port"),
        ("https://hooks.example.com/" + "x" * 500, "longer than 500"),
    ],
)
def test_webhook_url_check(url, problem):
    if problem is None:
        assert check_webhook_url(url) == url.strip()
    else:
        with pytest.raises(ValueError, match=problem):
            check_webhook_url(url)


def test_webhook_host_drops_path_and_query():
    assert webhook_host("https://hooks.example.com/services/SECRET?token=S") == "https://hooks.example.com"


def test_lowered_snapshot_forgets_what_was_fixed():
    last = {"failures": {"1": 3, "2": 1, "9": 4}, "reconnect": [1, 2]}
    rows = [TenantFailures(1, "A", 0, needs_reconnect=True), TenantFailures(2, "B", 5)]
    assert lowered_snapshot(rows, last) == {"failures": {"1": 0, "2": 1, "9": 0}, "reconnect": [1]}
    assert lowered_snapshot(rows, {}) == {"failures": {}, "reconnect": []}


@pytest.mark.parametrize(
    ("differing", "matching", "said"),
    [
        (2, 5, "  - On hand today: 2 of 7 linked items differ"),
        (0, 1, "  - On hand today: 0 of 1 linked item differ"),
        (0, 0, None),  # no linked inventory item: nothing to say
    ],
)
def test_weekly_digest_counts_items_whose_on_hand_differs(differing, matching, said):
    from portal.sync.digest import ReconSummary, recon_payload, recon_text

    summary = ReconSummary(date(2026, 2, 2), date(2026, 2, 8), (), "/admin/reconciliation/", None, differing, matching)

    lines = recon_text(summary, BASE).splitlines()
    assert (said in lines) if said else not any("On hand" in line for line in lines)
    assert recon_payload(summary, BASE)["items"] == {"differing": differing, "matching": matching}

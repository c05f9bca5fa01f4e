"""Failure digests, pure part: when one is due, and its subject, text and JSON payload from plain data.

A tenant digest goes out only when the tenant has more Sync Failed rows than at its last digest, or its
QuickBooks connection newly needs a reconnect (pushes pause then, so no row fails to say so); a weekly
reminder once per ISO week while any failed row remains or the reconnect is still needed; the support
digest when any tenant has more failures, or newly needs a reconnect, than the last support digest showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

FAILED_PANEL_PATH = "/admin/activity/?flt0_status_equals=sync_failed"
WEBHOOK_URL_MAX = 500


@dataclass(frozen=True)
class TenantFailures:
    """One tenant's failure figures, as the digest needs them."""

    tenant_id: int
    tenant_name: str
    failures: int
    previous: int = 0
    reasons: tuple[tuple[str, int], ...] = ()
    needs_reconnect: bool = False


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    text: str
    payload: dict = field(default_factory=dict)


def digest_due(
    failures: int, last_digest_failures: int, needs_reconnect: bool = False, reconnect_reported: bool = False
) -> bool:
    return failures > last_digest_failures or (needs_reconnect and not reconnect_reported)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminder_due(failures: int, last_reminder_week: str | None, today: date, needs_reconnect: bool = False) -> bool:
    return (failures > 0 or needs_reconnect) and last_reminder_week != iso_week(today)


def panel_url(base_url: str) -> str:
    return base_url.rstrip("/") + FAILED_PANEL_PATH


def _plural(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _reason_lines(reasons) -> list[str]:
    return [f"  - {text} ({_plural(number, 'row')})" for text, number in reasons]


def _tenant_payload(kind: str, facts: TenantFailures, base_url: str) -> dict:
    return {
        "type": kind,
        "tenant": {"id": facts.tenant_id, "name": facts.tenant_name},
        "failures": facts.failures,
        "new_failures": max(facts.failures - facts.previous, 0),
        "top_reasons": [{"reason": text, "count": number} for text, number in facts.reasons],
        "needs_reconnect": facts.needs_reconnect,
        "panel_url": panel_url(base_url),
    }


RECONNECT_LINE = "QuickBooks must be reconnected under Settings › QuickBooks before anything can sync."


def failure_digest(facts: TenantFailures, base_url: str) -> Message:
    """The digest sent when a tenant's failures grew or its connection newly needs a reconnect."""
    new = max(facts.failures - facts.previous, 0)
    if new == 0 and facts.needs_reconnect:
        subject = f"{facts.tenant_name}: reconnect QuickBooks to resume syncing"
    else:
        subject = f"{facts.tenant_name}: {_plural(facts.failures, 'record')} failed to sync ({new} new)"
    lines = []
    if facts.needs_reconnect:
        lines += [RECONNECT_LINE, ""]
    if facts.failures:
        lines += [
            f"{_plural(facts.failures, 'record')} of {facts.tenant_name} are Sync Failed, "
            f"{new} more than in the last digest.",
            "",
            "Top reasons:",
            *(_reason_lines(facts.reasons) or ["  - none recorded"]),
            "",
        ]
    lines.append(f"Fix the cause, then retry the rows in the Integration Activity panel: {panel_url(base_url)}")
    return Message(
        "failure_digest", subject, "\n".join(lines) + "\n", _tenant_payload("failure_digest", facts, base_url)
    )


@dataclass(frozen=True)
class ReconLine:
    """One entity of last week's reconciliation, as the weekly digest says it."""

    entity: str
    openboxes: int
    quickbooks: int
    differences: int


@dataclass(frozen=True)
class ReconSummary:
    """Last week's reconciliation: its dates, a line per entity, and its page."""

    start: date
    end: date
    lines: tuple[ReconLine, ...]
    path: str
    error: str | None = None
    items_differing: int = 0  # linked inventory products whose on hand differs (now, not in the period)
    items_matching: int = 0


def recon_text(summary: ReconSummary, base_url: str) -> str:
    """The weekly digest's reconciliation section."""
    head = f"Reconciliation, documents dated {summary.start} to {summary.end}:"
    if summary.error:
        return f"{head} {summary.error}\n"
    lines = [
        f"  - {line.entity}: OpenBoxes {line.openboxes}, QuickBooks {line.quickbooks}, "
        f"{_plural(line.differences, 'difference')}"
        for line in summary.lines
    ]
    items = summary.items_differing + summary.items_matching
    if items:
        lines.append(f"  - On hand today: {summary.items_differing} of {_plural(items, 'linked item')} differ")
    return "\n".join([head, *lines, f"See which rows explain them: {base_url.rstrip('/')}{summary.path}"]) + "\n"


def recon_payload(summary: ReconSummary, base_url: str) -> dict:
    return {
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "error": summary.error,
        "entities": [
            {"entity": x.entity, "openboxes": x.openboxes, "quickbooks": x.quickbooks, "differences": x.differences}
            for x in summary.lines
        ],
        "items": {"differing": summary.items_differing, "matching": summary.items_matching},
        "url": base_url.rstrip("/") + summary.path,
    }


def weekly_reminder(facts: TenantFailures, base_url: str, week: str, recon: ReconSummary | None = None) -> Message:
    """The once-a-week nudge to review what is still failed (and to reconnect, while that is needed),
    with last week's reconciliation when given."""
    subject = f"{facts.tenant_name}: weekly review of failed syncs ({_plural(facts.failures, 'record')})"
    text = (RECONNECT_LINE + "\n\n") if facts.needs_reconnect else ""
    text += (
        f"Review failed syncs weekly: {_plural(facts.failures, 'record')} of {facts.tenant_name} are still "
        f"Sync Failed this week ({week}).\n\nTop reasons:\n"
        + "\n".join(_reason_lines(facts.reasons) or ["  - none recorded"])
        + f"\n\nOpen the failed rows: {panel_url(base_url)}\n"
    )
    payload = {**_tenant_payload("weekly_reminder", facts, base_url), "week": week}
    if recon is not None:
        text += "\n" + recon_text(recon, base_url)
        payload["reconciliation"] = recon_payload(recon, base_url)
    return Message("weekly_reminder", subject, text, payload)


def support_snapshot(rows: list[TenantFailures]) -> dict:
    """What the support digest showed, kept to tell whether the next one is due (JSON-friendly)."""
    return {
        "failures": {str(row.tenant_id): row.failures for row in rows},
        "reconnect": sorted(row.tenant_id for row in rows if row.needs_reconnect),
    }


def lowered_snapshot(rows: list[TenantFailures], last: dict) -> dict:
    """``last`` with each tenant's failures cut to today's where fewer, and reconnects done dropped."""
    now = {str(row.tenant_id): row.failures for row in rows}
    failures = {tenant: min(count, now.get(tenant, 0)) for tenant, count in last.get("failures", {}).items()}
    still = {row.tenant_id for row in rows if row.needs_reconnect}
    return {"failures": failures, "reconnect": [tenant for tenant in last.get("reconnect", []) if tenant in still]}


def support_digest_due(rows: list[TenantFailures], last: dict | None) -> bool:
    """True when a tenant has more failures, or newly needs a reconnect, than the last support digest showed."""
    last = last or {}
    before = last.get("failures", {})
    grew = any(row.failures > before.get(str(row.tenant_id), 0) for row in rows)
    newly_disconnected = any(row.needs_reconnect and row.tenant_id not in last.get("reconnect", []) for row in rows)
    return grew or newly_disconnected


def support_digest(rows: list[TenantFailures], base_url: str) -> Message:
    """Every tenant with failures or needing a reconnect, worst first, for support staff."""
    shown = sorted(
        (row for row in rows if row.failures or row.needs_reconnect), key=lambda row: (-row.failures, row.tenant_name)
    )
    reconnect = [row.tenant_name for row in shown if row.needs_reconnect]
    total = sum(row.failures for row in shown)
    subject = f"Sync failures across tenants: {_plural(total, 'record')}, {len(reconnect)} to reconnect"
    lines = [f"  - {row.tenant_name}: {row.failures} failed" for row in shown] or ["  - no tenant has failed rows"]
    text = "Sync Failed rows per tenant:\n" + "\n".join(lines) + "\n\n"
    text += "Needing a QuickBooks reconnect: " + (", ".join(reconnect) or "none") + "\n\n"
    text += f"Open the failed rows: {panel_url(base_url)}\n"
    payload = {
        "type": "support_digest",
        "total_failures": total,
        "tenants": [
            {
                "id": row.tenant_id,
                "name": row.tenant_name,
                "failures": row.failures,
                "needs_reconnect": row.needs_reconnect,
            }
            for row in shown
        ],
        "needs_reconnect": reconnect,
        "panel_url": panel_url(base_url),
    }
    return Message("support_digest", subject, text, payload)


def check_webhook_url(url: str) -> str:
    """The URL stripped, or ValueError naming the fix (scheme, host, no credentials, length)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The webhook is not an http(s) URL: enter the full address, e.g. https://hooks.example.com/x")
    if parts.username or parts.password:
        raise ValueError("The webhook URL must not contain a user name or password: put any token in the path or query")
    if len(url) > WEBHOOK_URL_MAX:
        raise ValueError(f"The webhook URL is longer than {WEBHOOK_URL_MAX} characters: use a shorter one")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("The webhook URL has an invalid port: fix it") from None
    return url


def webhook_host(url: str) -> str:
    """Scheme and host only: what logs may show (paths and queries of webhooks often hold a secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}"

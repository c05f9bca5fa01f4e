"""Failure digests: read the figures, send by email (SMTP) and/or webhook, move the markers on success.

A delivery that fails (SMTP refused, webhook down or answering non-2xx) leaves the markers where they were,
so the next hourly run tries again. Logs name the tenant and the webhook's host only: webhook paths and
queries often carry a secret.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.audit import record_event
from portal.auth.emails import normalise_email
from portal.clients.notify import post_webhook, refuse_unsafe_webhook, send_email
from portal.extensions import db
from portal.models import AuditEvent, SyncActivity, Tenant, User
from portal.models.base import utcnow
from portal.services import recon, stats
from portal.sync import digest as compose
from portal.sync.digest import Message, TenantFailures
from portal.sync.entities import ActivityStatus, entity_label

log = logging.getLogger(__name__)

SUPPORT_SENT = "digest.support_sent"
MAX_ALERT_EMAILS = 10
SUPPORT_BASELINE = "digest.support_baseline"  # the snapshot lowered after fixes, so new failures count again


@dataclass
class DigestReport:
    digests: list[int] = field(default_factory=list)
    reminders: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    support: bool = False

    def as_dict(self) -> dict:
        return {"digests": self.digests, "reminders": self.reminders, "failed": self.failed, "support": self.support}


def send_all_digests(now: datetime | None = None) -> DigestReport:
    """Tenant digests and weekly reminders that are due, then the support digest if due."""
    now = now or utcnow()
    report = DigestReport()
    for tenant_id in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
        try:
            send_tenant_digest(db.session.get(Tenant, tenant_id), now, report)
        except Exception:  # noqa: BLE001 - one tenant's problem must not stop the other tenants' digests
            db.session.rollback()
            log.exception("digest: tenant=%s skipped after an error", tenant_id)
            report.failed.append(tenant_id)
    report.support = send_support_digest()
    return report


def send_tenant_digest(tenant: Tenant, now: datetime, report: DigestReport) -> None:
    """The tenant's digest when due, then its weekly reminder when due; markers move only on delivery."""
    emails = tenant_alert_recipients(tenant) if current_app.config["SMTP_HOST"] else []
    if not tenant.digest_webhook_url and not emails:
        return  # nowhere to send: the markers stay, so a channel added later gets the current figures
    facts = tenant_failures(tenant)
    # Rows fixed or a reconnect done: later failures (or a later need to reconnect) count as news again.
    tenant.last_digest_failures = min(tenant.last_digest_failures or 0, facts.failures)
    tenant.last_digest_reconnect = bool(tenant.last_digest_reconnect and facts.needs_reconnect)
    week = compose.iso_week(now.date())
    due = compose.digest_due(
        facts.failures, tenant.last_digest_failures, facts.needs_reconnect, tenant.last_digest_reconnect
    )
    if due and _deliver_to_tenant(tenant, emails, compose.failure_digest(facts, _base_url()), report):
        tenant.last_digest_failures, tenant.last_digest_at = facts.failures, now
        tenant.last_digest_reconnect = facts.needs_reconnect
        tenant.digest_reminder_week = week  # this week's digest already says what the reminder would
        details = {"failures": facts.failures, "needs_reconnect": facts.needs_reconnect}
        record_event("digest.sent", tenant=tenant, details=details)
        report.digests.append(tenant.id)
    if compose.reminder_due(facts.failures, tenant.digest_reminder_week, now.date(), facts.needs_reconnect):
        reminder = compose.weekly_reminder(facts, _base_url(), week, last_week_recon(tenant, now))
        if _deliver_to_tenant(tenant, emails, reminder, report):
            tenant.digest_reminder_week = week
            report.reminders.append(tenant.id)
    db.session.commit()


def last_week_recon(tenant: Tenant, now: datetime) -> compose.ReconSummary:
    """Last week's reconciliation of the tenant, for the weekly digest (QuickBooks read once per entity)."""
    period = recon.period_for(tenant, "week", now.date() - timedelta(days=7))
    path = f"/admin/reconciliation/?period=week&day={period.start}"
    try:
        report = recon.reconcile(tenant, period)
    except Exception:  # noqa: BLE001 - the reminder goes out even when the report cannot be made
        log.exception("digest: tenant=%s reconciliation failed", tenant.id)
        return compose.ReconSummary(period.start, period.end, (), path, "the report could not be made this time")
    lines = tuple(
        compose.ReconLine(entity_label(x.entity), x.openboxes_count, x.quickbooks_count, len(x.explanations))
        for x in report.lines
    )
    on_hand = report.on_hand
    differing = len(on_hand.differing)
    return compose.ReconSummary(period.start, period.end, lines, path, report.error, differing, on_hand.matching)


def tenant_failures(tenant: Tenant, failures: int | None = None) -> TenantFailures:
    if failures is None:
        query = select(func.count()).where(
            SyncActivity.tenant_id == tenant.id, SyncActivity.status == ActivityStatus.SYNC_FAILED
        )
        failures = db.session.scalar(query)
    return TenantFailures(
        tenant.id,
        tenant.name,
        failures,
        previous=tenant.last_digest_failures or 0,
        reasons=tuple(stats.top_failure_reasons(tenant.id)) if failures else (),
        needs_reconnect=stats.connections(tenant.id).needs_reconnect,
    )


def _deliver_to_tenant(tenant: Tenant, emails: list[str], message: Message, report: DigestReport) -> bool:
    """True when a channel of the tenant's took the message (a failed one is logged and reported once)."""
    outcomes = deliver(message, emails, tenant.digest_webhook_url, tenant_id=tenant.id)
    if not all(outcomes) and tenant.id not in report.failed:
        report.failed.append(tenant.id)
    return any(outcomes)


def tenant_admin_emails(tenant_id: int) -> list[str]:
    query = select(User.email).where(User.tenant_id == tenant_id, User.role == "tenant_admin", User.active.is_(True))
    return list(db.session.scalars(query.order_by(User.email)))


def tenant_alert_recipients(tenant: Tenant) -> list[str]:
    """The tenant's admins and the addresses its admin named for alerts, each once.

    Addresses outside plain ASCII are left out (logged by count): a relay without SMTPUTF8 refuses the whole
    message for one of them, so one admin's address would stop the alerts to all the others.
    """
    addresses = list(dict.fromkeys([*tenant_admin_emails(tenant.id), *alert_emails_of(tenant)]))
    deliverable = [address for address in addresses if address.isascii()]
    if len(deliverable) < len(addresses):
        log.warning(
            "digest: tenant=%s: %d non-ASCII address(es) left out", tenant.id, len(addresses) - len(deliverable)
        )
    return deliverable


def alert_emails_of(tenant: Tenant) -> list[str]:
    return [line for line in (tenant.alert_emails or "").splitlines() if line]


def save_alert_emails(tenant_id: int, text: str) -> bool:
    """Store the addresses in ``text`` (commas, semicolons, spaces or lines between them; empty for none).

    Raises ValueError naming the first address that is not one, or when there are too many. True if changed.
    """
    addresses = parse_alert_emails(text)
    tenant = db.session.get(Tenant, tenant_id)
    stored = "\n".join(addresses) or None
    if tenant.alert_emails == stored:
        return False
    tenant.alert_emails = stored
    record_event("digest.emails_saved", tenant=tenant, details={"addresses": addresses})
    db.session.commit()
    return True


def parse_alert_emails(text: str) -> list[str]:
    """Each address of ``text`` checked and normalised (lower case), each once, in the order typed."""
    parts = [part for part in re.split(r"[\s,;]+", text) if part]
    addresses = list(dict.fromkeys(normalise_email(part) for part in parts))
    for address in addresses:
        if not address.isascii():  # a server without SMTPUTF8 refuses the whole message, admins included
            raise ValueError(
                f"{address!r} has characters outside plain ASCII, which many mail servers refuse, and one refused "
                "address stops the alerts to every admin: name an ASCII address for it (e.g. a mailing list)."
            )
    if len(addresses) > MAX_ALERT_EMAILS:
        raise ValueError(f"Name at most {MAX_ALERT_EMAILS} addresses (a mailing list counts as one).")
    return addresses


def send_support_digest() -> bool:
    """The cross-tenant digest, when a tenant has more failures or newly needs a reconnect; True if sent."""
    config = current_app.config
    emails = [config["SUPPORT_DIGEST_EMAIL"]] if config["SUPPORT_DIGEST_EMAIL"] and config["SMTP_HOST"] else []
    webhook = config["SUPPORT_DIGEST_WEBHOOK"] or None
    if not emails and not webhook:
        return False
    counts = stats.counts_by_tenant()
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    rows = [tenant_failures(tenant, counts.get(tenant.id, {}).get(ActivityStatus.SYNC_FAILED, 0)) for tenant in tenants]
    baseline = lower_support_baseline(rows)
    if not compose.support_digest_due(rows, baseline):
        return False
    if not any(deliver(compose.support_digest(rows, _base_url()), emails, webhook, tenant_id=None)):
        return False
    record_event(SUPPORT_SENT, details=compose.support_snapshot(rows))
    db.session.commit()
    return True


def lower_support_baseline(rows: list[TenantFailures]) -> dict | None:
    """The last support snapshot, lowered (and stored) where rows were fixed or a reconnect was done."""
    last = last_support_snapshot()
    if last is None:
        return None
    lowered = compose.lowered_snapshot(rows, last)
    if lowered != last:
        record_event(SUPPORT_BASELINE, details=lowered)
        db.session.commit()
    return lowered


def last_support_snapshot() -> dict | None:
    query = select(AuditEvent.details).where(AuditEvent.action.in_((SUPPORT_SENT, SUPPORT_BASELINE)))
    return db.session.scalar(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(1))


def deliver(message: Message, emails: list[str], webhook_url: str | None, tenant_id: int | None) -> list[bool]:
    """Send on every given channel; whether each one took it (empty when there is none)."""
    outcomes = []
    if emails:
        outcomes.append(send_email(message, emails, tenant_id))
    if webhook_url:
        outcomes.append(post_webhook(message, webhook_url, tenant_id))
    return outcomes


def save_digest_webhook(tenant_id: int, url: str) -> bool:
    """Store (or, when empty, clear) the tenant's webhook URL; ValueError names what is wrong. True if changed."""
    url = url.strip()
    if url:
        refuse_unsafe_webhook(url)
    tenant = db.session.get(Tenant, tenant_id)
    new = url or None
    if tenant.digest_webhook_url == new:
        return False
    tenant.digest_webhook_url = new
    record_event("digest.webhook_saved", tenant=tenant, details={"host": compose.webhook_host(url) if url else None})
    db.session.commit()
    return True


def _base_url() -> str:
    return current_app.config["PUBLIC_URL"]

"""The demo behind ``make run``: both sandboxes, and a tenant wired to them, fed by the demo OpenBoxes data.

Nothing here runs in production. It seeds a support user and a tenant admin (printed at start-up), an
OpenBoxes connection to the OpenBoxes sandbox, a QuickBooks connection to the sandbox company (tokens from
the sandbox's control API instead of the consent page), the account mappings of its chart, real-time mode,
and a cutoff 120 days back so the demo history (hard cases included) flows through at once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select

from devtools.ports import pick_port
from devtools.sandboxes import PLUS_REALM, OpenBoxesSandbox, QuickBooksSandbox
from devtools.seed import seed_connected_tenant
from portal.extensions import db
from portal.models import OpenBoxesConnection, Tenant, User
from portal.models.base import utcnow

DEMO_REALM = PLUS_REALM
SUPPORT_LOGIN = ("support@demo.example", "demo-support-pass")
ADMIN_LOGIN = ("admin@demo.example", "demo-admin-pass")


@dataclass
class Sandboxes:
    openboxes: str
    quickbooks: str
    processes: list[subprocess.Popen]


def _wait_until_up(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"sandbox at {url} did not start")


def start_sandboxes(instance: Path) -> Sandboxes:
    """Start both sandboxes (state kept under ``instance/`` so restarts stay consistent)."""
    ob_port, qb_port = pick_port(8801), pick_port(8802)
    commands = [
        [sys.executable, "-m", "sandbox.openboxes", "--port", str(ob_port), "--data", "demo",
         "--state", str(instance / "demo-openboxes.sqlite")],
        [sys.executable, "-m", "sandbox.quickbooks", "--port", str(qb_port),
         "--state", str(instance / "demo-quickbooks.sqlite")],
    ]  # fmt: skip
    # Their access logs would drown the console output; the control APIs say what they did.
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for command in commands
    ]
    sandboxes = Sandboxes(f"http://127.0.0.1:{ob_port}", f"http://127.0.0.1:{qb_port}", processes)
    _wait_until_up(f"{sandboxes.openboxes}/openboxes/api/status")
    _wait_until_up(f"{sandboxes.quickbooks}/.well-known/openid_configuration")
    return sandboxes


def quickbooks_env(quickbooks_url: str) -> dict[str, str]:
    """Settings that point the app at the QuickBooks sandbox."""
    return {
        "QBO_CLIENT_ID": "sandbox-client-id",
        "QBO_CLIENT_SECRET": "sandbox-client-secret",
        "QBO_AUTH_URL": f"{quickbooks_url}/connect/oauth2",
        "QBO_TOKEN_URL": f"{quickbooks_url}/oauth2/v1/tokens/bearer",
        "QBO_REVOKE_URL": f"{quickbooks_url}/v2/oauth2/tokens/revoke",
        "QBO_API_BASE": quickbooks_url,
        "METRICS_TOKEN": "demo-metrics-token",
    }


def seed_demo(sandboxes: Sandboxes) -> bool:
    """Create the demo tenant once (or point it at this run's sandboxes); return True when created now."""
    tenant = db.session.scalar(select(Tenant).filter_by(slug="demo-clinic"))
    if tenant is not None:
        connection = db.session.scalar(select(OpenBoxesConnection).filter_by(tenant_id=tenant.id))
        connection.base_url = sandboxes.openboxes
        db.session.commit()
        return False
    tenant = _demo_tenant()
    _demo_users(tenant)
    openboxes, quickbooks = OpenBoxesSandbox(sandboxes.openboxes), QuickBooksSandbox(sandboxes.quickbooks, DEMO_REALM)
    # Not enabled from now: the tenant's cutoff lies 120 days back, so the demo history flows at once.
    seed_connected_tenant(
        tenant, openboxes, quickbooks, enable=False, company_name="Sandbox Company US Plus", connected_at=utcnow()
    )
    return True


def _demo_tenant() -> Tenant:
    tenant = Tenant(
        name="Demo Clinic",
        slug="demo-clinic",
        timezone="America/New_York",
        sync_mode="realtime",
        realtime_interval_minutes=1,
        sync_enabled_at=(utcnow() - timedelta(days=120)).replace(microsecond=0),
        next_run_at=utcnow(),
    )
    db.session.add(tenant)
    return tenant


def _demo_users(tenant: Tenant) -> None:
    for (email, password), role, owner in ((SUPPORT_LOGIN, "support", None), (ADMIN_LOGIN, "tenant_admin", tenant)):
        user = User(email=email, role=role, tenant=owner)
        user.set_password(password)
        db.session.add(user)


def demo_banner(url: str) -> str:
    return (
        f"\nDemo console: {url}\n"
        f"  support:      {SUPPORT_LOGIN[0]} / {SUPPORT_LOGIN[1]}\n"
        f"  tenant admin: {ADMIN_LOGIN[0]} / {ADMIN_LOGIN[1]}\n"
        "The demo tenant syncs the OpenBoxes sandbox's demo data into the QuickBooks sandbox every minute;\n"
        "within a couple of minutes the Integration Activity panel shows synced rows and a few Sync Failed\n"
        "rows with their reasons. Ctrl-C stops everything.\n"
    )

"""Operator commands: ``flask tenants create``, ``flask users create``, ``flask jobs ping``."""

from __future__ import annotations

import re
import time
from dataclasses import asdict

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.audit import record_event
from portal.auth.emails import normalise_email
from portal.extensions import db
from portal.models import AuditEvent, Tenant, User
from portal.models.base import utcnow
from portal.services.preferences import Preferences

tenants_cli = AppGroup("tenants", help="Manage tenants.")
users_cli = AppGroup("users", help="Manage console users.")
jobs_cli = AppGroup("jobs", help="Background job utilities.")


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


@tenants_cli.command("create")
@click.option("--name", required=True)
@click.option("--slug", help="URL-safe short name (default: from the name)")
@click.option("--timezone", "tz", default="UTC", show_default=True)
def create_tenant(name: str, slug: str | None, tz: str) -> None:
    """Create a tenant; syncing covers records approved from now on."""
    prefs = Preferences(sync_mode="manual", timezone=tz.strip())
    try:
        prefs.check()  # the same check as the console's forms
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--timezone") from None
    tenant = Tenant(
        name=name,
        slug=slug or _slugify(name),
        sync_enabled_at=utcnow().replace(microsecond=0),
        **{key: value for key, value in asdict(prefs).items() if key != "toggles"},
    )
    db.session.add(tenant)
    fields = {"name": tenant.name, "slug": tenant.slug, "timezone": tenant.timezone}
    record_event("tenant.created", tenant=tenant, details={key: {"from": None, "to": v} for key, v in fields.items()})
    db.session.commit()
    click.echo(f"created tenant {tenant.slug} (id {tenant.id})")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["support", "tenant_admin"]), required=True)
@click.option("--tenant", "tenant_slug", help="tenant slug (required for tenant_admin)")
@click.password_option(help="at least 10 characters (prompted when omitted)")
def create_user(email: str, role: str, tenant_slug: str | None, password: str) -> None:
    """Create a console user."""
    if len(password) < 10:
        raise click.UsageError("the password needs at least 10 characters")
    email = _new_email(email)
    tenant = _tenant_for_role(role, tenant_slug)
    user = User(email=email, role=role, tenant=tenant)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {user.email}" + (f" for tenant {tenant.slug}" if tenant else ""))


def _new_email(email: str) -> str:
    """The address as stored (lower case), refused when malformed or already taken in any case."""
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--email") from None
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise click.UsageError(f"a user with email {email} already exists")
    return email


def _tenant_for_role(role: str, slug: str | None) -> Tenant | None:
    if role == "support":
        if slug:
            raise click.UsageError("support users belong to no tenant; drop --tenant")
        return None
    if not slug:
        raise click.UsageError("a tenant_admin needs --tenant SLUG")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.UsageError(f"no tenant with slug {slug!r}; create it with `flask tenants create`")
    return tenant


@jobs_cli.command("ping")
@click.option("--wait", default=0, help="seconds to wait for the worker's audit row")
def ping(wait: int) -> None:
    """Send the round-trip job; with --wait, wait until a worker has written its row."""
    from jobs.queues import enqueue_ping

    job = enqueue_ping()
    click.echo(f"sent {job.id}")
    token = job.args[0]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        db.session.rollback()
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "worker.ping")).all()
        if any(row.details.get("token") == token for row in rows):
            click.echo("worker answered")
            return
        time.sleep(0.2)
    if wait:
        raise click.ClickException(f"no worker answered within {wait}s: is `python -m jobs.worker` running?")


def init_app(app) -> None:
    from portal.sync_cli import sync_cli

    for group in (tenants_cli, users_cli, jobs_cli, sync_cli):
        app.cli.add_command(group)

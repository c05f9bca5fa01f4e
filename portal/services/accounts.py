"""Live QuickBooks accounts for the mapping pickers, cached per tenant and realm, and saving the tenant's choices.

The chart of accounts changes rarely and a picker page should not cost a QuickBooks request per view,
so the list is kept in Redis for ``CACHE_SECONDS`` per tenant and realm (a cache, not a record: losing it costs one
query). Every fresh read also updates the tenant's mappings: names and numbers as QuickBooks has them
now, and ``account_active`` false for a mapped account that is inactive or gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from sqlalchemy import select

from portal.audit import record_event
from portal.engine.context import SyncContext, load_context
from portal.extensions import db
from portal.models import AccountMapping
from portal.redis_conn import get_redis
from portal.sync.accounts import OPTIONAL_ROLES, account_label, choices_for_role, compact_account, suits_role
from portal.sync.refs import ROLE_LABELS

CACHE_SECONDS = 600


class AccountRefused(ValueError):
    """A chosen account is not one the picker offers for that role in this company."""


def cached_list(
    tenant_id: int, realm: str, kind: str, fetch: Callable[[], list[dict]], refresh: bool = False
) -> list[dict]:
    """``fetch()``'s answer kept in Redis under (tenant, realm, kind) for CACHE_SECONDS; ``refresh`` re-reads it.

    Keyed by tenant as well as realm: a tenant only ever sees lists its own tokens read, even if it ends up
    naming another tenant's company.
    """
    key = cache_key(tenant_id, realm, kind)
    redis = get_redis()
    if not refresh:
        cached = redis.get(key)
        if cached is not None:
            return json.loads(cached)
    rows = fetch()
    redis.set(key, json.dumps(rows), ex=CACHE_SECONDS)
    return rows


def cache_key(tenant_id: int, realm: str, kind: str) -> str:
    return f"qbo-cache:{tenant_id}:{realm}:{kind}"


def forget_list(tenant_id: int, realm: str, kind: str) -> None:
    get_redis().delete(cache_key(tenant_id, realm, kind))


def live_accounts(tenant_id: int, *, refresh: bool = False, ctx: SyncContext | None = None) -> list[dict]:
    """Every account of the tenant's QuickBooks company, inactive ones included (compact dicts).

    Raises:
        NeedsReconnect: QuickBooks is not connected; other SyncErrors when QuickBooks refuses.
    """
    ctx = ctx or load_context(tenant_id)
    fresh = []

    def fetch() -> list[dict]:
        fresh.append(True)
        return [compact_account(a) for a in ctx.client.query_all("Account", "Active IN (true, false)")]

    accounts = cached_list(ctx.tenant_id, ctx.realm, "accounts", fetch, refresh)
    if fresh:
        update_mapping_flags(tenant_id, accounts)
        return accounts
    return _without_known_dead(tenant_id, accounts)


def _without_known_dead(tenant_id: int, accounts: list[dict]) -> list[dict]:
    """The cached list, but a mapped account a sync has since found inactive is inactive here too."""
    dead = {m.qbo_account_id for m in tenant_mappings(tenant_id).values() if not m.account_active}
    return [{**account, "active": False} if account["id"] in dead else account for account in accounts]


def update_mapping_flags(tenant_id: int, accounts: list[dict]) -> None:
    """Bring the tenant's mappings in line with QuickBooks: labels, and inactive (or deleted) accounts."""
    by_id = {account["id"]: account for account in accounts}
    for mapping in tenant_mappings(tenant_id).values():
        account = by_id.get(mapping.qbo_account_id)
        mapping.account_active = bool(account and account["active"])
        if account is not None:
            mapping.account_number, mapping.account_name = account["number"], account["name"][:255]
    db.session.commit()


def tenant_mappings(tenant_id: int) -> dict[str, AccountMapping]:
    query = select(AccountMapping).filter_by(tenant_id=tenant_id)
    return {mapping.role: mapping for mapping in db.session.scalars(query)}


def role_choices(accounts: list[dict]) -> dict[str, list[dict]]:
    """The accounts each role's picker offers."""
    return {role: choices_for_role(role, accounts) for role in ROLE_LABELS}


def checked_account(accounts: list[dict], role: str, account_id: str) -> dict:
    """The account with ``account_id`` if the picker offers it for ``role``. Raises AccountRefused."""
    account = next((a for a in accounts if a["id"] == str(account_id)), None)
    if account is None or not account["active"] or not suits_role(role, account):
        raise AccountRefused(
            f"QuickBooks account id {account_id} is not an active account suitable for {ROLE_LABELS[role]} "
            "in this company: click Refresh accounts and choose from the list"
        )
    return account


def save_mappings(tenant_id: int, chosen: Mapping[str, str]) -> list[str]:
    """Map each role in ``chosen`` (role → account id) and return the roles that changed.

    Every choice is checked against a fresh read of the accounts (one query: the cached list may still
    offer an account deactivated since); one refused choice saves nothing. An empty choice unmaps an
    optional role (deposit) and leaves a required one as it is.
    """
    accounts = live_accounts(tenant_id, refresh=True)
    picked = {role: checked_account(accounts, role, value) for role, value in chosen.items() if value}
    current = tenant_mappings(tenant_id)
    changed = [role for role, account in picked.items() if _apply(tenant_id, current.get(role), role, account)]
    for role in OPTIONAL_ROLES:
        if role in chosen and not chosen[role] and role in current:
            _audit(tenant_id, role, current[role], None)
            db.session.delete(current[role])
            changed.append(role)
    db.session.commit()
    return changed


def _apply(tenant_id: int, mapping: AccountMapping | None, role: str, account: dict) -> bool:
    if mapping is not None and mapping.qbo_account_id == account["id"] and mapping.account_active:
        return False
    _audit(tenant_id, role, mapping, account)
    if mapping is None:
        mapping = AccountMapping(tenant_id=tenant_id, role=role)
        db.session.add(mapping)
    mapping.qbo_account_id = account["id"]
    mapping.account_number, mapping.account_name = account["number"], account["name"][:255]
    mapping.account_active = True
    return True


def _audit(tenant_id: int, role: str, old: AccountMapping | None, new: dict | None) -> None:
    details = {
        "role": role,
        "from": None if old is None else f"{account_label_of(old)} (id {old.qbo_account_id})",
        "to": None if new is None else f"{account_label(new)} (id {new['id']})",
    }
    record_event("mapping.saved", tenant_id=tenant_id, details=details)


def account_label_of(mapping: AccountMapping) -> str:
    return account_label({"number": mapping.account_number, "name": mapping.account_name})

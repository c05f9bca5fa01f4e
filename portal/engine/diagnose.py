"""Turn a refusal into a message that names the object and the fix.

QuickBooks' refusal of text beyond a US company's character set (code 500, "Unsupported Operation") does not
say which text: the names in the row's snapshot that hold such characters are named instead.

QuickBooks' 610 ("something you're trying to use has been made inactive") does not say what. Only after
such a failure do we spend one query to find which mapped account is inactive or gone, flag its mapping
in the console, and name it with the role to remap.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.clients.quickbooks import qbo_literal
from portal.engine.context import account_label, load_context
from portal.extensions import db
from portal.models import AccountMapping, SyncActivity
from portal.sync.errors import InactiveReference, SyncError, describe_inactive_reference, describe_outside_charset
from portal.sync.names import names_in, outside_latin1
from portal.sync.refs import ROLE_LABELS


def explain_failure(row: SyncActivity, error: SyncError) -> SyncError:
    """``error`` reworded with what we can find out; unchanged when there is nothing to add."""
    if error.code == "500":
        return _explain_charset(row, error)
    if not isinstance(error, InactiveReference):
        return error
    try:
        return _explain_inactive_account(row, error)
    except SyncError:
        return error


def _explain_charset(row: SyncActivity, error: SyncError) -> SyncError:
    names = [name for name in dict.fromkeys(names_in(row.snapshot or {})) if outside_latin1(name)]
    return error.reworded(describe_outside_charset(names)) if names else error


def _explain_inactive_account(row: SyncActivity, error: InactiveReference) -> SyncError:
    mappings = list(db.session.scalars(select(AccountMapping).filter_by(tenant_id=row.tenant_id)))
    if not mappings:
        return error
    ctx = load_context(row.tenant_id)
    wanted = ", ".join(qbo_literal(m.qbo_account_id) for m in mappings)
    found = ctx.client.query(f"SELECT * FROM Account WHERE Id IN ({wanted}) AND Active IN (true, false)")
    active = {str(account["Id"]) for account in found if account.get("Active", True)}
    dead = [m for m in mappings if m.qbo_account_id not in active]
    for mapping in dead:
        mapping.account_active = False
    if not dead:
        return error
    first = dead[0]
    label = f"{account_label(first)} (id {first.qbo_account_id})"
    return error.reworded(describe_inactive_reference(label, ROLE_LABELS.get(first.role, first.role)))

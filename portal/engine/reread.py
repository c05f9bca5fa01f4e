"""Reading again a record OpenBoxes could not serve when it was polled, for the push of its row."""

from __future__ import annotations

from portal.engine import activity
from portal.engine.entities import HANDLERS
from portal.engine.fetch import RecordUnreadable
from portal.engine.openboxes import openboxes_client
from portal.extensions import db
from portal.models import SyncActivity, Tenant
from portal.sync.entities import Entity
from portal.sync.errors import SkipRecord
from portal.sync.snapshots import UnfetchedSnapshot


def read_again(row: SyncActivity) -> None:
    """Read the row's record from OpenBoxes and store it on the row (committed); raise what failed.

    Raises:
        SyncError: OpenBoxes still cannot serve it (the message names the record and the answer).
        SkipRecord: There is nothing to push (its version already has a row, or it predates syncing).
    """
    tenant = db.session.get(Tenant, row.tenant_id)
    listed = UnfetchedSnapshot.from_json(row.snapshot).listed
    with openboxes_client(row.tenant_id) as client:
        try:
            fetched = HANDLERS[Entity(row.entity_type)].read(tenant, client, listed)
        except RecordUnreadable as failure:
            raise failure.error from None
    filled = activity.fill_unfetched(row, fetched.version, fetched.snapshot, number=fetched.number, label=fetched.label)
    if not filled:
        raise SkipRecord(row.message)
    db.session.commit()

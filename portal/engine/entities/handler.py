"""What the pipeline needs of one entity: how it is polled, read again, and pushed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from portal.sync.mappers import Mapped


@dataclass(frozen=True)
class Handler:
    """One OpenBoxes entity's part of the pipeline.

    Attributes:
        poll: ``poll(tenant, client, run_id) -> rows``: the new record versions since the watermark.
        read: ``read(tenant, client, listed) -> Fetched``: the record read again for a row OpenBoxes could
            not serve when it was polled (raises ``RecordUnreadable`` or ``SkipRecord``).
        push: ``push(ctx, row) -> (written, amount)``: the row's record written to QuickBooks.
        prepare: ``prepare(ctx, row) -> Mapped``: for documents, everything before the write (dependencies
            ensured, the document mapped), so a batch can send the writes of several rows in one call.
    """

    poll: Callable[..., list]
    read: Callable[..., object]
    push: Callable[..., tuple[dict, Decimal | None]]
    prepare: Callable[..., Mapped] | None = None

"""Everything ``make_app`` accepts, with QuickBooks' documented values as defaults."""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400


@dataclass
class SandboxOptions:
    """Options of one sandbox instance; throttle values can also be changed at runtime."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    # None accepts any loopback http(s) redirect URI; otherwise an exact-match allow list.
    redirect_uris: tuple[str, ...] | None = None
    request_budget: int = 500
    window_seconds: float = 60.0
    # Calls per realm per "second", a 60th of window_seconds, so a scaled window scales it (Intuit: 10/s).
    rate_per_second: int = 10
    concurrency: int = 10
    batch_budget: int = 40
    batch_max_items: int = 30
    # Whether each batch item takes one request of request_budget (a [2nd] source) or the batch call takes one
    # (Intuit's table lists the batch limits apart; "500 per minute, including batch requests"): unconfirmed.
    batch_items_count: bool = True
    throttle_format: str = "json"
    throttle_status: int = 429
    retry_after: bool = False
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 8_726_400
    refresh_token_hard_lifetime: int = 5 * 365 * DAY
    code_lifetime: int = 600
    plan_fault_status: int = 400
    # requestid replays validation errors too (the documented "same response as the first time").
    replay_errors: bool = True
    state_file: str | None = None
    seed_companies: bool = True
    fault_seed: int | None = None
    request_log_size: int = 10_000

    def __post_init__(self) -> None:
        if self.throttle_format not in ("json", "xml"):
            raise ValueError("throttle_format must be 'json' or 'xml'")
        if self.redirect_uris is not None:
            self.redirect_uris = tuple(self.redirect_uris)

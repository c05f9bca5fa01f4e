"""``python -m sandbox.quickbooks --port 8802 [--state FILE] [...]``."""

from __future__ import annotations

import argparse

from sandbox.serving import serve_forever

from .app import make_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.quickbooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (keep it on loopback)")
    parser.add_argument("--port", type=int, default=8802)
    parser.add_argument("--state", help="SQLite file that keeps state across restarts")
    parser.add_argument("--client-id", default="sandbox-client-id")
    parser.add_argument("--client-secret", default="sandbox-client-secret")
    parser.add_argument("--redirect-uri", action="append", help="allowed redirect URI (default: any loopback)")
    parser.add_argument("--request-budget", type=int, default=500, help="requests per realm per window")
    parser.add_argument("--window-seconds", type=float, default=60.0, help="length of the throttle window")
    parser.add_argument(
        "--rate-per-second", type=int, default=10, help="calls per realm per second (a 60th of the window)"
    )
    parser.add_argument("--concurrency", type=int, default=10, help="concurrent requests per realm")
    parser.add_argument(
        "--batch-counts-once",
        action="store_true",
        help="a batch takes one request of the per-minute budget (default: one per item)",
    )
    parser.add_argument("--throttle-format", choices=("json", "xml"), default="json")
    parser.add_argument("--throttle-status", type=int, choices=(429, 403), default=429)
    parser.add_argument("--retry-after", action="store_true", help="send Retry-After on throttled answers")
    parser.add_argument("--access-token-lifetime", type=int, default=3600)
    parser.add_argument("--no-seed", action="store_true", help="start without the default companies")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    app = make_app(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=tuple(args.redirect_uri) if args.redirect_uri else None,
        request_budget=args.request_budget,
        window_seconds=args.window_seconds,
        rate_per_second=args.rate_per_second,
        concurrency=args.concurrency,
        batch_items_count=not args.batch_counts_once,
        throttle_format=args.throttle_format,
        throttle_status=args.throttle_status,
        retry_after=args.retry_after,
        access_token_lifetime=args.access_token_lifetime,
        state_file=args.state,
        seed_companies=not args.no_seed,
    )
    serve_forever(app, args.host, args.port)


if __name__ == "__main__":
    main()

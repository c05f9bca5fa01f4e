"""``python -m sandbox.openboxes --port 8801 --data demo [--state FILE] ...``: serve on 127.0.0.1."""

from __future__ import annotations

import argparse

from sandbox.openboxes.app import make_app
from sandbox.serving import serve_forever


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options (see README.md)."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.openboxes", description=__doc__)
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--data", choices=("demo", "empty"), default="demo")
    parser.add_argument("--state", metavar="FILE", help="SQLite file that keeps the records across restarts")
    parser.add_argument("--session-timeout", type=float, default=7200.0, help="idle seconds before logout")
    parser.add_argument("--po-lag", type=float, default=0.0, help="seconds before PO changes reach the PO list")
    parser.add_argument("--timezone", default="America/New_York", help="the server's JVM time zone")
    parser.add_argument("--seed", type=int, default=20250101)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the app from the options and serve it until interrupted."""
    args = parse_args(argv)
    app = make_app(
        data=args.data,
        state_path=args.state,
        session_timeout=args.session_timeout,
        po_lag=args.po_lag,
        timezone=args.timezone,
        seed=args.seed,
    )
    serve_forever(app, "127.0.0.1", args.port)


if __name__ == "__main__":
    main()

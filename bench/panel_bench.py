"""Panel benchmark: the Integration Activity panel, the dashboard and a bulk retry at a million rows.

One command (see bench/README.md)::

    .venv/bin/python -m bench.panel_bench --rows 1000000 --tenants 20

It creates a fresh PostgreSQL database, applies the migrations (``flask_migrate.upgrade``), seeds the rows
in SQL (``INSERT … SELECT generate_series``, not the ORM), signs in through the real login form as a tenant
admin and as support, and times the real Flask app (test client) on the list pages, the dashboard and a
bulk retry of every Sync Failed row. It prints p50/p95 per figure. The database is dropped at exit.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "panel bench password"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STATUS_SORT = {"tenant": 3, "support": 4}  # the Status column's index as each user sees the list
SEARCH = "45678"  # part of an OpenBoxes number: a few dozen rows among a million

# 1 row in 97 Sync Failed, 3 skipped, 1 retrying, 1 queued, the rest synced; ids decide, so runs repeat.
STATUS_SQL = """CASE WHEN i % 97 = 7 THEN 'sync_failed' WHEN i % 97 IN (11, 12, 13) THEN 'skipped'
 WHEN i % 97 = 17 THEN 'retrying' WHEN i % 97 = 19 THEN 'queued' ELSE 'synced' END"""
ENTITIES = ("purchase_order", "supplier", "product", "shipment", "adjustment")
MESSAGES = (
    "QuickBooks account 2000 - A/P (id 5) is inactive: remap Accounts payable",
    "Product GZ-12 has no price in OpenBoxes: set one, then retry",
    "QuickBooks did not answer in 30 s",
    "Vendor name Medline already exists in QuickBooks",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.panel_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="activity rows (default 1,000,000)")
    parser.add_argument("--tenants", type=int, default=20, help="tenants the rows are spread over (default 20)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page figure (default 20)")
    parser.add_argument("--retry-repeat", type=int, default=5, help="timed bulk retries (default 5)")
    parser.add_argument("--days", type=int, default=90, help="rows' updated_at spread over this many days")
    parser.add_argument("--deep-page", type=int, default=500, help="the deep page to time, 1-based (default 500)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2", help="Redis database, flushed (loopback)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", metavar="DATABASE", help="time a database a --keep run seeded (no seed, kept)")
    return parser.parse_args(argv)


def seed_sql(rows: int, tenants: int, days: int) -> list[str]:
    """Tenants' runs and activity rows, in SQL: newest id = newest ``updated_at``."""
    entity = "(ARRAY[" + ",".join(f"'{e}'" for e in ENTITIES) + "])[1 + i % 5]"
    message = "(ARRAY[" + ",".join("'" + m.replace("'", "''") + "'" for m in MESSAGES) + "])[1 + (i / 100) % 4]"
    snapshot = (
        "json_build_object('id', 'ob-' || i, 'orderNumber', 'PO-' || lpad(i::text, 7, '0'), 'row', "
        "json_build_object('product', json_build_object('productCode', 'GZ-' || i % 977, 'id', 'p' || i % 977)), "
        "'lines', (SELECT json_agg(json_build_object('product', 'p' || (i + k) % 977, 'quantity', k, "
        "'unitPrice', 12.5, 'description', repeat('gauze sponge ', 6))) FROM generate_series(1, 6) k))"
    )
    return [
        f"""INSERT INTO sync_run (tenant_id, trigger, started_at, finished_at, fetched, queued, synced, failed, skipped)
        SELECT 1 + r % {tenants}, 'scheduled', now() - (r || ' minutes')::interval,
               now() - (r || ' minutes')::interval + interval '20 seconds', 50, 50, 48, 1, 1
        FROM generate_series(1, {tenants * 200}) r""",
        f"""INSERT INTO sync_activity (tenant_id, run_id, entity_type, openboxes_id, openboxes_number, version,
            status, attempts, error_category, message, amount, realm_id, qbo_id, request_id, request_generation,
            outcome_unknown, label, snapshot, attempt_log, created_at, updated_at)
        SELECT 1 + i % {tenants}, 1 + (i % ({tenants} * 200)), {entity}, 'ob-' || i,
            'PO-' || lpad(i::text, 7, '0'), 'v1', {STATUS_SQL},
            CASE WHEN i % 97 = 7 THEN 4 ELSE 1 END,
            CASE WHEN i % 97 = 7 THEN 'permanent' END, CASE WHEN i % 97 = 7 THEN {message} END,
            (i % 9700) / 7.0, '46208' || (i % {tenants}), CASE WHEN i % 97 NOT IN (7, 11, 12, 13, 17, 19)
            THEN (i % 97000)::text END, 'req-' || i, 0, false, 'Medline ' || i % 300, {snapshot},
            json_build_array(json_build_object('at', '2026-11-01T00:00:00', 'attempt', 1, 'status', 'synced')),
            now() - ({rows} - i) * interval '{days * 86400 / rows} seconds' - interval '1 hour',
            now() - ({rows} - i) * interval '{days * 86400 / rows} seconds'
        FROM generate_series(1, {rows}) i""",
    ]


def create_database(name: str) -> None:
    admin = create_engine(PG_SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(name: str) -> None:
    admin = create_engine(PG_SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def build_app(url: str, redis_url: str):
    from cryptography.fernet import Fernet

    from portal import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_hex(16),
        "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": True,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 10_000,
    }
    return create_app(config)


def seed(app, args: argparse.Namespace) -> None:
    """Migrate, then tenants and users through the ORM (a handful) and the bulk rows in SQL."""
    import flask_migrate

    from portal.app import MIGRATIONS_DIR
    from portal.extensions import db
    from portal.models import Tenant, User

    flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
    tenants = [Tenant(name=f"Tenant {n:02d}", slug=f"tenant-{n:02d}") for n in range(1, args.tenants + 1)]
    db.session.add_all(tenants)
    db.session.flush()
    for email, role, tenant in (("admin@bench.test", "tenant_admin", tenants[0]), ("help@bench.test", "support", None)):
        user = User(email=email, role=role, tenant=tenant)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()
    started = time.perf_counter()
    for statement in seed_sql(args.rows, args.tenants, args.days):
        db.session.execute(text(statement))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"seeded {args.rows:,} rows over {args.tenants} tenants in {time.perf_counter() - started:.0f} s")


class ServerLikeClient(FlaskClient):
    """Every request starts with an empty ``g``, as on a server (the app context stays pushed here)."""

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


class Session:
    """A test client signed in through the real login form."""

    def __init__(self, app, email: str) -> None:
        self.client = ServerLikeClient(app, app.response_class, use_cookies=True)
        page = self.client.get("/auth/login").get_data(as_text=True)
        self.csrf = CSRF_RE.search(page).group(1)
        answer = self.client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": self.csrf})
        assert answer.status_code == 302, f"login of {email} failed: {answer.status_code}"

    def get(self, url: str) -> None:
        answer = self.client.get(url)
        assert answer.status_code == 200, f"GET {url}: {answer.status_code}"

    def post(self, url: str, data: dict) -> None:
        answer = self.client.post(url, data={**data, "csrf_token": self.csrf})
        assert answer.status_code in (200, 302), f"POST {url}: {answer.status_code}"


def timed(action: Callable[[], None], repeat: int, warmup: int = 2, before: Callable[[], None] | None = None):
    """Milliseconds of ``repeat`` runs of ``action`` (after ``warmup`` untimed ones)."""
    samples = []
    for n in range(warmup + repeat):
        if before:
            before()
        start = time.perf_counter()
        action()
        if n >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"  {name:<34} p50 {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms   (n={len(samples)})")


def list_urls(who: str, deep_page: int) -> dict[str, str]:
    base = "/admin/activity/"
    return {
        "list (default)": base,
        "status filter (Sync Failed)": base + "?flt0_status_equals=sync_failed",
        f"search “{SEARCH}”": base + f"?search={SEARCH}",
        "sort by status": base + f"?sort={STATUS_SORT[who]}&desc=1",
        f"page {deep_page}": base + f"?page={deep_page - 1}",
        "tab Needs attention": base + "?flt9_status_group_equals=attention",
        "tab Synced": base + "?flt9_status_equals=synced",
    }


def run_lists(app, args) -> None:
    for who, email in (("tenant", "admin@bench.test"), ("support", "help@bench.test")):
        session = Session(app, email)
        print(f"{who} ({email}):")
        for name, url in list_urls(who, args.deep_page).items():
            report(name, timed(lambda url=url, s=session: s.get(url), args.repeat))
        report("dashboard", timed(lambda s=session: s.get("/admin/"), args.repeat))


def run_bulk_retry(app, args) -> None:
    """Support retries every Sync Failed row from the panel (confirmed); rows are failed again between runs."""
    from portal.extensions import db
    from portal.redis_conn import get_redis

    failed_ids = [r for (r,) in db.session.execute(text("SELECT id FROM sync_activity WHERE status = 'sync_failed'"))]
    session = Session(app, "help@bench.test")
    url = "/admin/activity/retry-matching/?flt0_status_equals=sync_failed"

    def refail() -> None:
        db.session.execute(
            text("UPDATE sync_activity SET status = 'sync_failed', attempts = 4 WHERE id = ANY(:ids)"),
            {"ids": failed_ids},
        )
        db.session.commit()
        db.session.remove()
        get_redis().flushdb()

    samples = timed(lambda: session.post(url, {"confirmed": "yes"}), args.retry_repeat, warmup=1, before=refail)
    queued = db.session.scalar(
        text("SELECT count(*) FROM sync_activity WHERE id = ANY(:ids) AND status = 'queued'"), {"ids": failed_ids}
    )
    print(f"support bulk retry of {len(failed_ids):,} Sync Failed rows ({queued:,} queued after the last run):")
    report("retry all matching (confirmed)", samples)
    refail()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = args.reuse or f"obqb_h2_panel_{os.getpid()}"
    print(
        f"panel benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU(s), Python "
        f"{sys.version.split()[0]}; database {name} (PostgreSQL), Redis {args.redis}"
    )
    if not args.reuse:
        create_database(name)
    try:
        app = build_app(f"{PG_SERVER}/{name}", args.redis)
        with app.app_context():
            from portal.redis_conn import get_redis

            get_redis().flushdb()
            if not args.reuse:
                seed(app, args)
            run_lists(app, args)
            run_bulk_retry(app, args)
            get_redis().flushdb()
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        if args.keep or args.reuse:
            print(f"kept database {name}")
        else:
            drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

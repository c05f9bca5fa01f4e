"""Sync benchmark: N records for each of R QuickBooks realms, pushed by W real worker processes.

One command (see bench/README.md)::

    .venv/bin/python -m bench.sync_bench --records 300 --realms 2 --workers 4 --scale 10

It starts its own QuickBooks sandbox (Intuit's limits on a clock ``--scale`` times faster), one
OpenBoxes sandbox per tenant, a fresh database (PostgreSQL when reachable, else a temporary SQLite
file) and an empty Redis database; creates one tenant per realm with a mix of suppliers, products
and approved purchase orders; runs ``python -m jobs.worker`` W times; enqueues one poll per tenant and
waits until every activity row is final. Then it prints, per realm: records/min against the ceiling
the request budget implies, 429s, duplicates, the concurrency high-water mark; and the engine's CPU
per record. Everything it starts is stopped on exit, Ctrl-C and errors included. Loopback only.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from devtools.sandboxes import OpenBoxesSandbox, QuickBooksSandbox

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"
FINAL = ("synced", "skipped", "sync_failed")
ENTITIES = ("supplier", "product", "purchase_order")
QBO_MINUTE = 60.0  # Intuit's throttle window, in real seconds
QBO_BUDGET = 500  # Intuit's requests per realm per window
QBO_CONCURRENCY = 10  # Intuit's concurrent requests per realm
OUR_SHARE = 0.96  # the app keeps its own budget a little under Intuit's (480 of 500, as the defaults do)
BATCH_MIN_ROWS = 10  # the app's default
BATCH_OFF = 1_000_000_000
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=300, help="records to push per realm (default 300)")
    parser.add_argument("--realms", type=int, default=2, help="QuickBooks realms, one tenant each (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--scale", type=float, default=10.0, help="clock speed-up: window = 60 s / scale")
    parser.add_argument(
        "--mix", default="1:5:4", help="suppliers:products:purchase orders ratio of the records (default 1:5:4)"
    )
    parser.add_argument(
        "--budget", type=int, default=QBO_BUDGET, help="sandbox requests per realm per window (Intuit: 500)"
    )
    parser.add_argument("--max-lines", type=int, default=3, help="lines per purchase order: 1..this (default 3)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the rows (default 300)")
    parser.add_argument("--database", choices=("auto", "postgres", "sqlite"), default="auto")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server (loopback)")
    parser.add_argument("--redis-db", type=int, help="Redis database to use and flush (default: an empty one)")
    parser.add_argument("--seed", type=int, default=4, help="seed for the data mix")
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs directory")
    parser.add_argument(
        "--sizes",
        help="records per realm, e.g. 1400,200,200 (the backlog-fairness scenario): replaces --records and "
        "--realms; the first realm is polled first and the others once its pushes are queued",
    )
    parser.add_argument("--fork", action="store_true", help="workers fork a work horse per job (jobs.worker --fork)")
    parser.add_argument(
        "--batch",
        action="store_true",
        help=f"a poll's backlog of purchase orders goes through POST /batch (SYNC_BATCH_MIN_ROWS {BATCH_MIN_ROWS}); "
        "without it batching is off, so the other figures stay single-push figures",
    )
    parser.add_argument(
        "--batch-counts-once",
        action="store_true",
        help="a batch call takes one request of the per-minute budget, not one per item (sandbox and limiter; "
        "which one Intuit does is unconfirmed)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        metavar="N",
        help="after the product, run the naive serial baseline (bench/naive_baseline.py) on N of each realm's "
        "records (the first orders with the suppliers and products they use, topped up to the mix) in new "
        "companies of the same sandbox, and print product ÷ baseline ratios",
    )
    parser.add_argument("--baseline-timeout", type=float, default=900.0, help="stop the baseline after (s)")
    args = parser.parse_args(argv)
    args.sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else None
    if args.sizes:
        args.realms, args.records = len(args.sizes), max(args.sizes)
    if min(args.records, args.realms, args.workers) < 1 or args.scale <= 0 or args.max_lines < 1:
        parser.error("--records, --realms, --workers and --max-lines must be ≥ 1, --scale > 0")
    return args


# --- the record mix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    suppliers: int
    products: int
    orders: int

    @property
    def total(self) -> int:
        return self.suppliers + self.products + self.orders


def split_mix(records: int, ratio: str) -> Mix:
    """Split ``records`` by ``ratio``; at least one supplier and one product when there are orders."""
    weights = [max(0, int(part)) for part in ratio.split(":")]
    if len(weights) != 3 or sum(weights) == 0:
        raise SystemExit("--mix must be three integers like 1:5:4")
    counts = [records * w // sum(weights) for w in weights]
    counts[weights.index(max(weights))] += records - sum(counts)
    suppliers, products, orders = counts
    if orders and not (suppliers and products):
        need = (suppliers == 0) + (products == 0)
        orders = max(0, orders - need)
        suppliers, products = max(1, suppliers), max(1, products)
    return Mix(suppliers, products, orders)


# --- processes -----------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    log: Path
    rusage: object = None
    baseline_cpu: float = 0.0
    final_stat: dict = field(default_factory=dict)


class Processes:
    """Every child the bench starts, each in its own session so Ctrl-C reaches only the bench."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.children: list[Child] = []

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Child:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def stop(self, child: Child, grace: float = 15.0) -> None:
        """SIGTERM, wait (bounded), SIGKILL if needed; reap with wait4 to keep the CPU it used."""
        if child.popen.returncode is not None:
            return
        try:
            child.popen.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(child.popen.pid, os.WNOHANG)
            if pid:
                child.popen.returncode, child.rusage = os.waitstatus_to_exitcode(status), usage
                return
            time.sleep(0.05)
        child.popen.kill()
        _, status, usage = os.wait4(child.popen.pid, 0)
        child.popen.returncode, child.rusage = os.waitstatus_to_exitcode(status), usage

    def wait(self, child: Child, timeout: float) -> None:
        """Wait (bounded) for ``child`` to exit by itself, reaping it with wait4; stop it after ``timeout``."""
        deadline = time.monotonic() + timeout
        while child.popen.returncode is None and time.monotonic() < deadline:
            pid, status, usage = os.wait4(child.popen.pid, os.WNOHANG)
            if pid:
                child.popen.returncode, child.rusage = os.waitstatus_to_exitcode(status), usage
                return
            time.sleep(0.1)
        self.stop(child)

    def stop_all(self) -> None:
        for child in reversed(self.children):
            try:
                self.stop(child)
            except ChildProcessError:
                child.popen.returncode = child.popen.returncode or -1


def start_sandbox(procs: Processes, name: str, module: str, options: list[str], timeout: float = 30.0) -> str:
    """Start ``python -m module --port 0 …`` and return the URL it prints (bounded wait)."""
    child = procs.start(name, [PYTHON, "-u", "-m", module, "--port", "0", *options])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in child.log.read_text(errors="replace").splitlines():
            if line.startswith("listening on http://127.0.0.1:"):
                return line.split()[-1]
        if child.popen.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not start; see {child.log}:\n{child.log.read_text(errors='replace')[-2000:]}")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> dict:
    """CPU seconds of a live process from /proc: own (utime+stime) and reaped children (cutime+cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return {}
    utime, stime, cutime, cstime = (int(value) / CLOCK_TICKS for value in fields[11:15])
    return {"self": utime + stime, "children": cutime + cstime}


# --- database and redis --------------------------------------------------------------------------


class Database:
    """A fresh PostgreSQL database when the local server answers, else a temporary SQLite file."""

    def __init__(self, choice: str, scratch: Path) -> None:
        self.kind, self.name, self.url = "sqlite", None, f"sqlite:///{scratch / 'bench.sqlite'}"
        if choice == "sqlite":
            return
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                name = f"sync_bench_{os.getpid()}_{secrets.token_hex(3)}"
                conn.execute(f'CREATE DATABASE "{name}"')
        except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            if choice == "postgres":
                raise SystemExit(f"PostgreSQL at {PG_ADMIN_URL} is not usable: {error}") from error
            return
        self.kind, self.name = "postgresql", name
        self.url = f"postgresql://postgres@127.0.0.1:5432/{name}"

    def describe(self) -> str:
        if self.kind == "postgresql":
            return f"PostgreSQL database {self.name} on 127.0.0.1:5432 (created now, dropped at exit)"
        return f"SQLite file {self.url.removeprefix('sqlite:///')} (temporary)"

    def drop(self) -> None:
        if self.kind != "postgresql":
            return
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def pick_redis_db(base: str, wanted: int | None) -> tuple[str, int]:
    """An empty Redis database (15 down to 1) unless one is named; it is flushed before and after."""
    from redis import Redis

    base = base.rstrip("/")
    if wanted is not None:
        return f"{base}/{wanted}", wanted
    for number in range(15, 0, -1):
        client = Redis.from_url(f"{base}/{number}")
        try:
            if client.dbsize() == 0:
                return f"{base}/{number}", number
        finally:
            client.close()
    raise SystemExit("no empty Redis database found; pass --redis-db N (it will be flushed)")


def flush_redis(url: str) -> None:
    from redis import Redis

    client = Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- app settings ----------------------------------------------------------------------------------


def our_budget(args) -> int:
    """The app's own budget: a little under the sandbox's (480 of 500), as the defaults are under Intuit's."""
    return max(1, int(args.budget * OUR_SHARE))


def env_delays(scale: float) -> str:
    """SYNC_RETRY_DELAYS on the scaled clock (the defaults are 60, 120 and 240 s)."""
    return ",".join(f"{60 * n / scale:g}" for n in (1, 2, 4))


def make_app_env(args, db_url: str, redis_url: str, qbo: str, scratch: Path) -> dict:
    """The environment of the app and the workers: sandbox URLs and the QuickBooks limits, scaled."""
    from cryptography.fernet import Fernet

    window = QBO_MINUTE / args.scale
    delays = env_delays(args.scale)
    return {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_hex(16),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INSTANCE_PATH": str(scratch / "instance"),
        "QBO_CLIENT_ID": "sandbox-client-id",
        "QBO_CLIENT_SECRET": "sandbox-client-secret",
        "QBO_AUTH_URL": f"{qbo}/connect/oauth2",
        "QBO_TOKEN_URL": f"{qbo}/oauth2/v1/tokens/bearer",
        "QBO_REVOKE_URL": f"{qbo}/v2/oauth2/tokens/revoke",
        "QBO_API_BASE": qbo,
        "QBO_RATE_BUDGET": str(our_budget(args)),
        "QBO_RATE_WINDOW_SECONDS": f"{window:g}",
        "QBO_MAX_CONCURRENCY": str(QBO_CONCURRENCY),
        "SYNC_RETRY_DELAYS": delays,
        "SYNC_BATCH_MIN_ROWS": str(BATCH_MIN_ROWS if args.batch else BATCH_OFF),
        "QBO_BATCH_ITEMS_COUNT": "0" if args.batch_counts_once else "1",
        "PYTHONUNBUFFERED": "1",
        # Bytecode is cached in the scratch directory (a deployed slug ships compiled bytecode), so a
        # work horse does not compile the job modules from source when PYTHONDONTWRITEBYTECODE is set.
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
        "BENCH_SQL_COUNTS": str(scratch / "sql-counts"),
    }


# --- tenants and their data --------------------------------------------------------------------------


@dataclass
class Realm:
    index: int
    realm: str
    ob_url: str
    tenant_id: int = 0
    records: int = 0
    enqueued_at: datetime | None = None
    created: Counter = field(default_factory=Counter)
    names: dict = field(default_factory=dict)
    plain: list = field(default_factory=list)  # the records as plain dicts, in creation order (the baseline's input)


def create_tenant(realm: Realm, qbo: str) -> None:
    """A tenant wired to its OpenBoxes sandbox and QuickBooks company, mappings saved, syncing enabled."""
    from devtools.seed import seed_connected_tenant
    from portal.extensions import db
    from portal.models import Tenant

    tenant = Tenant(name=f"Bench Clinic {realm.index}", slug=f"bench-{realm.index}", timezone="America/New_York")
    db.session.add(tenant)
    seed_connected_tenant(tenant, OpenBoxesSandbox(realm.ob_url), QuickBooksSandbox(qbo, realm.realm))
    realm.tenant_id = tenant.id


def create_records(realm: Realm, mix: Mix, max_lines: int, rng: random.Random) -> None:
    """Suppliers, products and approved purchase orders in the realm's OpenBoxes, through its control API."""
    ob, tag = OpenBoxesSandbox(realm.ob_url), f"R{realm.index}"
    suppliers = []
    for n in range(mix.suppliers):
        address = {"address": f"{n + 1} Main St", "city": "Boston", "stateOrProvince": "MA", "postalCode": "02110"}
        name = f"Supplier {tag}-{n:04d}"
        suppliers.append((ob.supplier(name, code=f"S{tag}{n:04d}", address=address)["id"], name))
        realm.plain.append({"kind": "supplier", "name": name, "address": address})
    products = []
    start = (datetime.now(UTC).date().replace(day=1)).isoformat()
    for n in range(mix.products):
        price, name, code = f"{rng.randint(50, 50000) / 100:.2f}", f"Product {tag}-{n:05d}", f"P{tag}{n:05d}"
        products.append((ob.product(name, code, price)["id"], name))
        realm.plain.append({"kind": "product", "name": name, "code": code, "price": price, "start": start})
    lines_total = 0
    for _ in range(mix.orders):
        picked = rng.sample(products, min(len(products), rng.randint(1, max_lines)))
        lines = [(p, rng.randint(1, 200), f"{rng.randint(10, 90000) / 1000:.3f}") for p in picked]
        supplier_id, supplier_name = rng.choice(suppliers)
        order = ob.purchase_order(supplier_id, [(p_id, q, u) for (p_id, _), q, u in lines])
        ob.approve(order["id"])
        lines_total += len(lines)
        plain_lines = [(p_name, q, u) for (_, p_name), q, u in lines]
        realm.plain.append(
            {"kind": "purchase_order", "supplier": supplier_name, "lines": plain_lines, "number": order["orderNumber"]}
        )
    realm.created.update(supplier=mix.suppliers, product=mix.products, purchase_order=mix.orders, lines=lines_total)


# --- running and watching --------------------------------------------------------------------------


def warm_bytecode(env: dict, timeout: float = 120.0) -> None:
    """Import what a worker and its work horses import once, so the bytecode cache is filled."""
    code = "import jobs.worker, jobs.sync, portal.engine.poll, portal.engine.push"
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True, timeout=timeout)


def wait_for_workers(count: int, workers: list[Child], timeout: float = 60.0) -> None:
    from rq import Worker

    from portal.redis_conn import get_redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(Worker.all(connection=get_redis())) >= count:
            return
        dead = [w.name for w in workers if w.popen.poll() is not None]
        if dead:
            raise RuntimeError(f"worker(s) exited at start: {dead}; see their logs")
        time.sleep(0.1)
    raise RuntimeError(f"only {len(Worker.all(connection=get_redis()))} of {count} workers registered in {timeout} s")


def status_counts() -> dict[int, Counter]:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import SyncActivity

    db.session.rollback()  # see the workers' commits
    query = select(SyncActivity.tenant_id, SyncActivity.status, func.count()).group_by(
        SyncActivity.tenant_id, SyncActivity.status
    )
    counts: dict[int, Counter] = {}
    for tenant_id, status, number in db.session.execute(query):
        counts.setdefault(tenant_id, Counter())[status] = number
    return counts


def polls_finished(tenant_ids: list[int]) -> bool:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import SyncRun

    rows = db.session.execute(select(SyncRun.tenant_id, SyncRun.finished_at)).all()
    done = {tenant_id for tenant_id, finished in rows if finished is not None}
    return all(tenant_id in done for tenant_id in tenant_ids)


def progress_line(elapsed: float, counts: dict[int, Counter]) -> str:
    total = sum(counts.values(), Counter())
    shown = " ".join(f"{s}={total.get(s, 0)}" for s in ("queued", "syncing", "retrying", *FINAL))
    return f"  [{elapsed:6.1f} s] {shown}"


def wait_until_final(realms: list[Realm], workers: list[Child], timeout: float) -> tuple[bool, float]:
    """Poll the database (bounded) until every tenant's poll finished and every row is final."""
    started, last_print = time.monotonic(), 0.0
    tenant_ids = [realm.tenant_id for realm in realms]
    while (elapsed := time.monotonic() - started) < timeout:
        counts = status_counts()
        pending = sum(n for c in counts.values() for s, n in c.items() if s not in FINAL)
        if pending == 0 and polls_finished(tenant_ids) and counts:
            print(progress_line(elapsed, counts), flush=True)
            return True, elapsed
        if elapsed - last_print >= 5:
            print(progress_line(elapsed, counts), flush=True)
            last_print = elapsed
        if all(worker.popen.poll() is not None for worker in workers):
            print("  every worker has exited; giving up", flush=True)
            return False, elapsed
        time.sleep(0.25)
    return False, time.monotonic() - started


# --- measuring ------------------------------------------------------------------------------------------


def duplicated(values) -> list[str]:
    counts = Counter(str(v).strip().lower() for v in values if v not in (None, ""))
    return sorted(value for value, n in counts.items() if n > 1)


def realm_duplicates(qbo: str, realm: Realm) -> dict[str, list[str]]:
    """Names and numbers that appear twice in the realm, and OpenBoxes markers on two documents."""
    dump = QuickBooksSandbox(qbo, realm.realm).dump()
    orders = dump.get("PurchaseOrder", []) + dump.get("Bill", [])
    return {
        "Vendor DisplayName": duplicated(v.get("DisplayName") for v in dump.get("Vendor", [])),
        "Item Name": duplicated(i.get("Name") for i in dump.get("Item", [])),
        "Item Sku": duplicated(i.get("Sku") for i in dump.get("Item", [])),
        "DocNumber": duplicated(o.get("DocNumber") for o in orders),
        "PrivateNote marker": duplicated(o.get("PrivateNote") for o in orders),
        "_counts": {
            "Vendor": len(dump.get("Vendor", [])),
            "Item": len(dump.get("Item", [])),
            "PurchaseOrder": len(dump.get("PurchaseOrder", [])),
        },
    }


def activity_facts(tenant_id: int) -> dict:
    """Statuses, rows synced twice for one OpenBoxes record, rows left in syncing, failures, timings."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import SyncActivity, SyncRun

    db.session.rollback()
    rows = db.session.scalars(select(SyncActivity).filter_by(tenant_id=tenant_id)).all()
    synced = Counter((r.entity_type, r.openboxes_id) for r in rows if r.status == "synced")
    final_times = sorted(r.updated_at for r in rows if r.status in FINAL)
    runs = db.session.scalars(select(SyncRun).filter_by(tenant_id=tenant_id)).all()
    poll = sum((r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at)
    return {
        "statuses": Counter(r.status for r in rows),
        "synced_by_entity": dict(sorted(Counter(r.entity_type for r in rows if r.status == "synced").items())),
        "synced_twice": sorted(f"{e} {i}" for (e, i), n in synced.items() if n > 1),
        "stuck_syncing": [r.id for r in rows if r.status == "syncing"],
        "failures": Counter(f"{r.entity_type}: {r.message}" for r in rows if r.status == "sync_failed"),
        "attempts_over_1": sum(1 for r in rows if r.attempts > 1),
        "first_final": final_times[0] if final_times else None,
        "first_synced": min((r.updated_at for r in rows if r.status == "synced"), default=None),
        "last_change": max((r.updated_at for r in rows), default=None),
        "poll_seconds": poll,
    }


def failed_jobs() -> list[str]:
    from rq import Queue

    from jobs.queues import QUEUE_NAMES
    from portal.redis_conn import get_redis

    ids = []
    for name in QUEUE_NAMES:
        ids += Queue(name, connection=get_redis()).failed_job_registry.get_job_ids()
    return ids


# --- the report --------------------------------------------------------------------------------------------


def seconds_of(usage) -> float:
    return usage.ru_utime + usage.ru_stime if usage is not None else 0.0


def print_header(args, database: Database, redis_url: str, qbo: str, realms: list[Realm]) -> None:
    window = QBO_MINUTE / args.scale
    print(
        f"sync benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, {os.cpu_count()} CPU(s), "
        f"Python {sys.version.split()[0]}"
    )
    print(f"database: {database.describe()}")
    print(f"redis:    {redis_url} (flushed before and after)")
    print(
        f"QuickBooks sandbox {qbo}: window {window:g} s (scale ×{args.scale:g}), budget {args.budget}/realm/window, "
        f"concurrency {QBO_CONCURRENCY}/realm, Retry-After on"
    )
    print(
        f"app limits: QBO_RATE_BUDGET={our_budget(args)} QBO_RATE_WINDOW_SECONDS={window:g} "
        f"QBO_MAX_CONCURRENCY={QBO_CONCURRENCY}; SYNC_RETRY_DELAYS={env_delays(args.scale)} s"
    )
    for realm in realms if args.sizes else realms[:1]:
        mix = split_mix(realm.records, args.mix)
        print(
            f"{'realm ' + str(realm.index) if args.sizes else str(args.realms) + ' realm(s)'} × {mix.total} records "
            f"= {mix.suppliers} suppliers + {mix.products} products + {mix.orders} approved POs "
            f"(1–{args.max_lines} lines)"
        )
    if args.sizes:
        print("polls: realm 1 first; the others once realm 1's poll has finished (its pushes queued)")
    kind = "--fork: a forked work horse per job" if args.fork else "no fork: jobs run in the worker process"
    print(f"workers:  {args.workers} × `python -m jobs.worker` ({kind}; bytecode cached in the scratch directory)")
    for realm in realms:
        print(
            f"  realm {realm.realm} ← tenant {realm.tenant_id}, OpenBoxes sandbox {realm.ob_url}, "
            f"{realm.created['lines']} PO lines"
        )


def report_realm(args, realm: Realm, qbo_counters: dict, dups: dict, facts: dict, t0: datetime) -> dict:
    window, budget = QBO_MINUTE / args.scale, our_budget(args)
    synced = facts["statuses"].get("synced", 0)
    wall = (facts["last_change"] - t0).total_seconds() if facts["last_change"] else float("nan")
    span = (facts["last_change"] - facts["first_final"]).total_seconds() if facts["first_final"] else float("nan")
    requests_made = qbo_counters.get("requests", 0)
    per_record = requests_made / synced if synced else float("nan")
    dup_found = {k: v for k, v in dups.items() if not k.startswith("_") and v}
    print(f"\nrealm {realm.realm} (tenant {realm.tenant_id})")
    print(
        f"  rows:            {dict(sorted(facts['statuses'].items()))}; synced by entity: {facts['synced_by_entity']}"
    )
    print(f"  records synced:  {synced} of {sum(realm.created[k] for k in ENTITIES)} created")
    print(f"  poll:            {facts['poll_seconds']:.1f} s (SyncRun started → finished)")
    first = (facts["first_synced"] - realm.enqueued_at).total_seconds() if facts["first_synced"] else float("nan")
    print(f"  first row:       {first:.1f} s after this realm's poll was enqueued (time to first synced row)")
    print(
        f"  wall time:       {wall:.1f} s = {wall / window:.2f} QuickBooks minutes (poll enqueued → last row final); "
        f"this realm's own push span {span:.1f} s (first row final → last)"
    )
    print(
        f"  records/min:     {rate(synced, wall, window):.0f} per QuickBooks minute over the wall time, "
        f"{rate(synced, span, window):.0f} over its push span"
    )
    print(
        f"  ceiling:         {budget / per_record:.0f} records/min = budget {budget} requests/min "
        f"÷ {per_record:.2f} QBO requests per record (measured)"
    )
    print(
        f"  QBO requests:    {requests_made} (reads {qbo_counters.get('reads', 0)}, "
        f"writes {qbo_counters.get('writes', 0)}, errors {qbo_counters.get('errors', 0)}, "
        f"replays {qbo_counters.get('replays', 0)}); token refreshes {qbo_counters.get('token_refresh_token', 0)}"
    )
    print(f"  429s:            {qbo_counters.get('throttled', 0)}")
    if args.batch:
        print(f"  batch calls:     {batch_calls(args, realm)}")
    print(f"  max_in_flight:   {qbo_counters.get('max_in_flight', 0)} (cap {QBO_CONCURRENCY})")
    print(f"  in QuickBooks:   {dups['_counts']}")
    print(
        f"  duplicates:      {sum(len(v) for v in dup_found.values())} in QuickBooks {dup_found or ''}; "
        f"{len(facts['synced_twice'])} records synced twice {facts['synced_twice'][:5] or ''}"
    )
    print(
        f"  stuck syncing:   {len(facts['stuck_syncing'])} {facts['stuck_syncing'][:10] or ''}; "
        f"rows with >1 attempt: {facts['attempts_over_1']}"
    )
    for message, n in facts["failures"].most_common(5):
        print(f"  sync_failed ×{n}: {message}")
    return {
        "synced": synced,
        "requests": requests_made,
        "reads": qbo_counters.get("reads", 0),
        "throttled": qbo_counters.get("throttled", 0),
        "first_row": first,
        "span": span,
        "duplicates": sum(len(v) for v in dup_found.values()) + len(facts["synced_twice"]),
    }


def batch_calls(args, realm: Realm) -> str:
    """How many ``POST /batch`` calls this realm's log holds, and their items (each counted per item unless
    ``--batch-counts-once``)."""
    qbo = os.environ["QBO_API_BASE"]
    calls = [e for e in QuickBooksSandbox(qbo).request_log(realm.realm) if e["path"].endswith("/batch")]
    counted = "once each" if args.batch_counts_once else "one request per item"
    return f"{len(calls)} ({sum(1 for e in calls if e.get('status') == 200)} answered 200; budget: {counted})"


def rate(records: int, seconds: float, window: float) -> float:
    """Records per QuickBooks minute (one minute = one throttle window on the scaled clock)."""
    return records / (seconds / window) if seconds and seconds > 0 else float("nan")


def _by_entity(by_entity: Counter) -> str:
    parts = Counter()
    for (entity, status), n in by_entity.items():
        if status == "synced":
            parts[entity] += n
    return ", ".join(f"{entity} {n}" for entity, n in sorted(parts.items()))


def report_cpu(workers: list[Child], synced: int) -> float:
    total = sum(seconds_of(w.rusage) for w in workers)
    baseline = sum(w.baseline_cpu for w in workers)
    horses = sum(w.final_stat.get("children", 0.0) for w in workers)
    engine = total - baseline
    print("\nengine CPU (all worker processes, user+sys, from wait4 rusage incl. reaped work horses)")
    print(f"  total {total:.2f} s − {baseline:.2f} s spent before the first job (imports, start-up) = {engine:.2f} s")
    print(f"  of which in work horses (forked per job; /proc cutime+cstime before stop): {horses:.2f} s")
    if synced:
        print(f"  per record synced: {1000 * engine / synced:.1f} ms  (horses only: {1000 * horses / synced:.1f} ms)")
    for w in workers:
        print(
            f"    {w.name}: exit {w.popen.returncode}, cpu {seconds_of(w.rusage):.2f} s "
            f"(baseline {w.baseline_cpu:.2f} s)"
        )
    return engine


def report_sql(env: dict, synced: int, fork: bool) -> Counter:
    """SQL statements and commits per record, counted in the worker processes (bench.counting_worker)."""
    from bench.counting_worker import read_counts

    counts = read_counts(Path(env["BENCH_SQL_COUNTS"]))
    if fork:
        print("\nSQL per record: not counted with --fork (each work horse's counts end with it)")
    elif synced:
        shown = ", ".join(f"{name} {n / synced:.1f}" for name, n in sorted(counts.items()))
        print(f"\nSQL per record synced (all jobs, polls included): {shown}")
    return counts


# --- main ------------------------------------------------------------------------------------------------


def run(args, procs: Processes, scratch: Path, cleanups: list, summary: dict) -> int:
    window = QBO_MINUTE / args.scale
    database = Database(args.database, scratch)
    cleanups.append(database.drop)
    redis_url, _ = pick_redis_db(args.redis, args.redis_db)
    flush_redis(redis_url)
    cleanups.append(lambda: flush_redis(redis_url))

    qbo = start_sandbox(
        procs,
        "qbo-sandbox",
        "sandbox.quickbooks",
        [
            "--window-seconds",
            f"{window:g}",
            "--request-budget",
            str(args.budget),
            "--concurrency",
            str(QBO_CONCURRENCY),
            "--retry-after",
            *(["--batch-counts-once"] if args.batch_counts_once else []),
        ],
    )
    realms = []
    for index in range(1, args.realms + 1):
        ob = start_sandbox(procs, f"ob-sandbox-{index}", "sandbox.openboxes", ["--data", "empty"])
        realm = f"46208{index:011d}"
        QuickBooksSandbox(qbo).add_company(realm, f"Bench Company {index}", "Plus", "USD", multicurrency=False)
        records = args.sizes[index - 1] if args.sizes else args.records
        realms.append(Realm(index, realm, ob, records=records))

    env = make_app_env(args, database.url, redis_url, qbo, scratch)
    os.environ.update(env)
    import flask_migrate

    from portal import create_app
    from portal.app import MIGRATIONS_DIR
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        logging.disable(logging.INFO)  # alembic's "Running upgrade …" lines
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        finally:
            logging.disable(logging.NOTSET)
        try:
            code = measure(args, app, procs, env, realms, database, redis_url, qbo, window, summary)
            if args.baseline:
                from bench.compare import print_comparison, run_baseline

                summary["baseline"] = run_baseline(args, procs, qbo, realms, scratch)
                print_comparison(args, summary)
            return code
        finally:
            db.session.remove()
            db.engine.dispose()


def enqueue_polls(args, realms: list[Realm], timeout: float) -> None:
    """One poll per tenant; with ``--sizes`` the first realm's pushes are queued before the others' polls."""
    from jobs.queues import enqueue_poll

    slot = f"bench-{datetime.now(UTC).timestamp()}"
    later = realms[1:] if args.sizes else []
    for realm in [r for r in realms if r not in later]:
        realm.enqueued_at = datetime.now(UTC)
        enqueue_poll(realm.tenant_id, "manual", slot=slot)
    deadline = time.monotonic() + timeout
    while later and not polls_finished([realms[0].tenant_id]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for realm in later:
        realm.enqueued_at = datetime.now(UTC)
        enqueue_poll(realm.tenant_id, "manual", slot=slot)


def measure(args, app, procs, env, realms, database, redis_url, qbo, window, summary: dict) -> int:

    rng = random.Random(args.seed)
    for realm in realms:
        create_tenant(realm, qbo)
    time.sleep(1.2)  # OpenBoxes stamps whole seconds: records must come strictly after sync_enabled_at
    print("creating records in OpenBoxes …", flush=True)
    for realm in realms:
        create_records(realm, split_mix(realm.records, args.mix), args.max_lines, rng)
    print_header(args, database, redis_url, qbo, realms)

    warm_bytecode(env)
    command = [PYTHON, "-m", "bench.counting_worker", *(["--fork"] if args.fork else [])]
    workers = [procs.start(f"worker-{n}", command, env) for n in range(1, args.workers + 1)]
    wait_for_workers(args.workers, workers)
    time.sleep(0.5)
    for worker in workers:
        worker.baseline_cpu = sum(proc_cpu(worker.popen.pid).values())
    QuickBooksSandbox(qbo).reset_counters()

    t0 = datetime.now(UTC)
    enqueue_polls(args, realms, args.timeout)
    print(
        f"\n{args.workers} workers ready; one poll per tenant enqueued; waiting (timeout {args.timeout:g} s) …",
        flush=True,
    )
    finished, elapsed = wait_until_final(realms, workers, args.timeout)
    for worker in workers:
        worker.final_stat = proc_cpu(worker.popen.pid)
    for worker in workers:
        procs.stop(worker)
    if not finished:
        print(f"\nTIMEOUT after {elapsed:.0f} s: rows were still pending (see below)")

    counters = QuickBooksSandbox(qbo).counters()["realms"]
    per_realm = []
    for realm in realms:
        facts = activity_facts(realm.tenant_id)
        dups = realm_duplicates(qbo, realm)
        per_realm.append(report_realm(args, realm, counters.get(realm.realm, {}), dups, facts, t0))
    synced_total = sum(r["synced"] for r in per_realm)
    crashed = failed_jobs()
    print(
        f"\nall realms: {synced_total} records in {elapsed:.1f} s = "
        f"{rate(synced_total, elapsed, window):.0f} records per QuickBooks minute in total"
    )
    print(f"RQ failed jobs (crashes): {len(crashed)} {crashed[:10] or ''}")
    engine_cpu = report_cpu(workers, synced_total)
    sql = report_sql(env, synced_total, args.fork)
    summary["product"] = {
        **{key: sum(r[key] for r in per_realm) for key in ("synced", "requests", "reads", "throttled", "duplicates")},
        "wall_seconds": elapsed,
        "cpu_seconds": engine_cpu,
        "sql": dict(sql),
        "realms": per_realm,
        "finished": finished,
        "crashed": len(crashed),
    }
    return 0 if finished and not crashed else 1


def main(argv: list[str] | None = None, summary: dict | None = None) -> int:
    """Run the benchmark; ``summary`` (when given) receives the product's and the baseline's figures."""
    args = parse_args(argv)
    summary = {} if summary is None else summary
    scratch = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    logs = scratch / "logs"
    logs.mkdir()
    procs, cleanups = Processes(logs), []
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    code = 1
    try:
        code = run(args, procs, scratch, cleanups, summary)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything", file=sys.stderr)
        code = 130
    finally:
        procs.stop_all()
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 - keep cleaning up the rest
                print(f"cleanup failed: {error}", file=sys.stderr)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        if args.keep_logs or code != 0:
            print(f"\nlogs kept in {logs}")
        else:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Issue 11, "Proof": seeded good and malformed records through real workers and both sandboxes.

The generator (``devtools/fuzz.py``) puts FUZZ_GOOD good and FUZZ_BAD malformed records into the OpenBoxes
sandbox and knows what each must become. Two real ``python -m jobs.worker`` (scheduler on, retries shortened)
work the polls and pushes until nothing is pending. Then: no crashed job, no row left pending, every good
record synced exactly once, every bad one Sync Failed or skipped with a reason naming it, and every document in
QuickBooks equal to OpenBoxes' amount to the cent.

CI size: 100 + 100, seed 11. Full size (figures in README.md › Fuzz run):
``FUZZ_GOOD=1000 FUZZ_BAD=1000 .venv/bin/python -m pytest -m slow -s -p no:cacheprovider tests/engine/test_fuzz.py``
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from rq import Queue

from devtools.fuzz import SKIPPED, SYNCED, Expected, generate
from jobs.queues import QUEUE_NAMES, enqueue_poll
from portal.models import EntityLink, SyncActivity, SyncRun
from tests.workers import ROOT, worker_env

GOOD = int(os.environ.get("FUZZ_GOOD", "100"))
BAD = int(os.environ.get("FUZZ_BAD", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "11"))
EXCLUDE = tuple(filter(None, os.environ.get("FUZZ_EXCLUDE", "").split(",")))  # malformation names, for a look
WORKERS = int(os.environ.get("FUZZ_WORKERS", "2"))
TIMEOUT = float(os.environ.get("FUZZ_TIMEOUT", str(60 + (GOOD + BAD) * 0.6)))
PENDING = ("queued", "syncing", "retrying")
ENTITIES = ("supplier", "product", "purchase_order", "shipment", "adjustment")
GENERIC = ("report this to support", "will retry", "Network failure", "unexpected error")
DOCUMENTS = ("PurchaseOrder", "Bill", "Invoice", "SalesReceipt", "JournalEntry")
MARKER = re.compile(r"\[openboxes:(\w+):([^:\]]+):")
FAST = {"QBO_RATE_BUDGET": "90000", "QBO_RATE_PER_SECOND": "1000", "QBO_BATCH_BUDGET": "1000"}


@pytest.fixture
def fuzz(tenant, ob, qb, qbo_app):
    qb.control("PUT", "/throttle", {"request_budget": 1_000_000, "rate_per_second": 100_000})
    qbo_app.config["SYNC_RETRY_DELAYS"] = (0.5, 0.5, 0.5)  # the real backoff path, in seconds
    started = time.monotonic()
    expected = generate(ob, good=GOOD, bad=BAD, seed=SEED, exclude=EXCLUDE)
    print(f"\ngenerated {GOOD} good + {BAD} malformed records (seed {SEED}) in {time.monotonic() - started:.1f} s")
    return expected


@pytest.fixture
def workers(qbo_app, tmp_path):
    """WORKERS real workers (scheduler on); logs go to files, never to a pipe nobody reads (that would block them)."""
    env = {**worker_env(qbo_app.config), **FAST}
    processes = []
    for number in range(WORKERS):
        with (tmp_path / f"worker-{number}.log").open("wb") as output:
            command = [sys.executable, "-m", "jobs.worker"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT))
    yield processes
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print(f"worker logs: {tmp_path}")


def pending_rows(db) -> int:
    db.session.expire_all()
    return db.session.query(SyncActivity).filter(SyncActivity.status.in_(PENDING)).count()


def run_polls_until_settled(db, tenant, timeout: float) -> tuple[int, float]:
    """Poll as the clock would, each time the last poll is done and the pushes are quiet, until a poll finds
    nothing new and no row is pending. Returns (polls, seconds); stops at ``timeout`` (then rows are stuck)."""
    started, polls = time.monotonic(), 0
    while time.monotonic() - started < timeout:
        polls += 1
        enqueue_poll(tenant.id, "manual", slot=f"fuzz{polls}")
        run = wait_for_poll(db, polls, started + timeout)
        quiet = wait_quiet(db, started + timeout)
        if run is not None and run.queued == 0 and quiet:
            break
    return polls, time.monotonic() - started


def wait_for_poll(db, count: int, deadline: float) -> SyncRun | None:
    while time.monotonic() < deadline:
        db.session.expire_all()
        runs = db.session.query(SyncRun).filter(SyncRun.finished_at.isnot(None)).order_by(SyncRun.id).all()
        if len(runs) >= count:
            return runs[-1]
        time.sleep(0.2)
    return None


def wait_quiet(db, deadline: float, settle: float = 3.0) -> bool:
    """Until no row is pending (True), or the pending count has not moved for ``settle`` seconds (False)."""
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = pending_rows(db)
        if now == 0:
            return True
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > settle:
            return False
        time.sleep(0.2)
    return False


def crashed_jobs(redis) -> list[tuple[str, str]]:
    """(job id, the end of its traceback) for every job in a failed-job registry."""
    crashes = []
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=redis)
        for job_id in queue.failed_job_registry.get_job_ids():
            job = queue.fetch_job(job_id)
            last = (job.latest_result().exc_string or "").strip().splitlines()[-3:] if job else []
            crashes.append((job_id, " ".join(line.strip() for line in last)))
    return crashes


def crash_part(job_id: str, rows: dict[int, SyncActivity], parts: dict[tuple[str, str], int]) -> str:
    """``crash`` plus the part of issue 11 whose record crashed the push (job ids are ``push-<row id>-…``)."""
    match = re.match(r"push-(\d+)-", job_id)
    row = rows.get(int(match.group(1))) if match else None
    return (
        f"crash, part {parts[(row.entity_type, row.openboxes_id)]}"
        if row and (row.entity_type, row.openboxes_id) in parts
        else "crash"
    )


def amount_of(document: dict) -> Decimal:
    if "TotalAmt" in document:
        return Decimal(str(document["TotalAmt"]))
    debits = [line for line in document["Line"] if line["JournalEntryLineDetail"]["PostingType"] == "Debit"]
    return sum((Decimal(str(line["Amount"])) for line in debits), Decimal(0))


class Findings:
    """Every way the run missed an expectation, each tagged with the part of issue 11 that should fix it."""

    def __init__(self) -> None:
        self.items: list[tuple[int | str, str]] = []

    def add(self, part: int | str, text: str) -> None:
        self.items.append((part, text))

    def report(self) -> str:
        by_part = defaultdict(list)
        for part, text in self.items:
            by_part[part].append(text)
        lines = []
        for part, texts in sorted(by_part.items(), key=lambda item: str(item[0])):
            lines.append(f"part {part}: {len(texts)} finding(s)")
            lines += [f"  - {text[:300]}" for text in texts[:25]]
        return "\n".join(lines)


def check_record(expected: Expected, rows: list[SyncActivity], findings: Findings, blocked: set[str]) -> str:
    """The record's outcome as observed; findings for any way it differs from the expectation.

    A record without any row whose entity's poll stopped on an error was held back by another record: part 1.
    """
    what = f"{expected.entity} {expected.case} {expected.key}"
    statuses = Counter(row.status for row in rows)
    if not rows:
        part = 1 if expected.entity in blocked else expected.part
        findings.add(part, f"{what}: no activity row (never read; poll errors for {sorted(blocked)})")
        return "missing"
    if expected.outcome == SYNCED:
        if statuses != Counter({"synced": 1}):
            orphaned = set(statuses) == {"queued"} and expected.entity in blocked  # its poll stopped before the push
            part = 1 if orphaned else expected.part
            findings.add(part, f"{what}: expected synced once, rows {dict(statuses)}: {rows[-1].message}")
        return "synced" if statuses.get("synced") else rows[-1].status
    final = [row for row in rows if row.status in ("sync_failed", "skipped")]
    wanted = ("skipped",) if expected.outcome == SKIPPED else ("sync_failed", "skipped")
    if statuses.get("synced") or not final or any(row.status not in wanted for row in final):
        findings.add(expected.part, f"{what}: expected {expected.outcome}, rows {dict(statuses)}: {rows[-1].message}")
        return "synced" if statuses.get("synced") else rows[-1].status
    message = final[-1].message or ""
    missing = [text for text in expected.mentions if str(text) not in message]
    generic = [text for text in GENERIC if text.lower() in message.lower()]
    if missing or generic:
        findings.add(expected.part, f"{what}: reason {message!r} lacks {missing} or is generic {generic}")
    return final[-1].status


def check_documents(expected: list[Expected], dump: dict, findings: Findings, unsynced: set[str]) -> int:
    """Exactly one document per good document record, none for a failed one, amounts equal to the cent.

    A record whose row did not sync (``unsynced`` keys, already a finding) is not counted twice for its
    missing document."""
    documents = [doc for kind in DOCUMENTS for doc in dump.get(kind, [])]
    by_number = defaultdict(list)
    for document in documents:
        by_number[document.get("DocNumber")].append(document)
    known = {}
    for record in expected:
        if record.doc_number is None:
            continue
        known[record.doc_number] = record
        found = by_number.get(record.doc_number, [])
        if record.outcome != SYNCED:
            if found:
                findings.add(record.part, f"{record.entity} {record.case} {record.key}: written although bad: {found}")
            continue
        if len(found) != 1 and not (record.key in unsynced and not found):
            what = f"{record.entity} {record.case} {record.key}"
            findings.add(record.part, f"{what}: {len(found)} documents in QuickBooks")
        for document in found:
            if amount_of(document) != record.amount:
                findings.add(
                    record.part,
                    f"{record.entity} {record.case} {record.key}: QuickBooks {amount_of(document)} != "
                    f"OpenBoxes {record.amount}",
                )
    by_key = {(record.entity, record.key): record for record in expected}
    for document in (doc for doc in documents if doc.get("DocNumber") not in known):
        marked = MARKER.search(document.get("PrivateNote") or "")
        record = by_key.get(marked.groups()) if marked else None
        part = record.part if record else 0
        findings.add(
            part, f"a document under a DocNumber no record has: {document.get('DocNumber')}, {marked and marked[0]}"
        )
    return len(documents)


def check_name_lists(db, dump: dict, findings: Findings) -> None:
    """One QuickBooks object per linked record: no duplicates created behind the ledger's back."""
    links = Counter(link.entity_type for link in db.session.query(EntityLink))
    for entity, kind in (("product", "Item"), ("customer", "Customer")):
        if len(dump.get(kind, [])) != links[entity]:
            findings.add(0, f"{len(dump.get(kind, []))} {kind} objects for {links[entity]} {entity} links")
    if len(dump.get("Vendor", [])) != links["supplier"]:
        findings.add(0, f"{len(dump.get('Vendor', []))} Vendor objects for {links['supplier']} supplier links")


def check_rows(rows: list[SyncActivity], fuzz: list[Expected], redis, blocked: set[str], findings: Findings) -> None:
    """No crashed job and no row left pending; a queued row of an entity whose poll stopped was never handed to a
    worker (the poll's error dropped its pushes): that is part 1's."""
    parts = {(record.entity, record.key): record.part for record in fuzz}
    for job_id, trace in crashed_jobs(redis):
        findings.add(crash_part(job_id, {row.id: row for row in rows}, parts), f"{job_id}: {trace}")
    for row in (row for row in rows if row.status in PENDING):
        part = parts.get((row.entity_type, row.openboxes_id), "?")
        if row.status == "queued" and row.entity_type in blocked:
            part = 1
        findings.add(f"stuck, part {part}", f"{row.entity_type} {row.openboxes_id} still {row.status}: {row.message}")


def print_figures(polls: int, seconds: float, rows: list, documents: int, observed: Counter, errors: list) -> None:
    print(f"settled after {polls} poll(s) in {seconds:.1f} s; {len(rows)} activity rows, {documents} documents")
    for (kind, wanted, got), count in sorted(observed.items()):
        print(f"  {kind:4} expected {wanted:8} → {got:12} {count}")
    print(f"  polls that stopped an entity: {len(errors)}, e.g. {errors[-1:]}")


@pytest.mark.slow
def test_fuzzed_records_all_end_where_they_must(fuzz, workers, tenant, qb, db, redis):
    polls, seconds = run_polls_until_settled(db, tenant, TIMEOUT)
    findings = Findings()
    db.session.expire_all()
    rows = db.session.query(SyncActivity).order_by(SyncActivity.id).all()
    errors = [run.error for run in db.session.query(SyncRun) if run.error]
    blocked = {entity for entity in ENTITIES for error in errors if f"{entity}: " in error}
    check_rows(rows, fuzz, redis, blocked, findings)
    by_record = defaultdict(list)
    for row in rows:
        by_record[(row.entity_type, row.openboxes_id)].append(row)
    observed, unsynced = Counter(), set()
    for record in fuzz:
        outcome = check_record(record, by_record.get((record.entity, record.key), []), findings, blocked)
        observed[("good" if record.good else "bad", record.outcome, outcome)] += 1
        if record.outcome == SYNCED and outcome != "synced":
            unsynced.add(record.key)
    dump = qb.dump()
    documents = check_documents(fuzz, dump, findings, unsynced)
    check_name_lists(db, dump, findings)

    print_figures(polls, seconds, rows, documents, observed, errors)
    assert not findings.items, findings.report()

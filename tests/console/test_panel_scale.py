"""The panel at a million rows, by its mechanisms (bench/panel_bench.py measures the times): lists that do
not load the snapshot, capped counts and pages, a set-based bulk retry enqueued in pipelines, a dashboard
whose query count does not grow with the tenants."""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from redis.client import Pipeline
from rq import Queue
from rq.job import Job
from rq.rate_limit import RateLimitRegistry
from sqlalchemy import event

import jobs.queues
import jobs.sync
from portal.admin.activity import SyncActivityView
from portal.engine.activity import ATTEMPT_LOG_LIMIT
from portal.models import AuditEvent, SyncActivity, SyncRun
from portal.services import stats, triage
from tests.conftest import TEST_PASSWORD
from tests.factories import make_tenant, make_user

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
SNAPSHOT = {"row": {"product": {"productCode": "GZ-10"}}, "padding": "x" * 200}


@contextmanager
def statements(db):
    """Every SQL statement the app sends while the block runs."""
    seen: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def add_rows(
    db, tenant, count: int, status: str = "synced", start: int = 0, entity_type: str = "purchase_order", **fields
) -> list[SyncActivity]:
    """``count`` rows of ``tenant``, number ``N-<i>``, one minute apart (higher i = newer)."""
    rows = [
        SyncActivity(
            tenant=tenant,
            entity_type=entity_type,
            openboxes_id=f"{tenant.slug}-{i}",
            openboxes_number=f"N-{i:03d}",
            version="v1",
            status=status,
            snapshot=SNAPSHOT,
            updated_at=T0 + timedelta(minutes=i),
            **fields,
        )
        for i in range(start, start + count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme Medical")
    make_user("admin@acme.test", "tenant_admin", tenant, TEST_PASSWORD)
    make_user("help@bridge.test", "support", None, TEST_PASSWORD)
    db.session.commit()
    return tenant


def _numbers(body: str) -> list[str]:
    return re.findall(r">(N-\d{3})</a>", body)


# --- lists ------------------------------------------------------------------------------------------


def test_the_list_never_selects_the_snapshot_or_the_attempt_log(acme, db, auth, client):
    add_rows(db, acme, 3)
    adjustment = add_rows(db, acme, 1, start=3, entity_type="adjustment", qbo_id="77")[0]
    auth.login("admin@acme.test")
    with statements(db) as seen:
        body = client.get("/admin/activity/").get_data(as_text=True)
    listing = [s for s in seen if "FROM sync_activity" in s and "count(" not in s.lower()]
    assert listing, "the list query ran"
    wide = [s for s in listing if "attempt_log" in s or "snapshot" in s]
    # Only the adjustment's label needs its snapshot: one query, for the listed adjustments only.
    assert len(wide) == 1 and "attempt_log" not in wide[0] and "sync_activity.id IN" in wide[0]
    assert f"Journal entry N-{3:03d}/GZ-10" in body
    assert _numbers(body) == ["N-003", "N-002", "N-001", "N-000"]
    details = client.get(f"/admin/activity/details/?id={adjustment.id}")
    assert details.status_code == 200  # the detail page still loads the deferred columns


def test_counts_and_pages_stop_at_the_cap_and_deep_pages_still_work(acme, db, auth, client, monkeypatch):
    monkeypatch.setattr(SyncActivityView, "max_listed_rows", 50)
    add_rows(db, acme, 60)
    auth.login("admin@acme.test")
    with statements(db) as seen:
        first = client.get("/admin/activity/?page_size=25").get_data(as_text=True)
    [count] = [s for s in seen if s.lower().count("count(") == 1 and "SELECT 1" in s]  # the list's, not the tabs'
    assert "LIMIT" in count.upper()  # counts at most cap + 1 rows
    assert "List (50+)" in first and 'id="capped-list"' in first
    assert _numbers(first) == [f"N-{i:03d}" for i in range(59, 34, -1)]
    second = client.get("/admin/activity/?page_size=25&page=1").get_data(as_text=True)
    assert _numbers(second) == [f"N-{i:03d}" for i in range(34, 9, -1)]
    beyond = client.get("/admin/activity/?page_size=25&page=400").get_data(as_text=True)
    assert _numbers(beyond) == _numbers(second)  # the last page within the cap


def _tab_counts(body: str) -> dict[str, str]:
    section = body.split('id="status-tabs"')[1].split("</nav>")[0]
    return dict(re.findall(r'>([A-Za-z ]+) <span class="tab-count">([^<]+)</span>', section))


def test_status_tab_counts_stop_at_the_cap_each_status_read_with_a_limit(acme, db, auth, client, monkeypatch):
    monkeypatch.setattr(SyncActivityView, "max_listed_rows", 50)
    add_rows(db, acme, 45)
    add_rows(db, acme, 8, status="sync_failed", start=45)
    add_rows(db, acme, 3, status="retrying", start=53)
    auth.login("admin@acme.test")
    with statements(db) as seen:
        body = client.get("/admin/activity/").get_data(as_text=True)
    tabs = _tab_counts(body)
    # 45 synced and 8 + 3 open: each status under the cap counts exactly, a tab's sum past it shows "50+".
    assert tabs == {
        "All": "50+", "Needs attention": "11", "Failed": "8", "Waiting": "3", "Synced": "45", "Skipped": "0",
    }  # fmt: skip
    [counts] = [s for s in seen if "GROUP BY sync_activity.status" in s or s.lower().count("count(") == 6]
    assert "GROUP BY" not in counts.upper() and counts.upper().count("LIMIT") == 6  # one capped count per status
    add_rows(db, acme, 10, start=56)
    assert _tab_counts(client.get("/admin/activity/").get_data(as_text=True))["Synced"] == "50+"
    with statements(db) as seen:  # 10 rows match (N-050…N-059): one grouped count of at most 51 rows, exact
        tabs = _tab_counts(client.get("/admin/activity/?search=N-05").get_data(as_text=True))
    assert tabs == {
        "All": "10", "Needs attention": "6", "Failed": "3", "Waiting": "3", "Synced": "4", "Skipped": "0",
    }  # fmt: skip
    [grouped] = [s for s in seen if "GROUP BY" in s.upper() and "status" in s]
    assert "LIMIT" in grouped.upper() and not [s for s in seen if s.lower().count("count(") == 6]


def test_a_status_filter_decides_the_retry_button_without_a_query_of_two_statuses(acme, db, auth, client):
    add_rows(db, acme, 3)
    add_rows(db, acme, 2, status="sync_failed", start=3)
    auth.login("admin@acme.test")
    for url, failed in (
        ("/admin/activity/?flt0_status_equals=synced", 0),
        ("/admin/activity/?flt0_status_equals=sync_failed", 2),
        ("/admin/activity/?flt0_status_group_equals=attention", 2),
        ("/admin/activity/?flt0_status_group_equals=waiting", 0),
    ):
        with statements(db) as seen:
            body = client.get(url).get_data(as_text=True)
        assert (f"Retry all {failed} failed row(s)" in body) == bool(failed) and (
            'id="retry-matching"' in body
        ) == bool(failed)
        assert not [s for s in seen if s.count("sync_activity.status =") + s.count("sync_activity.status IN") > 1]


def test_a_list_under_the_cap_counts_exactly(acme, db, auth, client):
    add_rows(db, acme, 7)
    auth.login("admin@acme.test")
    body = client.get("/admin/activity/").get_data(as_text=True)
    assert "List (7)" in body and 'id="capped-list"' not in body


def test_rows_of_one_second_page_without_repeats_or_gaps(acme, db, auth, client):
    rows = add_rows(db, acme, 30)
    for row in rows:
        row.updated_at = T0
    db.session.commit()
    auth.login("admin@acme.test")
    pages = [client.get(f"/admin/activity/?page_size=25&page={p}").get_data(as_text=True) for p in (0, 1)]
    listed = _numbers(pages[0]) + _numbers(pages[1])
    assert sorted(listed) == sorted(f"N-{i:03d}" for i in range(30))


# --- bulk retry -------------------------------------------------------------------------------------


@pytest.fixture
def failed(acme, db):
    bolt = make_tenant("Bolt Clinics")
    db.session.commit()
    rows = add_rows(db, acme, 12, status="sync_failed", attempts=4, message="refused") + add_rows(
        db, bolt, 8, status="sync_failed", attempts=4, message="refused", start=100
    )
    return rows


def test_bulk_retry_is_one_update_one_audit_event_per_tenant_and_pipelined_enqueues(
    failed, db, redis, monkeypatch, app
):
    monkeypatch.setattr(jobs.queues, "PIPELINE_CHUNK", 8)
    # Pushes of single rows (a backlog of document creates would go in batch jobs: tests/engine/test_batch_push.py)
    monkeypatch.setitem(app.config, "SYNC_BATCH_MIN_ROWS", 10**6)
    executed = []
    real_execute = Pipeline.execute
    monkeypatch.setattr(Pipeline, "execute", lambda self, *a, **k: executed.append(1) or real_execute(self, *a, **k))
    monkeypatch.setattr(Queue, "enqueue", lambda *a, **k: pytest.fail("one enqueue per row"))
    ids = [row.id for row in failed]
    with app.test_request_context():
        with statements(db) as seen:
            assert triage.retry_activities(ids, None, "help@bridge.test") == 20
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE SYNC_ACTIVITY")]
    assert len(updates) == 1
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.tenant_id)).all()
    assert [(e.action, e.details["count"]) for e in events] == [("activity.retried", 12), ("activity.retried", 8)]
    assert sorted(events[0].details["activity_ids"] + events[1].details["activity_ids"]) == sorted(ids)
    # 20 rows in chunks of 8: three chunks, each one pipeline to claim the job ids and one to enqueue.
    assert len(executed) == 6
    queued = set(Queue("default", connection=redis).job_ids)
    for registry in RateLimitRegistry.all(redis):
        queued |= set(registry.get_rate_limited_job_ids()) | set(registry.get_allowed_job_ids())
    assert {int(job_id.split("-")[1]) for job_id in queued} == set(ids)


def test_batch_jobs_of_a_bulk_retry_share_the_pipelines_of_the_single_pushes(failed, db, redis, monkeypatch, app):
    # Acme's 12 failed purchase orders are a backlog (≥ SYNC_BATCH_MIN_ROWS): one batch job; Bolt's 8 go alone.
    executed = []
    real_execute = Pipeline.execute
    monkeypatch.setattr(Pipeline, "execute", lambda self, *a, **k: executed.append(1) or real_execute(self, *a, **k))
    monkeypatch.setattr(Queue, "enqueue", lambda *a, **k: pytest.fail("one enqueue per job"))
    with app.test_request_context():
        assert triage.retry_activities([row.id for row in failed], None, "help@bridge.test") == 20
    assert len(executed) == 2  # 9 jobs: one pipeline claims their ids, one queues them
    queued = set(Queue("default", connection=redis).job_ids)
    for registry in RateLimitRegistry.all(redis):
        queued |= set(registry.get_rate_limited_job_ids()) | set(registry.get_allowed_job_ids())
    [batch] = [job_id for job_id in queued if job_id.startswith("pushbatch-")]
    assert Job.fetch(batch, connection=redis).args == ([row.id for row in failed[:12]],)
    assert {int(job_id.split("-")[1]) for job_id in queued - {batch}} == {row.id for row in failed[12:]}


def test_a_large_retry_is_one_background_job_whose_progress_the_list_shows(
    failed, db, redis, auth, client, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BULK_RETRY_INLINE_MAX_ROWS", 5)
    monkeypatch.setattr(triage, "PROGRESS_CHUNK", 8)
    auth.login("help@bridge.test")
    url = "/admin/activity/retry-matching/?flt0_status_equals=sync_failed"
    assert auth.post(url, {"confirmed": "yes"}).status_code == 302
    [job] = Queue("high", connection=redis).jobs
    assert job.func_name == "jobs.sync.bulk_retry" and sorted(job.args[0]) == sorted(row.id for row in failed)
    assert not Queue("default", connection=redis).job_ids and not RateLimitRegistry.all(redis)  # no push yet
    assert {db.session.get(SyncActivity, row.id).status for row in failed} == {"sync_failed"}
    progress = re.compile(r'id="bulk-retry-progress"[^>]*>([^<]+)<')
    assert "20 row(s) is waiting" in progress.search(client.get("/admin/activity/").get_data(as_text=True)).group(1)
    seen = []  # (rows queued by one call, the progress line when it was made)

    def pushes(ids, reason):
        seen.append((len(ids), triage.bulk_retry_progress(job.args[3].rsplit(":", 1)[1])))
        jobs.queues.enqueue_pushes(ids, reason)

    monkeypatch.setitem(app.extensions, "job_queue", dataclasses.replace(app.extensions["job_queue"], pushes=pushes))
    assert jobs.sync.bulk_retry(*job.args) == 20  # as a worker would run it
    assert [n for n, _ in seen] == [8, 8, 4] and "8 of 20" in seen[1][1]  # progress written between chunks
    db.session.expire_all()
    assert {db.session.get(SyncActivity, row.id).status for row in failed} == {"queued"}
    assert "done: 20 row(s)" in progress.search(client.get("/admin/activity/").get_data(as_text=True)).group(1)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "activity.retried")).all()
    assert sorted(e.details["count"] for e in events) == [8, 12]


def test_bulk_retry_keeps_the_single_row_semantics(acme, db, redis, app):
    refused, unknown, retrying, synced = (
        add_rows(db, acme, 1, status="sync_failed", attempts=4, start=0)[0],
        add_rows(db, acme, 1, status="sync_failed", attempts=4, start=1, outcome_unknown=True)[0],
        add_rows(db, acme, 1, status="retrying", attempts=2, start=2, next_attempt_at=T0)[0],
        add_rows(db, acme, 1, status="synced", attempts=1, start=3)[0],
    )
    full_log = [{"attempt": n, "status": "sync_failed"} for n in range(ATTEMPT_LOG_LIMIT)]
    refused.attempt_log, unknown.attempt_log = full_log, None
    db.session.commit()
    before = refused.updated_at
    with app.test_request_context():
        count = triage.retry_activities([refused.id, unknown.id, retrying.id, synced.id], acme.id, "ann@acme.test")
    assert count == 3
    db.session.expire_all()
    fresh = {row.id: db.session.get(SyncActivity, row.id) for row in (refused, unknown, retrying, synced)}
    assert [(r.status, r.attempts) for r in fresh.values()] == [("queued", 0)] * 3 + [("synced", 1)]
    # A fresh requestid only after a definite refusal.
    assert [fresh[r.id].request_generation for r in (refused, unknown, retrying)] == [1, 0, 0]
    assert fresh[retrying.id].next_attempt_at is None
    assert len(fresh[refused.id].attempt_log) == ATTEMPT_LOG_LIMIT  # oldest dropped, entry appended
    assert fresh[refused.id].attempt_log[0]["attempt"] == 1
    for row in (refused, unknown, retrying):
        entry = fresh[row.id].attempt_log[-1]
        assert entry["status"] == "retry_requested" and "ann@acme.test" in entry["message"]
        assert entry["attempt"] == 0
    assert len(fresh[unknown.id].attempt_log) == 1
    assert fresh[refused.id].updated_at > before


def test_bulk_retry_by_a_tenant_admin_leaves_other_tenants_alone(failed, db, redis, acme, app):
    with app.test_request_context():
        assert triage.retry_activities([row.id for row in failed], acme.id, "admin@acme.test") == 12
    db.session.expire_all()
    assert {
        row.status for row in db.session.scalars(db.select(SyncActivity).where(SyncActivity.tenant_id != acme.id))
    } == {"sync_failed"}


# --- dashboard --------------------------------------------------------------------------------------


def _summary_statements(db, tenants: int) -> int:
    for n in range(tenants):
        tenant = make_tenant(f"Tenant {n:02d} {tenants}")
        db.session.add(SyncRun(tenant=tenant, trigger="manual", fetched=1))
        db.session.flush()
        add_rows(db, tenant, 2, start=10 * n)
    db.session.commit()
    with statements(db) as seen:
        summaries = stats.tenant_summaries()
    assert all(summary.last_run is not None for summary in summaries)
    return len(seen)


def test_the_support_summary_costs_the_same_queries_for_2_or_6_tenants(db):
    few = _summary_statements(db, 2)
    assert _summary_statements(db, 4) == few  # 6 tenants now


def test_the_support_overview_counts_open_rows_of_any_age_and_history_of_the_chart_days(acme, db):
    now = datetime.now(UTC)
    add_rows(db, acme, 3, status="synced")  # November 2026: long before the chart's days
    add_rows(db, acme, 2, status="sync_failed", start=10)
    recent = add_rows(db, acme, 2, status="synced", start=20)
    for row in recent:
        row.updated_at = now - timedelta(days=1)
    db.session.commit()
    figures = stats.dashboard(None)
    assert (figures.counts["synced"], figures.counts["sync_failed"]) == (2, 2)
    assert figures.tenants[0].counts["synced"] == 2
    assert stats.dashboard(acme.id).counts["synced"] == 5  # a tenant's own dashboard still counts every row

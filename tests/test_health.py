"""/healthz and /metrics."""

from rq import Queue, SimpleWorker

from portal.metrics import record_qbo_call, record_token_refresh
from tests.factories import seed_tenant_rows


def test_healthz_names_what_is_missing(app, client, redis):
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert (checks["database"], checks["redis"]) == ("ok", "ok")
    assert "no worker heartbeat" in checks["worker"]
    assert "never ticked" in checks["clock"]


def test_healthz_is_ok_with_a_live_worker_and_clock(app, client, redis):
    from jobs.clock import tick

    worker = SimpleWorker([Queue("default", connection=redis)], connection=redis)
    worker.register_birth()
    worker.heartbeat()
    tick()
    try:
        response = client.get("/healthz")
    finally:
        worker.register_death()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ok"


def test_metrics_need_a_token_or_a_support_user(app, client, two_tenants, auth):
    assert client.get("/metrics").status_code == 403
    auth.login("admin@acme.test")
    assert client.get("/metrics").status_code == 403
    auth.logout()
    auth.login("help@bridge.test")
    assert client.get("/metrics").status_code == 200


def test_metrics_report_activities_queues_calls_and_refreshes(app, client, redis, two_tenants, db):
    app.config["METRICS_TOKEN"] = "s3cret-metrics"
    seed_tenant_rows(two_tenants["acme"], "acmemark")
    db.session.commit()
    record_qbo_call(redis, "9341", 200)
    record_qbo_call(redis, "9341", 429)
    record_token_refresh(redis, "9341")
    Queue("default", connection=redis).enqueue("jobs.ping.ping_worker", "x")

    body = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"}).get_data(as_text=True)

    assert 'obqb_activities{status="sync_failed",tenant="acme-medical"} 1' in body
    assert 'obqb_queue_depth{queue="default"} 1' in body
    assert 'obqb_qbo_requests_total{realm="9341"} 2' in body
    assert 'obqb_qbo_throttled_total{realm="9341"} 1' in body
    assert 'obqb_token_refreshes_total{realm="9341"} 1' in body
    assert "# TYPE obqb_activities gauge" in body

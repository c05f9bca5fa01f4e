"""``/healthz`` for the router and uptime checks, ``/metrics`` for Prometheus (protected)."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user
from rq import Queue, Worker
from sqlalchemy import func, select, text

from jobs.queues import QUEUE_NAMES
from portal.extensions import csrf, db
from portal.metrics import counter_samples, render
from portal.models import SyncActivity, Tenant
from portal.redis_conn import get_redis

bp = Blueprint("health", __name__)
CLOCK_KEY = "clock:last_tick"  # written by jobs.clock
STALE_AFTER = timedelta(minutes=3)


def _check_database() -> str:
    db.session.execute(text("SELECT 1"))
    return "ok"


def _check_worker(redis) -> str:
    workers = Worker.all(connection=redis)
    fresh = [w for w in workers if w.last_heartbeat and _age(w.last_heartbeat) < STALE_AFTER]
    return "ok" if fresh else "no worker heartbeat in the last 3 minutes"


def _check_clock(redis) -> str:
    tick = redis.get(CLOCK_KEY)
    if tick is None:
        return "the clock has never ticked"
    return "ok" if _age(datetime.fromisoformat(tick.decode())) < STALE_AFTER else "the clock's last tick is stale"


def _age(moment: datetime) -> timedelta:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC) - moment


@bp.get("/healthz")
def healthz():
    """200 when the database, Redis, a worker and the clock are all alive; 503 naming what is not."""
    checks = {}
    for name, check in (("database", _check_database), ("redis", lambda: get_redis().ping() and "ok")):
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure, whatever it is
            checks[name] = f"unreachable: {type(exc).__name__}"
    if checks["redis"] == "ok":
        checks["worker"] = _check_worker(get_redis())
        checks["clock"] = _check_clock(get_redis())
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503


def _authorized() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token and hmac.compare_digest(given, token):
        return True
    return current_user.is_authenticated and current_user.is_support


def _activity_samples() -> list:
    query = (
        select(Tenant.slug, SyncActivity.status, func.count())
        .join(Tenant, Tenant.id == SyncActivity.tenant_id)
        .group_by(Tenant.slug, SyncActivity.status)
    )
    help_text = "Integration Activity rows by tenant and status"
    return [
        ("obqb_activities", "gauge", help_text, {"tenant": slug, "status": status}, float(count))
        for slug, status, count in db.session.execute(query)
    ]


def _queue_samples(redis) -> list:
    return [
        (
            "obqb_queue_depth",
            "gauge",
            "Jobs waiting per RQ queue",
            {"queue": name},
            float(len(Queue(name, connection=redis))),
        )
        for name in QUEUE_NAMES
    ]


@bp.get("/metrics")
def metrics():
    """Prometheus text; needs ``Authorization: Bearer $METRICS_TOKEN`` or a signed-in support user."""
    if not _authorized():
        abort(403)
    redis = get_redis()
    body = render(_activity_samples() + _queue_samples(redis) + counter_samples(redis))
    return Response(body, mimetype="text/plain; version=0.0.4")


def init_app(app) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)

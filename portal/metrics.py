"""Counters kept in Redis (shared by every process) and their Prometheus text rendering."""

from __future__ import annotations

from redis import Redis

QBO_REQUESTS = "metrics:qbo_requests"
QBO_THROTTLED = "metrics:qbo_throttled"
TOKEN_REFRESHES = "metrics:token_refreshes"


def record_qbo_call(redis: Redis, realm: str, status: int) -> None:
    """Count one QuickBooks answer for ``realm`` (and a 429 separately)."""
    pipe = redis.pipeline()
    pipe.hincrby(QBO_REQUESTS, realm, 1)
    if status == 429:
        pipe.hincrby(QBO_THROTTLED, realm, 1)
    pipe.execute()


def record_token_refresh(redis: Redis, realm: str) -> None:
    redis.hincrby(TOKEN_REFRESHES, realm, 1)


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render(samples: list[tuple[str, str, str, dict, float]]) -> str:
    """Prometheus text format from (name, type, help, labels, value) samples, grouped by name."""
    lines, described = [], set()
    for name, kind, text, labels, value in samples:
        if name not in described:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            described.add(name)
        inner = ",".join(f'{key}="{_label(val)}"' for key, val in sorted(labels.items()))
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return "\n".join(lines) + "\n"


def counter_samples(redis: Redis) -> list[tuple[str, str, str, dict, float]]:
    samples = []
    for key, name, text in (
        (QBO_REQUESTS, "obqb_qbo_requests_total", "QuickBooks API answers received"),
        (QBO_THROTTLED, "obqb_qbo_throttled_total", "QuickBooks 429 answers received"),
        (TOKEN_REFRESHES, "obqb_token_refreshes_total", "QuickBooks access token refreshes"),
    ):
        for realm, value in sorted(redis.hgetall(key).items()):
            samples.append((name, "counter", text, {"realm": realm.decode()}, float(value)))
    return samples

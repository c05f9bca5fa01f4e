"""The clock dyno: ``python -m jobs.clock``. A placeholder until the scheduling issue.

It only records a heartbeat every minute so health checks can tell the clock is alive.
"""

from __future__ import annotations

import signal
import sys
import time

from portal import create_app
from portal.models.base import utcnow
from portal.redis_conn import get_redis

TICK_SECONDS = 60
HEARTBEAT_KEY = "clock:last_tick"


def tick() -> None:
    get_redis().set(HEARTBEAT_KEY, utcnow().isoformat())


def main() -> None:
    app = create_app()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with app.app_context():
        while True:
            tick()
            time.sleep(TICK_SECONDS)


if __name__ == "__main__":
    main()

"""Run a sandbox WSGI app on a loopback port, as a process or in a background thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class RunningServer:
    """A sandbox served on 127.0.0.1 by a daemon thread."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(app, port: int = 0) -> RunningServer:
    """Serve ``app`` on 127.0.0.1 (port 0 = a free port) from a daemon thread; return the handle."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{server.server_port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_forever(app, host: str, port: int) -> None:
    """Serve ``app`` in the foreground until interrupted (the ``python -m sandbox.X`` entry points)."""
    server = make_server(host, port, app, threaded=True)
    print(f"listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

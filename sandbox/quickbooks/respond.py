"""Response helpers: JSON (or XML when the client did not ask for JSON), intuit_tid, dropped connections."""

from __future__ import annotations

import socket
from xml.sax.saxutils import escape, quoteattr

from flask import Response, current_app, json, request

from .clock import intuit_tid, timestamp

XML_ATTRIBUTES = {"type", "code", "element", "domain", "sparse", "startPosition", "maxResults", "totalCount"}
DROP_FLAG = "qbo_sandbox.drop"


def sandbox():  # -> app.Sandbox (untyped to avoid an import cycle)
    return current_app.extensions["qbo_sandbox"]


def wants_json() -> bool:
    """QuickBooks answers XML unless the request accepts JSON."""
    return "json" in request.headers.get("Accept", "").lower()


def render(body: dict, status: int = 200, force_json: bool = False) -> Response:
    if force_json or wants_json():
        response = Response(json.dumps(body), status, content_type="application/json;charset=UTF-8")
    else:
        response = Response(to_xml(body), status, content_type="application/xml;charset=UTF-8")
    response.headers["intuit_tid"] = intuit_tid()
    return response


def to_xml(body: dict) -> str:
    children = "".join(_element(key, value) for key, value in body.items() if key != "time")
    stamp = body.get("time", timestamp(millis=True))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{stamp}">'
        f"{children}</IntuitResponse>"
    )


def _element(tag: str, value: object) -> str:
    if isinstance(value, list):
        return "".join(_element(tag, item) for item in value)
    if not isinstance(value, dict):
        return f"<{tag}>{escape(_scalar(value))}</{tag}>"
    attributes = {k: v for k, v in value.items() if not isinstance(v, dict | list) and k in XML_ATTRIBUTES}
    text = ""
    if "value" in value:  # references: <VendorRef name="Acme">56</VendorRef>
        attributes = {k: v for k, v in value.items() if k != "value"}
        text = escape(_scalar(value["value"]))
    attrs = "".join(f" {k}={quoteattr(_scalar(v))}" for k, v in attributes.items())
    inner = "".join(_element(k, v) for k, v in value.items() if k not in attributes and k != "value")
    return f"<{tag}{attrs}>{text}{inner}</{tag}>"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def drop_connection() -> None:
    """Ask the middleware to close the socket instead of answering (after any write was applied)."""
    request.environ[DROP_FLAG] = True


class DropMiddleware:
    """Closes the client's socket before any byte of the response when a view asked for it."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if not environ.get(DROP_FLAG):
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        # werkzeug's dev server treats ConnectionError as "client went away" and sends nothing more.
        raise ConnectionAbortedError("sandbox dropped the connection on purpose")

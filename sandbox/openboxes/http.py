"""Response helpers shared by the OpenBoxes routes and the control API."""

from __future__ import annotations

import json

from flask import Response, request

HTML_PAGE = "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


class DomainError(Exception):
    """A rejected control-API change (answered with 400 and the message)."""


def json_response(payload: object, status: int = 200) -> Response:
    """UTF-8 JSON without ASCII escaping, in the order the fields were built (as Grails renders)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type="application/json;charset=utf-8")


def text_response(text: str, status: int = 200) -> Response:
    """A plain-text body (login/logout/chooseLocation answer this way)."""
    return Response(text, status=status, content_type="text/plain;charset=utf-8")


def html_response(title: str, body: str = "", status: int = 200) -> Response:
    """A minimal GSP-like HTML page."""
    return Response(HTML_PAGE.format(title=title, body=body), status=status, content_type="text/html;charset=utf-8")


def is_ajax() -> bool:
    """RequestUtil.isAjax: an XHR header, or JSON in Content-Type or Accept."""
    if request.headers.get("X-Requested-With", "") == "XMLHttpRequest":
        return True
    content_type = request.headers.get("Content-Type", "")
    return "application/json" in content_type or "application/json" in request.headers.get("Accept", "")


def ob_error(status: int, message: str, **extra: object) -> Response:
    """ErrorsController: ``{"errorCode":…,"errorMessage":…}`` for ajax requests, an HTML page otherwise."""
    if is_ajax():
        return json_response({"errorCode": status, **extra, "errorMessage": message}, status)
    return html_response(f"Error {status}", f"<p>{message}</p>", status)


def server_error(cause: str, message: str) -> Response:
    """An unhandled exception mapped to 500 (``cause`` rendered as the class name string)."""
    return ob_error(500, message, cause=cause)


def redirect_to(path: str) -> Response:
    """A Grails-style 302 with an absolute Location and an empty body."""
    response = Response("", status=302)
    response.headers["Location"] = request.host_url.rstrip("/") + path
    return response

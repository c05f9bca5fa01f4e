"""A WSGI app that answers every request 302 (what the OAuth callback answers), for the access-log test."""


def app(environ, start_response):
    start_response("302 Found", [("Location", "/admin/quickbooks/"), ("Content-Length", "0")])
    return [b""]

"""A loopback QuickBooks Online v3 sandbox: Intuit OAuth 2 plus the Accounting API, with fault injection.

Start it in tests with ``serve_in_thread(make_app(...))`` or as a process with
``python -m sandbox.quickbooks --port 8802``; see README.md.
"""

from .app import make_app
from .oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH

__all__ = ["AUTHORIZE_PATH", "REVOKE_PATH", "TOKEN_PATH", "make_app"]

"""The OpenBoxes → QuickBooks Online bridge: Flask console, models and the pieces the jobs share.

``portal.sync`` (the pure core) must stay importable without Flask, so the app factory is imported
lazily here instead of at package import time.
"""


def create_app(config: dict | None = None):
    """Build the Flask app; ``config`` overrides what the environment says (tests pass a dict)."""
    from portal.app import build_app

    return build_app(config)

"""A loopback sandbox that behaves like an OpenBoxes 0.9.x server (see README.md)."""

from sandbox.openboxes.app import SandboxApp, make_app

__all__ = ["SandboxApp", "make_app"]

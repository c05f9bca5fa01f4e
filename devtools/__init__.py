"""Development tools: the demo behind ``make run``, the local runner, and the one driver of the sandboxes.

Tests, the demo and the benchmark use this package to drive the sandboxes and to seed tenants connected to
them. Nothing in ``portal/`` or ``jobs/`` imports it (``tests/unit/test_product_imports.py`` checks that).
"""

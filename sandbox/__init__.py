"""Loopback sandboxes of OpenBoxes 0.9 and QuickBooks Online v3 for tests, the demo and benchmarks."""

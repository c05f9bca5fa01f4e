"""The console's use-cases: connecting QuickBooks and OpenBoxes, preferences, products and accounts,
dashboard figures and failure digests. Views in ``portal.admin`` and the CLI call these; the sync pipeline
(``portal.engine``) never does."""

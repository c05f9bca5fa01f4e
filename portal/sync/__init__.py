"""The pure sync core: mappers, typed errors, response classification, money, dates, ids, watermarks.

Purity rule: modules in this package import only the standard library and each other. No Flask, no
HTTP library, no SQLAlchemy session, nothing from ``portal.models`` or ``portal.extensions``. Callers
(``jobs/``, ``portal/clients/``) do the I/O and hand plain dicts, strings and datetimes in; these
functions hand payloads, decisions and typed errors back. ``tests/unit/test_purity.py`` enforces it.
"""

"""The sync pipeline: what a poll and a push do, wiring the pure core (``portal.sync``), the clients
(``portal.clients``) and the database. Jobs in ``jobs/`` are thin wrappers around these functions; the
console's use-cases live apart in ``portal.services``."""

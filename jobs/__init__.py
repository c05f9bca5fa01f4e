"""RQ background work: queues, job functions, and the worker and clock entry points.

Jobs receive ids, load rows, call the core, commit. The database is the source of truth; Redis only
carries job ids, so a lost queue is rebuilt from the rows.
"""

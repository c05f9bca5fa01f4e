"""Benchmarks (not tests): ``python -m bench.sync_bench``."""

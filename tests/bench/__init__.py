"""Benchmarks: `python -m tests.bench` runs them all and prints one table."""

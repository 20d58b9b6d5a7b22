"""Benchmarks of shuliu against the tools it builds on; run with `python -m bench.run` (never in the tests)."""

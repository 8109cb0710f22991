"""Helpers shared by the tests and benchmarks (``support``, with tests/ on sys.path)."""

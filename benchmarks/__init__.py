"""Benchmarks: build, serve and time Followup at 10k–1M chunks (`python -m benchmarks --help`)."""

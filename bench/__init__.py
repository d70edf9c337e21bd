"""Benchmarks (`make bench`): measured figures for the README, never timed assertions in tests."""

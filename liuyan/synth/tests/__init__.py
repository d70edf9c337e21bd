"""Tests of the national synthetic data set."""

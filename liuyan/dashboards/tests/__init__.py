"""Tests of the governance dashboards."""

"""Tests of the orgs app: the responsibility catalogue, its import and the admin screens."""

"""Tests of the taxonomy app: importing category files, the default taxonomy, lookups and the admin tree."""

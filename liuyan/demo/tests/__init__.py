"""Tests of the demo builder: states reached, logins, determinism, idempotence and consistent event trails."""

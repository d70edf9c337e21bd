"""Tests of notification delivery."""

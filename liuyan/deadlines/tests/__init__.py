"""Tests of the deadlines app: the working-day clock, the calendar data and the deadline policies."""

"""Pieces shared by every app: bilingual errors, the clock, small helpers."""

"""Data shipped with the taxonomy app: the default category taxonomy."""

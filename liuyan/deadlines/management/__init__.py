"""Management commands of the deadlines app."""

"""Management commands of the synth app."""

"""Data shipped with the geo app: the sample 西地省 gazetteer."""

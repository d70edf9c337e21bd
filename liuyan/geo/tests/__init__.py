"""Tests of the geo app: loading GB/T 2260 divisions, custom gazetteers, name lookup and the admin."""

"""Allows `python -m liuyan ...`."""

from liuyan.cli import main

main()

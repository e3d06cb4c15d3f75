"""`python -m dedup` runs the command line."""

from .cli import entry

entry()

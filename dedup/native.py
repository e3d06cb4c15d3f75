"""Python's side of the optional C extensions: their functions where they are built, and
the typed arrays they take."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from importlib import import_module
from typing import Any


def optional(module: str, name: str) -> Any:
    """``dedup.<module>.<name>``, or None where that extension is not built (no C compiler
    at install time) or has no such function (``_lines.write_kept`` without ``writev``):
    the caller then runs the Python code the function stands for."""
    try:
        return getattr(import_module(f"dedup.{module}"), name)
    except (ImportError, AttributeError):
        return None


def int64s(values: Sequence[int]) -> array[int]:
    """values as an array('q'): the same array when it is one (not copied)."""
    if isinstance(values, array) and values.typecode == "q":
        return values
    return array("q", values)

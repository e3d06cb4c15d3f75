"""Shared option bundles for click commands, applied as one decorator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def apply_options(function: Callable[..., Any], options: Sequence[Decorator]) -> Callable[..., Any]:
    """Decorate function with options so that they show in --help in the order given."""
    for option in reversed(options):
        function = option(function)
    return function

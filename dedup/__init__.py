"""dedup: clean scraped article text.

Drops repeated lines, paragraphs and sentences, repeated blocks, and platform
boilerplate, and keeps every other byte exactly as it was.

>>> from dedup import clean_text
>>> clean_text(b"A paragraph long enough to count.\\nA paragraph long enough to count.\\n")
b'A paragraph long enough to count.\\n'
"""

from __future__ import annotations

from .cleaner import Cleaner
from .config import CleanConfig
from .results import CleanResult, Decision, Location

__version__ = "0.1.0"


def clean_text(data: bytes, config: CleanConfig | None = None) -> bytes:
    """Clean one document and return the kept bytes."""
    return Cleaner(config).clean(data).output


__all__ = [
    "CleanConfig",
    "CleanResult",
    "Cleaner",
    "Decision",
    "Location",
    "__version__",
    "clean_text",
]

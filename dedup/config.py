"""The one immutable configuration object, built once from the command line or by the caller.

Vary it with :func:`dataclasses.replace`; every stage reads its settings from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .patterns import UserRule

UNITS = ("auto", "line", "paragraph", "sentence")
SCOPES = ("document", "batch")
LEARN_SCOPES = ("folder", "batch")


@dataclass(frozen=True)
class CleanConfig:
    """What to treat as a unit, how to compare units, and which rules may remove them."""

    unit: str = "auto"
    profile: str = "default"
    hash_bits: int = 64
    scope: str = "document"
    # A repeated unit whose key is shorter than this is kept: "Yes.", "Q:", "* * *".
    min_chars: int = 20
    # A run of two or more repeated units is dropped whole once its keys add up to this,
    # even when every unit in it is short.
    block_min_chars: int = 40
    boilerplate: bool = True
    # In a batch, units found in at least this many distinct documents of a group (and in
    # at least learn_min_share of them) are learned as chrome; in a smaller group, units
    # found in all of its documents are learned as weak chrome.
    learn: bool = True
    learn_scope: str = "folder"
    learn_min_docs: int = 3
    learn_min_share: float = 0.0
    # Extra regular expressions whose full match on a unit's key drops it.
    patterns: tuple[str, ...] = field(default_factory=tuple)
    # Regular expressions whose match on a unit's key protects it from every rule.
    keep_patterns: tuple[str, ...] = field(default_factory=tuple)
    # Rules from a patterns file (see dedup.patterns), after the two lists above.
    user_rules: tuple[UserRule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {self.scope!r}")
        if self.learn_scope not in LEARN_SCOPES:
            raise ValueError(f"learn_scope must be one of {', '.join(LEARN_SCOPES)}")
        if self.learn_min_docs < 2 or not 0.0 <= self.learn_min_share <= 1.0:
            raise ValueError("learn_min_docs must be >= 2 and learn_min_share within 0..1")
        if self.hash_bits not in (64, 128):
            raise ValueError(f"hash_bits must be 64 or 128, not {self.hash_bits}")
        if self.min_chars < 0 or self.block_min_chars < 0:
            raise ValueError("min_chars and block_min_chars must not be negative")

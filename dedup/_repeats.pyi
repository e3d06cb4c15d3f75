from array import array
from typing import Any

def copied_runs(
    fingerprints: array[int], first_of: array[int], repeats: array[int], out: array[int], /
) -> None: ...
def first_copies(fingerprints: array[int], first_of: array[int], /) -> bytes: ...
def distinct(fingerprints: array[int], /) -> bytes: ...
def first_copies_among(
    first_of_all: array[int], active: list[int], first_of: array[int], /
) -> bytes: ...
def gather(values: array[int], positions: list[int], out: array[int], /) -> None: ...
def repeat_findings(
    fingerprints: array[int],
    first_of: array[int],
    repeats: array[int],
    run_length: array[int],
    active: list[int] | None,
    key_lengths: list[int],
    protected: list[bool],
    min_chars: int,
    block_min_chars: int,
    finding: type[tuple[str, int]],
    rules: tuple[str, str],
    /,
) -> dict[int, Any]: ...
def finding_columns(
    findings: dict[int, tuple[str, int | None]],
    starts: array[int],
    ends: array[int],
    offset: int,
    /,
) -> tuple[bytes, bytes, bytes, list[str], bytes, bytes, bytes]: ...
def kept_positions(flags: bytes | bytearray, /) -> list[int]: ...
def still_kept(units: list[int], flags: bytes | bytearray, /) -> list[int]: ...
def rule_totals(
    rules: list[str], starts: array[int], ends: array[int], chars: array[int], /
) -> dict[str, list[int]]: ...
def unmark(flags: bytearray, units: dict[int, Any], /) -> None: ...

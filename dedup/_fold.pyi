from array import array

def fold_keys(
    units: list[bytes], ascii: bytes, blocks: list[bytes | None], missing: set[int], /
) -> list[bytes | None]: ...
def fold_spans(
    body: bytes,
    starts: array[int],
    ends: array[int],
    longest: int,
    ascii: bytes,
    blocks: list[bytes | None],
    missing: set[int],
    longest_key: int = ...,
    /,
) -> list[bytes | None]: ...
def char_counts(keys: list[bytes], /) -> list[int]: ...
def span_char_counts(data: bytes, starts: array[int], ends: array[int], /) -> bytes: ...
def word_flags(keys: list[bytes], /) -> bytes: ...

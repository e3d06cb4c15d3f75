from array import array

def line_table(body: bytes, /) -> tuple[bytes, bytes, bytes]: ...
def line_numbers(data: bytes, positions: array[int], out: array[int], /) -> None: ...
def deleted_ranges(
    body: bytes, starts: array[int], ends: array[int], keep: bytes, shift: int, /
) -> bytes: ...
def block_table(
    body: bytes,
    starts: array[int],
    ends: array[int],
    filled: bytes,
    marks: tuple[bytes, ...],
    judge: bool,
    /,
) -> tuple[bytes, bytes]: ...
def block_spans(
    line_starts: array[int],
    line_ends: array[int],
    firsts: array[int],
    lasts: array[int],
    cut: bytes,
    /,
) -> bytes: ...
def write_kept(descriptor: int, data: bytes, ranges: list[tuple[int, int]], /) -> None: ...

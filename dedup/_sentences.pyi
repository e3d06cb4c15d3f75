from array import array
from collections.abc import Callable, Iterable, Set

def sentence_spans(
    body: bytes,
    starts: array[int],
    ends: array[int],
    abbreviations: Set[str],
    word_test: Callable[[str], bool],
    max_line: int,
    long_line: Callable[[int, int], Iterable[tuple[int, int]]],
    /,
) -> bytes: ...

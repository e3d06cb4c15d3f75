"""Fingerprints made in bulk equal xxhash's, one key at a time."""

from __future__ import annotations

from unittest.mock import patch

import pytest
import xxhash
from hypothesis import example, given
from hypothesis import strategies as st

from dedup import hashing
from dedup.hashing import fingerprints_of

# xxh3 takes a different path for keys of 0, 1-3, 4-8, 9-16, 17-128, 129-240 and more
# bytes; keys of every one of those lengths.
_KEYS = st.lists(st.binary(max_size=300), max_size=20)
_EVERY_LENGTH = [bytes(byte % 251 for byte in range(length)) for length in range(600)]


@pytest.mark.skipif(hashing._xxh3_64_all is None, reason="dedup._fingerprints is not built")
@given(_KEYS)
@example(_EVERY_LENGTH)
def test_compiled_fingerprints_equal_xxhash(keys: list[bytes]) -> None:
    assert list(fingerprints_of(keys)) == list(map(xxhash.xxh3_64_intdigest, keys))


@given(_KEYS, st.sampled_from([64, 128]))
def test_fingerprints_of_equal_one_key_at_a_time(keys: list[bytes], bits: int) -> None:
    one_at_a_time = list(map(hashing.fingerprinter(bits), keys))
    assert list(fingerprints_of(keys, bits)) == one_at_a_time
    with patch.object(hashing, "_xxh3_64_all", None):
        assert list(fingerprints_of(keys, bits)) == one_at_a_time


def test_keys_must_be_a_list_of_bytes() -> None:
    if hashing._xxh3_64_all is None:
        pytest.skip("dedup._fingerprints is not built")
    with pytest.raises(TypeError, match="bytes"):
        hashing._xxh3_64_all([b"a", "b"])  # type: ignore[list-item]

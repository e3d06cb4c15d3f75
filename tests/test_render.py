"""The byte ranges that removed units leave out: the C loop (dedup._lines) equals Python's."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import render
from dedup.render import cut, deleted_ranges
from dedup.segment import BOM, segment

# Lines, blank lines and runs of them, with and without a BOM: gaps of every width.
_DOCUMENT = st.lists(st.sampled_from([b"a", b"b c", b"", b" ", b"d. E f."]), max_size=14).map(
    b"\n".join
)


@pytest.mark.skipif(render._compiled_ranges is None, reason="dedup._lines is not built")
@pytest.mark.parametrize("unit", ["line", "paragraph", "sentence"])
@given(body=_DOCUMENT, bom=st.booleans(), data=st.data())
def test_compiled_ranges_equal_python_ranges(
    unit: str, body: bytes, bom: bool, data: st.DataObject
) -> None:
    document = (BOM if bom else b"") + body
    seg = segment(document, unit)
    keep = data.draw(st.lists(st.booleans(), min_size=len(seg), max_size=len(seg)))
    compiled = deleted_ranges(seg, keep)
    with patch.object(render, "_compiled_ranges", None):
        assert compiled == deleted_ranges(seg, keep)
    assert cut(document, compiled).startswith(BOM if bom else b"")

"""The optional C extensions are built wherever they can be."""

from __future__ import annotations

import importlib.util
import shutil
import sysconfig
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "dedup._u64set",
        "dedup._fold",
        "dedup._repeats",
        "dedup._nested",
        "dedup._prefilter",
        "dedup._lines",
        "dedup._sentences",
        "dedup._fingerprints",
    ],
)
def test_extension_is_built_where_it_can_be(module: str) -> None:
    # The README's test command installs in place; with a C compiler and Python's headers
    # at hand the extensions must have been built, or the tests ran on the fallbacks.
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (headers.exists() and (shutil.which("cc") or shutil.which("gcc"))):
        pytest.skip("no C compiler or Python headers: the Python fallback is in use")
    assert importlib.util.find_spec(module) is not None

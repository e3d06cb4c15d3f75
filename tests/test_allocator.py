"""The command has glibc keep freed memory: a large block freed and allocated again is
not faulted in again, page by page."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dedup.allocator import _glibc

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _glibc(), reason="glibc's mallopt only"
)

# Page faults while a 64 MB block is allocated and zeroed a second time, after the first
# one was freed; 16,384 pages of 4 KiB when none of them is reused.
_SECOND_BLOCK_FAULTS = """
import resource, sys
from dedup.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
block = bytearray(64 << 20)
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(64 << 20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _second_block_faults(setting: str) -> int:
    run = subprocess.run(
        [sys.executable, "-c", _SECOND_BLOCK_FAULTS, setting],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(run.stdout)


def test_a_freed_block_is_reused_without_faulting_its_pages_again() -> None:
    assert _second_block_faults("default") > 10_000  # glibc's default unmaps it
    assert _second_block_faults("keep") < 1_000

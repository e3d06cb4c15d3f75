"""The C allocator's settings for a run of the command (not for the library's users).

Cleaning a large document builds tables and lists of tens of megabytes in each detector
pass (first copies, copied runs, the units still kept) and frees them. glibc gives an
allocation above its mmap threshold pages of its own and unmaps them when it is freed,
and it returns freed memory at the top of its heap to the system; the next pass then
gets fresh pages, which the kernel zeroes and maps one fault at a time. Keeping freed
memory for reuse took a 200 MB document in sentence mode from 451,000 page faults to
295,000, and its system time from 1.1 s to 0.7 s. Everything goes back to the system
when the process ends. The memory kept is mostly reused: the peak of that document went
from 1,114 MB to 1,168 MB (in auto mode it did not grow). The command sets this for one
input only. Across a batch's documents, or a stream's windows, the holes left in the
heap add up: a folder of 1 MB pages peaked at 120 MB instead of 78 MB, and 10 M lines
in windows of 8 MB at a sixth more, with nothing gained.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
# Freed memory stays with the process below this much at the heap's top, and an
# allocation below it comes from the heap (glibc accepts up to its heap's maximum size).
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Have glibc keep freed memory for the next allocations; False where the C
    library is not glibc (its defaults stay)."""
    if not sys.platform.startswith("linux") or not _glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # The mmap threshold first: setting either one stops glibc adjusting the other.
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES)
    )


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError):  # a C library that does not know the name
        return False

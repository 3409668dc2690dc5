"""Keep freed memory in the process for the next array, instead of handing it back to the
system at once.

glibc gives each block above its mmap threshold (128 KB at first) pages of its own and returns
them when the block is freed; the heap's top is trimmed likewise. A network's pass makes and
drops a few dozen arrays of that size per step (a 342 × 64 batch is 175 KB), so every step
would fault its pages in again, which costs more than its arithmetic. Raising both thresholds
keeps those blocks for reuse. Blocks past the new threshold (64 MB: a long run's history) are
still mapped and returned as before. Nothing happens outside glibc's Linux.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""mallopt's parameter numbers (malloc.h)."""
MMAP_THRESHOLD = 64 * 2**20
TRIM_THRESHOLD = 256 * 2**20


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds for this process; whether it took them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )

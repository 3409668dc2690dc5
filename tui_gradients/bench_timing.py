"""How the benchmarks time a piece of work: wall-clock seconds per run, every run kept (the
report takes medians and spreads). Free of numpy, so the bare baseline's child imports it too."""

from __future__ import annotations

import time
from collections.abc import Callable


def seconds(function: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times

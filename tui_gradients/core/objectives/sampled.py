"""A surface known only on a grid of its values: a network's loss on a plane through its
weights, computed point by point in a thread (`network.plane`). The plot asks for values at
its own pixels; they are read off the grid by bilinear interpolation, and are nan outside it
(drawn as nothing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Sampled:
    u: Array
    """The grid's first coordinates, increasing."""
    v: Array
    values: Array
    """(len(v), len(u))."""

    def __call__(self, w1: Array, w2: Array) -> Array:
        w1, w2 = np.broadcast_arrays(np.asarray(w1, dtype=float), np.asarray(w2, dtype=float))
        column = np.interp(w1, self.u, np.arange(len(self.u)), left=np.nan, right=np.nan)
        row = np.interp(w2, self.v, np.arange(len(self.v)), left=np.nan, right=np.nan)
        inside = np.isfinite(column) & np.isfinite(row)
        c0 = np.clip(np.floor(np.where(inside, column, 0)).astype(int), 0, len(self.u) - 2)
        r0 = np.clip(np.floor(np.where(inside, row, 0)).astype(int), 0, len(self.v) - 2)
        fc, fr = np.where(inside, column, 0) - c0, np.where(inside, row, 0) - r0
        grid = self.values
        top = grid[r0, c0] * (1 - fc) + grid[r0, c0 + 1] * fc
        bottom = grid[r0 + 1, c0] * (1 - fc) + grid[r0 + 1, c0 + 1] * fc
        result: Array = np.where(inside, top * (1 - fr) + bottom * fr, np.nan)
        return result

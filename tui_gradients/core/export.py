"""Trajectories and chain tables as rows, written as CSV, JSON or an aligned table.

This is a contract other tools read: the column names are fixed and floats are written with
Python's `repr`, the shortest decimal that reads back to the same float.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from typing import IO

from tui_gradients.core.chain import Chain
from tui_gradients.core.run import Run

RUN_COLUMNS = ("step", "w1", "w2", "loss", "grad_w1", "grad_w2")
CHAIN_COLUMNS = (
    "step",
    "layer",
    "weight",
    "bias",
    "z",
    "a",
    "gprime",
    "delta",
    "grad_weight",
    "grad_bias",
)
FORMATS = ("csv", "json", "table")

Row = tuple[int | float, ...]


def run_rows(run: Run) -> Iterator[Row]:
    """One row per computed step: step 0 is the start point."""
    history = run.history
    for step, (params, loss, grads) in enumerate(
        zip(history.params, history.loss, history.grads, strict=True)
    ):
        yield (
            step,
            float(params[0]),
            float(params[1]),
            float(loss),
            float(grads[0]),
            float(grads[1]),
        )


def chain_rows(run: Run, chain: Chain) -> Iterator[Row]:
    """One row per step and layer: the parameters after `step` updates and what they give."""
    for step, params in enumerate(run.history.params):
        trace = chain.trace(params)
        for layer in range(chain.depth):
            yield (
                step,
                layer + 1,
                *(
                    float(values[layer])
                    for values in (
                        trace.weight,
                        trace.bias,
                        trace.z,
                        trace.a,
                        trace.gprime,
                        trace.delta,
                        trace.grad_weight,
                        trace.grad_bias,
                    )
                ),
            )


def write(rows: Iterator[Row], columns: Sequence[str], fmt: str, out: IO[str], meta: dict) -> None:
    """Write rows in `fmt`; `meta` (settings, stop reason) goes into JSON only."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
    elif fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        json.dump({**meta, "columns": list(columns), "rows": records}, out, allow_nan=False)
        out.write("\n")
    else:
        _write_table(rows, columns, out)


def _cell(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _write_table(rows: Iterator[Row], columns: Sequence[str], out: IO[str]) -> None:
    widths = [max(len(c), 12 if i else 6) for i, c in enumerate(columns)]
    out.write("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)) + "\n")
    for row in rows:
        cells = [str(v) if isinstance(v, int) else f"{v:.6g}" for v in row]
        out.write("  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + "\n")

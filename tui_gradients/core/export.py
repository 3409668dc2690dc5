"""Trajectories and chain tables as rows, written as CSV, JSON or an aligned table.

This is a contract other tools read: the column names are fixed and floats are written with
Python's `repr`, the shortest decimal that reads back to the same float.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tui_gradients.core.chain import Chain, ChainSettings
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import Experiment, PlaneSettings
from tui_gradients.core.optimizers import Hyperparameters
from tui_gradients.core.run import Run

if TYPE_CHECKING:
    from tui_gradients.core.session import Session

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


# --- settings files -------------------------------------------------------------------------

SETTINGS_VERSION = 1


def settings_to_dict(experiment: Experiment) -> dict:
    """Everything needed to reproduce the runs, as plain JSON values."""
    return {
        "version": SETTINGS_VERSION,
        "plane": asdict(experiment.plane),
        "hyper": asdict(experiment.hyper),
        "chain": asdict(experiment.chain),
        "chain_hyper": asdict(experiment.chain_hyper),
    }


def settings_from_dict(data: object) -> Experiment:
    """The experiment a settings document describes, validated like typed settings.

    Accepts a bare settings document or a whole export (which holds one under "settings").
    """
    if isinstance(data, dict) and "settings" in data:
        data = data["settings"]
    if not isinstance(data, dict) or data.get("version") != SETTINGS_VERSION:
        raise SettingError(
            "load", f"not a tui-gradients settings document (version {SETTINGS_VERSION})"
        )
    try:
        plane = dict(data["plane"])
        if plane.get("start") is not None:
            plane["start"] = tuple(plane["start"])
        return Experiment(
            plane=PlaneSettings(**plane),
            hyper=Hyperparameters(**data["hyper"]),
            chain=ChainSettings(**data["chain"]),
            chain_hyper=Hyperparameters(**data["chain_hyper"]),
        )
    except SettingError as error:
        raise SettingError("load", f"{error.name}: {error.message}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise SettingError("load", f"malformed settings: {error}") from None


def load_settings(path: str | Path) -> Experiment:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SettingError("load", f"cannot read {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingError(
            "load", f"{path} is not JSON: {error.msg} at line {error.lineno}"
        ) from None
    return settings_from_dict(data)


def export_session(session: Session, folder: Path, stem: str) -> list[Path]:
    """Write the experiment as JSON (settings, trajectories, chain table) and two CSV files."""
    document = {
        "settings": settings_to_dict(session.experiment),
        "step": session.step,
        "trajectory": _table(run_rows(session.plane), RUN_COLUMNS),
        "rivals": [
            {"optimizer": name, **_table(run_rows(run), RUN_COLUMNS)}
            for name, run in session.plane_runs[1:]
        ],
        "chain": _table(chain_rows(session.chain_run, session.chain), CHAIN_COLUMNS),
        "stops": {name: stop.message for name, stop in session.stops()},
    }
    paths = [
        folder / f"{stem}.json",
        folder / f"{stem}-trajectory.csv",
        folder / f"{stem}-chain.csv",
    ]
    paths[0].write_text(json.dumps(document, allow_nan=False) + "\n", encoding="utf-8")
    with paths[1].open("w", encoding="utf-8") as out:
        write(run_rows(session.plane), RUN_COLUMNS, "csv", out, {})
    with paths[2].open("w", encoding="utf-8") as out:
        write(chain_rows(session.chain_run, session.chain), CHAIN_COLUMNS, "csv", out, {})
    return paths


def _table(rows: Iterator[Row], columns: Sequence[str]) -> dict:
    return {"columns": list(columns), "rows": [list(row) for row in rows]}

"""Trajectories and chain tables as rows, written as CSV, JSON or an aligned table.

This is a contract other tools read: the column names are fixed and floats are written with
Python's `repr`, the shortest decimal that reads back to the same float.
"""

from __future__ import annotations

import csv
import json
import math
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from tui_gradients.core.errors import SettingError
from tui_gradients.core.files.resume import Resume
from tui_gradients.core.files.writing import write_atomically
from tui_gradients.core.network.chain import Chain
from tui_gradients.core.optimisation.rules import HYPERPARAMETERS
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.run import Run
from tui_gradients.core.runs.settings import SETTINGS, restore, saved

if TYPE_CHECKING:
    from tui_gradients.core.runs.session import Session

RUN_COLUMNS = ("step", "w1", "w2", "loss", "grad_w1", "grad_w2", "lr")
"""`lr` is the learning rate of the step after the row (it moves only under a schedule); new
columns go at the end, so that readers of the older ones keep working."""
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


EXPORT_STEPS = 10_000
"""The most steps of a run that an export from the app writes. After a jump of a million steps
every step would make files of gigabytes and take minutes (the chain table has a row per step
and layer), so a longer history is written every k-th step, with its last step; `run` and
`chain` on the command line write every step they compute."""
EXPORT_CHAIN_ROWS = 100_000
"""The most rows of the chain table an export writes (a deep chain is thinned more)."""


def run_rows(run: Run, every: int = 1) -> Iterator[Row]:
    """One row per kept step (or every `every`-th, and the last): step 0 is the start."""
    history = run.history
    params, loss, grads = history.params, history.loss, history.grads
    lr_row, lr = run.optimizer.lr_row, run.optimizer.vector[0]
    for row in _rows(len(loss), every):
        yield (
            history.step_of(row),
            float(params[row, 0]),
            float(params[row, 1]),
            float(loss[row]),
            float(grads[row, 0]),
            float(grads[row, 1]),
            lr if lr_row is None else float(history.states[row, lr_row, 0]),
        )


def chain_rows(run: Run, chain: Chain, every: int = 1) -> Iterator[Row]:
    """One row per step (or every `every`-th, and the last) and layer: the parameters after
    `step` updates and what they give."""
    params = run.history.params
    for row in _rows(len(params), every):
        trace = chain.trace(params[row])
        for layer in range(chain.depth):
            yield (
                run.history.step_of(row),
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


def write(
    rows: Iterator[Row], columns: Sequence[str], fmt: str, out: IO[str], meta: dict[str, Any]
) -> None:
    """Write rows in `fmt` as they come (a million rows never sit in memory at once); `meta`
    (settings, stop reason) goes into JSON only."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(map(_csv_row, rows))
    elif fmt == "json":
        _write_json(rows, columns, out, meta)
    else:
        _write_table(rows, columns, out)


def _csv_row(row: Row) -> list[str]:
    return [_cell(v) for v in row]


def _write_json(
    rows: Iterator[Row], columns: Sequence[str], out: IO[str], meta: dict[str, Any]
) -> None:
    """{**meta, "columns": [...], "rows": [{column: value}, ...]}, a row at a time."""
    head = json.dumps({**meta, "columns": list(columns)}, allow_nan=False)
    out.write(head[:-1] + ', "rows": [')
    for index, row in enumerate(rows):
        values = (None if isinstance(v, float) and not math.isfinite(v) else v for v in row)
        record = json.dumps(dict(zip(columns, values, strict=True)), allow_nan=False)
        out.write(record if index == 0 else ", " + record)
    out.write("]}\n")


def _cell(value: int | float) -> str:
    """An int as it is, a float by `repr`; a value that is not there (nan, ±inf) as an empty
    cell, as JSON writes it null."""
    if isinstance(value, int):
        return str(value)
    return repr(value) if math.isfinite(value) else ""


def _write_table(rows: Iterator[Row], columns: Sequence[str], out: IO[str]) -> None:
    widths = [max(len(c), 12 if i else 6) for i, c in enumerate(columns)]
    out.write("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)) + "\n")
    for row in rows:
        cells = [str(v) if isinstance(v, int) else f"{v:.6g}" for v in row]
        out.write("  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + "\n")


# --- settings files -------------------------------------------------------------------------

SETTINGS_VERSION = 2
"""Version 2 holds each setting as the text a user would type (`settings.saved`); version 1
held the dataclasses' fields, and is still read."""


def settings_to_dict(experiment: Experiment) -> dict[str, Any]:
    """Everything needed to reproduce the runs, as typed text that reads back exactly."""
    return {"version": SETTINGS_VERSION, "values": saved(experiment)}


def settings_from_dict(data: object) -> Experiment:
    """The experiment a settings document describes, each value checked as if typed.

    Accepts a bare settings document or a whole export (which holds one under "settings").
    """
    if isinstance(data, dict) and "settings" in data:
        data = data["settings"]
    version = data.get("version") if isinstance(data, dict) else None
    if version not in (1, SETTINGS_VERSION):
        raise SettingError(
            "load", f"not a tui-gradients settings document (version {SETTINGS_VERSION})"
        )
    assert isinstance(data, dict)
    try:
        values = data["values"] if version == SETTINGS_VERSION else _version_1(data)
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise TypeError("each setting must be a string")
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise KeyError(f"unknown setting {unknown[0]!r}")
        return restore(values)
    except SettingError as error:
        raise SettingError("load", f"{error.name}: {error.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise SettingError("load", f"malformed settings: {error}") from None


def _version_1(data: dict[str, Any]) -> dict[str, str]:
    """A version-1 document's fields as the settings' typed text."""
    plane, hyper, chain = data["plane"], data["hyper"], data["chain"]
    expr = plane.get("expr")
    values = {"function": plane["function"]} if expr is None else {"expr": expr}
    values |= {name: repr(plane[name]) for name in ("a", "b")}
    if plane.get("start") is not None:
        values["start"] = ",".join(repr(float(v)) for v in plane["start"])
    values |= {name: str(hyper[name]) for name in ("optimizer", "lr", "momentum", "alpha")}
    values["betas"] = f"{hyper['beta1']!r},{hyper['beta2']!r}"
    values["eps"] = "default" if hyper.get("eps") is None else repr(hyper["eps"])
    values |= {name: str(value) for name, value in chain.items()}
    values["chain_lr"] = repr(data["chain_hyper"]["lr"])
    return values


def _rows(count: int, every: int) -> list[int]:
    rows = list(range(0, count, every))
    if rows and rows[-1] != count - 1:
        rows.append(count - 1)
    return rows


def export_stride(session: Session) -> int:
    """Every how many steps an export writes a row: within EXPORT_STEPS rows per run, and
    EXPORT_CHAIN_ROWS rows (steps × layers) of the chain table."""
    longest = max(len(run.history) for run in session.runs)
    per_step = max(1, math.ceil(session.chain.depth * EXPORT_STEPS / EXPORT_CHAIN_ROWS))
    return max(1, math.ceil((longest - 1) * per_step / (EXPORT_STEPS - 1)))


T = TypeVar("T")

MAX_LOAD_BYTES = 32 * 2**20
"""The largest file `--load` reads: an export from the app is at most a few MB (its tables are
thinned to EXPORT_STEPS steps and EXPORT_CHAIN_ROWS rows)."""


def load_settings(path: str | Path) -> Experiment:
    """The settings of a file written by export or `--format json`."""
    return _named(path, lambda data: settings_from_dict(data), _read_document(path))


def load_export(path: str | Path, pages: int) -> tuple[Experiment, Resume]:
    """The settings of a file written by export, and where the app was (`Resume`; empty for a
    file that does not say, such as `--format json`); `pages` is the lesson's page count."""

    def read(data: object) -> tuple[Experiment, Resume]:
        resume = data.get("resume") if isinstance(data, dict) else None
        experiment = settings_from_dict(data)
        return experiment, Resume() if resume is None else Resume.from_dict(resume, pages)

    return _named(path, read, _read_document(path))


def _named(path: str | Path, read: Callable[[object], T], data: object) -> T:
    """`read(data)`, any refusal worded as one line that names the file."""
    try:
        return read(data)
    except SettingError as error:
        raise SettingError("load", f"{path}: {error.message}") from None


def _read_document(path: str | Path) -> object:
    """The JSON in a regular file of at most MAX_LOAD_BYTES, read safely: a FIFO, a device or
    a directory is refused before anything is read, and so is a file too large; bad UTF-8,
    bad JSON, nesting too deep or a number too long are each one line."""

    def refuse(reason: str) -> SettingError:
        return SettingError("load", f"{path}: {reason}")

    try:  # O_NONBLOCK: a FIFO without a writer must not hold the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not a regular file (--load reads a file written by export)")
        if info.st_size > MAX_LOAD_BYTES:
            mb = MAX_LOAD_BYTES >> 20
            raise refuse(f"{info.st_size / 2**20:.0f} MB; --load reads files up to {mb} MB")
        with os.fdopen(fd, "rb", closefd=False) as file:
            raw = file.read(MAX_LOAD_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_LOAD_BYTES:
        raise refuse(f"grew past {MAX_LOAD_BYTES >> 20} MB while read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise refuse(f"not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise refuse(f"not JSON: {error.msg} at line {error.lineno}") from None
    except RecursionError:
        raise refuse("not a settings file: nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise refuse(f"not a settings file: {error}") from None


EXPORT_SUFFIXES = (".json", "-trajectory.csv", "-chain.csv")


def export_session(
    session: Session, folder: Path, stem: str, resume: Resume | None = None
) -> list[Path]:
    """Write the experiment as JSON (settings, trajectories, chain table, and `resume`, where
    the app was) and CSV files (the main run's trajectory, the chain table, and each rival's
    trajectory in the main run's columns), every `export_stride` steps (recorded as "every"),
    all of them or none (`write_atomically`)."""
    every = export_stride(session)
    resume = resume or Resume(session.step, session.rivals)
    # each table once: the JSON and its CSV twin hold the same rows (a chain row is a trace)
    trajectory_rows = list(run_rows(session.plane, every))
    chain_table = list(chain_rows(session.chain_run, session.chain, every))
    rival_tables = [list(run_rows(run, every)) for run in session.rival_runs]
    document = {
        "settings": settings_to_dict(session.experiment),
        "resume": resume.to_dict(),
        "step": session.step,
        "every": every,
        "trajectory": _table(trajectory_rows, RUN_COLUMNS),
        "rivals": [
            {
                "optimizer": run.optimizer.name,
                "hyperparameters": dict(zip(HYPERPARAMETERS, run.optimizer.vector, strict=True)),
                **_table(rows, RUN_COLUMNS),
            }
            for run, rows in zip(session.rival_runs, rival_tables, strict=True)
        ],
        "chain": _table(chain_table, CHAIN_COLUMNS),
        "stops": {name: stop.message for name, stop in session.stops()},
    }
    json_path, trajectory, chain = (folder / f"{stem}{suffix}" for suffix in EXPORT_SUFFIXES)
    files: dict[Path, Callable[[IO[str]], object]] = {
        json_path: lambda out: out.write(json.dumps(document, allow_nan=False) + "\n"),
        trajectory: partial(_write_rows, trajectory_rows),
        chain: lambda out: write(iter(chain_table), CHAIN_COLUMNS, "csv", out, {}),
    }
    for number, rows in enumerate(rival_tables, start=1):  # each in the main run's columns
        files[folder / f"{stem}-rival-{number}{EXPORT_SUFFIXES[1]}"] = partial(_write_rows, rows)
    write_atomically(files)
    return list(files)


def _write_rows(rows: list[Row], out: IO[str]) -> None:
    write(iter(rows), RUN_COLUMNS, "csv", out, {})


def _table(rows: Iterable[Row], columns: Sequence[str]) -> dict[str, Any]:
    return {"columns": list(columns), "rows": [list(row) for row in rows]}

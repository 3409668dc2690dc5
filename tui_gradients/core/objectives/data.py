"""Two columns of a CSV file, read for a regression: every refusal is one line that names the
file and, where it is a cell, the line and the column.

A file is read whole on first use and kept (keyed by its path, size and modification time), so
changing the start, the scaling or the batch size does not read it again; a file changed on
disk since is read anew.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.text import inert

MAX_DATA_BYTES = 64 * 2**20
"""The largest file `--data` reads (64 MB: some two million rows of two numbers, read in
several seconds; the app reads a large file in a thread)."""
PACKAGED = Path(__file__).resolve().parents[2] / "data"
"""The data sets that ship inside the package (`tui_gradients/data`)."""


@dataclass(frozen=True, eq=False)
class Columns:
    """The x and y columns of a file, as floats, and what identifies the file."""

    path: str
    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    sha256: str
    """Of the file's bytes: an export records it, and `--load` refuses a file changed since."""

    @property
    def rows(self) -> int:
        return len(self.x)


def read_columns(path: str, x: str = "", y: str = "") -> Columns:
    """Columns `x` and `y` of the CSV file at `path` (a header row, then one row per sample);
    an empty name means the first column (for x) or the last (for y) whose first cell is a
    number. SettingError naming `data`, `x_column` or `y_column` for anything unusable."""
    info = _regular_file(path)
    return _read(path, x, y, info.st_size, info.st_mtime_ns)


def header(path: str) -> list[str]:
    """The column names of the CSV file at `path`."""
    info = _regular_file(path)
    return _parsed(path, info.st_size, info.st_mtime_ns).names


def packaged(name: str) -> str:
    """The path of a data set shipped with the app."""
    return str(PACKAGED / name)


def _regular_file(path: str) -> os.stat_result:
    try:
        info = os.stat(path)
    except OSError as error:
        raise SettingError("data", f"{path}: cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingError("data", f"{path}: not a regular file")
    if info.st_size > MAX_DATA_BYTES:
        size, most = f"{info.st_size / 2**20:.0f} MB", f"{MAX_DATA_BYTES >> 20} MB"
        raise SettingError("data", f"{path}: {size}; files up to {most} are read")
    return info


def _bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_DATA_BYTES + 1)
    except OSError as error:
        raise SettingError("data", f"{path}: cannot read: {error.strerror}") from None
    if len(raw) > MAX_DATA_BYTES:
        raise SettingError("data", f"{path}: grew past {MAX_DATA_BYTES >> 20} MB while read")
    return raw


def _table(path: str, raw: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettingError("data", f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise SettingError("data", f"{path}: not CSV: {error}") from None
    rows = [row for row in rows if row]  # a blank line is no sample
    if not rows:
        raise SettingError("data", f"{path}: empty; expected a header row, then data rows")
    return [inert(name.strip()) for name in rows[0]], rows[1:]  # names are shown


@dataclass(frozen=True, eq=False)
class _Table:
    names: list[str]
    rows: list[list[str]]
    sha256: str


@lru_cache(maxsize=2)
def _parsed(path: str, size: int, mtime_ns: int) -> _Table:
    """The file read and parsed once for every column asked of it (the settings are applied
    one by one, each asking again); keyed by size and modification time, so a file changed on
    disk is read anew."""
    import hashlib  # loads OpenSSL: not at start-up, only once a file is read

    raw = _bytes(path)
    names, rows = _table(path, raw)
    if len(rows) < 2:
        raise SettingError("data", f"{path}: {len(rows)} data row(s); a fit needs at least 2")
    if any(len(row) != len(names) for row in rows):
        number = next(i for i, row in enumerate(rows) if len(row) != len(names))
        cells = len(rows[number])
        raise SettingError(
            "data", f"{path}: row {number + 1} has {cells} cells, the header {len(names)}"
        )
    return _Table(names, rows, hashlib.sha256(raw).hexdigest())


@lru_cache(maxsize=8)
def _read(path: str, x: str, y: str, size: int, mtime_ns: int) -> Columns:
    table = _parsed(path, size, mtime_ns)
    names, rows = table.names, table.rows
    x, y = x or _numeric(path, names, rows, first=True), y or _numeric(path, names, rows)
    positions = [_position(path, names, x, "x_column"), _position(path, names, y, "y_column")]
    values = [_numbers(path, size, mtime_ns, at) for at in positions]
    for column, name, which in zip(values, (x, y), ("x_column", "y_column"), strict=True):
        if np.ptp(column) == 0:
            raise SettingError(
                which, f"column {name!r} is constant ({column[0]:g}): nothing to fit"
            )
    return Columns(path, x, y, values[0], values[1], table.sha256)


@lru_cache(maxsize=8)
def _numbers(path: str, size: int, mtime_ns: int, at: int) -> np.ndarray:
    table = _parsed(path, size, mtime_ns)
    return _column(path, table.rows, at, table.names[at])


def _numeric(path: str, names: list[str], rows: list[list[str]], first: bool = False) -> str:
    """The first (or last) column whose first cell reads as a number."""
    order = range(len(names)) if first else range(len(names) - 1, -1, -1)
    for at in order:
        try:
            float(rows[0][at])
        except (ValueError, IndexError):
            continue
        return names[at]
    raise SettingError("data", f"{path}: no column of numbers (it has: {', '.join(names)})")


def _position(path: str, names: list[str], name: str, which: str) -> int:
    if name not in names:
        raise SettingError(which, f"no column {name!r} in {path} (it has: {', '.join(names)})")
    return names.index(name)


def _column(path: str, rows: list[list[str]], at: int, name: str) -> np.ndarray:
    """Column `at` as floats, converted by numpy in one go; where that fails, the first cell
    that is not a finite number is found and named."""
    cells = [row[at] for row in rows]
    try:
        values = np.array(cells, dtype=float)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    return np.array([_number(path, cell, row, name) for row, cell in enumerate(cells, 1)])


def _number(path: str, cell: str, row: int, column: str) -> float:
    """`row` counts the data rows from 1, the header and blank lines not counted."""
    where = f"{path}: row {row}, column {column!r}"
    try:
        value = float(cell)
    except ValueError:
        shown = cell if len(cell) <= 20 else cell[:20] + "…"
        raise SettingError("data", f"{where}: {shown!r} is not a number") from None
    if not math.isfinite(value):
        raise SettingError("data", f"{where}: {cell!r} is not a finite number")
    return value

"""Two columns of a CSV file, read for a regression: every refusal is one line that names the
file and, where it is a cell, the line and the column.

A file is read whole on first use and kept as float columns (keyed by its path, size and
modification time), so changing the start, the scaling or the batch size does not read it again;
a file changed on disk since is read anew. It is parsed chunk by chunk, no cell kept as text.
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


CHUNK_CELLS = 2**20
"""Cells held as text at once while a file is parsed: each chunk becomes floats in one numpy
call and its text goes, so memory follows the numbers (8 bytes a cell), not the cells."""


@dataclass(frozen=True)
class _Cell:
    """The first cell of a column that is not a finite number, to be named if it is used."""

    row: int
    text: str
    reason: str


@dataclass(frozen=True, eq=False)
class _Table:
    names: list[str]
    columns: list[np.ndarray]
    """Each column as floats (nan where a cell is not a number)."""
    bad: list[_Cell | None]
    starts_numeric: list[bool]
    """Whether each column's first cell reads as a number (which columns `_numeric` offers)."""
    sha256: str


def _table(path: str, raw: bytes) -> _Table:
    """The header's names, and every column parsed to floats chunk by chunk as it is read."""
    import hashlib  # loads OpenSSL: not at start-up, only once a file is read

    text = _decoded(path, raw)
    rows = (row for row in csv.reader(io.StringIO(text, newline="")) if row)  # blank: no sample
    try:
        header = next(rows, None)
        if header is None:
            raise SettingError("data", f"{path}: empty; expected a header row, then data rows")
        names = [inert(name.strip()) for name in header]  # names are shown
        parts: list[list[np.ndarray]] = [[] for _ in names]
        bad: list[_Cell | None] = [None] * len(names)
        starts_numeric: list[bool] = []
        chunk: list[list[str]] = []
        chunk_rows, count = max(1, CHUNK_CELLS // max(len(names), 1)), 0
        for row in rows:
            count += 1
            if len(row) != len(names):
                raise SettingError(
                    "data", f"{path}: row {count} has {len(row)} cells, the header {len(names)}"
                )
            if count == 1:
                starts_numeric = [_reads_as_number(cell) for cell in row]
            chunk.append(row)
            if len(chunk) == chunk_rows:
                _add_chunk(chunk, count - len(chunk), parts, bad)
                chunk = []
        _add_chunk(chunk, count - len(chunk), parts, bad)
    except csv.Error as error:
        raise SettingError("data", f"{path}: not CSV: {error}") from None
    if count < 2:
        raise SettingError("data", f"{path}: {count} data row(s); a fit needs at least 2")
    columns = [np.concatenate(column) for column in parts]
    return _Table(names, columns, bad, starts_numeric, hashlib.sha256(raw).hexdigest())


def _decoded(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettingError("data", f"{path}: not UTF-8 text (byte {error.start})") from None


def read_text(path: str) -> str:
    """The text of the file at `path`, with the same refusals as `read_columns` (not a regular
    file, too large, not UTF-8), for a reader that needs its cells as text (class labels)."""
    _regular_file(path)
    return _decoded(path, _bytes(path))


def _reads_as_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _add_chunk(
    chunk: list[list[str]], before: int, parts: list[list[np.ndarray]], bad: list[_Cell | None]
) -> None:
    """Each column of `chunk` (data rows `before` + 1 on) as floats, in one numpy call where
    every cell is a number; the first cell that is not a finite number is kept for its error."""
    for at, part in enumerate(parts):
        cells = [row[at] for row in chunk]
        try:
            values = np.array(cells, dtype=float)
        except ValueError:  # a cell that is not a number: nan in its place
            values = np.array([_float_or_nan(cell) for cell in cells], dtype=float)
        if bad[at] is None and not np.isfinite(values).all():
            index = int(np.argmin(np.isfinite(values)))
            cell = cells[index]
            reason = "is not a finite number" if _reads_as_number(cell) else "is not a number"
            bad[at] = _Cell(before + index + 1, cell, reason)
        part.append(values)


def _float_or_nan(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


@lru_cache(maxsize=2)
def _parsed(path: str, size: int, mtime_ns: int) -> _Table:
    """The file read and parsed once for every column asked of it (the settings are applied
    one by one, each asking again); keyed by size and modification time, so a file changed on
    disk is read anew."""
    return _table(path, _bytes(path))


@lru_cache(maxsize=8)
def _read(path: str, x: str, y: str, size: int, mtime_ns: int) -> Columns:
    table = _parsed(path, size, mtime_ns)
    names = table.names
    x, y = x or _numeric(path, table, first=True), y or _numeric(path, table)
    positions = [_position(path, names, x, "x_column"), _position(path, names, y, "y_column")]
    values = [_numbers(path, table, at) for at in positions]
    for column, name, which in zip(values, (x, y), ("x_column", "y_column"), strict=True):
        if np.ptp(column) == 0:
            raise SettingError(
                which, f"column {name!r} is constant ({column[0]:g}): nothing to fit"
            )
    return Columns(path, x, y, values[0], values[1], table.sha256)


def _numbers(path: str, table: _Table, at: int) -> np.ndarray:
    """Column `at`, or the one line naming its first cell that is not a finite number."""
    cell = table.bad[at]
    if cell is not None:
        shown = cell.text if len(cell.text) <= 20 else cell.text[:20] + "…"
        where = f"{path}: row {cell.row}, column {table.names[at]!r}"
        raise SettingError("data", f"{where}: {shown!r} {cell.reason}")
    return table.columns[at]


def _numeric(path: str, table: _Table, first: bool = False) -> str:
    """The first (or last) column whose first cell reads as a number."""
    order = range(len(table.names)) if first else range(len(table.names) - 1, -1, -1)
    for at in order:
        if table.starts_numeric[at]:
            return table.names[at]
    names = ", ".join(table.names)
    raise SettingError("data", f"{path}: no column of numbers (it has: {names})")


def _position(path: str, names: list[str], name: str, which: str) -> int:
    if name not in names:
        raise SettingError(which, f"no column {name!r} in {path} (it has: {', '.join(names)})")
    return names.index(name)

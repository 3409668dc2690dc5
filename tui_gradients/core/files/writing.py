"""Files the app writes: named one way, and written whole or not at all.

A screenshot or an export is written to temporary files in the folder it goes to, and each is
renamed to its name only once every one of them is complete: a full disk or a read-only folder
leaves no partial file behind (a reader of `--load` would refuse it) and no empty one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO

PREFIX = "tui-gradients"


def output_stem(folder: Path, now: datetime, suffixes: tuple[str, ...]) -> str:
    """`tui-gradients-YYYYMMDD-HHMMSS`, with `-2`, `-3`… when a file of that stem and one of
    `suffixes` exists already in `folder` (two presses within one second)."""
    base = f"{PREFIX}-{now:%Y%m%d-%H%M%S}"
    stem, count = base, 1
    while any((folder / f"{stem}{suffix}").exists() for suffix in suffixes):
        count += 1
        stem = f"{base}-{count}"
    return stem


def _umask() -> int:
    """The process's umask (reading it means setting it: put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(files: dict[Path, Callable[[IO[str]], object]]) -> None:
    """Write each file by its function into a temporary file beside it, then rename them all;
    on any failure every temporary file is removed and the error (an OSError) propagates."""
    written: list[tuple[str, Path]] = []
    try:
        for path, fill in files.items():
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".partial", dir=path.parent
            )
            written.append((temporary, path))
            os.fchmod(descriptor, 0o666 & ~_umask())  # as open() would make it, not mkstemp's 0600
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())  # on disk before the name points at it
        for temporary, path in written:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        raise

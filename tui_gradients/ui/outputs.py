"""What the main screen writes: SVG screenshots and exports of the session, into one folder
(`--out`, or the current one), under one naming scheme, whole or not at all."""

from __future__ import annotations

import os
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from tui_gradients.core.files.export import (
    EXPORT_SUFFIXES,
    export_session,
    export_stride,
)
from tui_gradients.core.files.resume import Resume
from tui_gradients.core.files.writing import output_stem, write_atomically
from tui_gradients.core.runs.session import Session


class Written(NamedTuple):
    """What a write says in full (the message log), whether it failed (an alert, kept until
    esc), and a short form for the status line's one row (the file's name, not its path)."""

    text: str
    failed: bool = False
    short: str = ""


class Outputs:
    """The `E` and `e` keys' files: the folder they go to is this part's own state."""

    def __init__(self, out_dir: Path | None = None) -> None:
        self.out_dir = out_dir
        """Where files go; None: the current folder at the time of writing."""

    @property
    def folder(self) -> Path:
        return self.out_dir or Path.cwd()

    def export(self, session: Session, resume: Resume) -> Written:
        """Settings, trajectories and chain table, as JSON and CSV."""
        folder = self.folder
        stem = output_stem(folder, datetime.now(), EXPORT_SUFFIXES)
        try:
            paths = export_session(session, folder, stem, resume)
        except OSError as error:
            return Written(f"export failed, nothing written: {_reason(error, folder)}", True)
        every = export_stride(session)
        thinned = f", a row every {every} steps" if every > 1 else ""
        tables = f"+ {len(paths) - 1} CSV{thinned}"
        return Written(
            f"exported {paths[0]} ({tables}); reload with: "
            f"{relaunch_command()} --load {shlex.quote(str(paths[0]))}",
            short=f"exported {paths[0].name} ({tables}); @ shows where",
        )

    def screenshot(self, svg: str) -> Written:
        folder = self.folder
        path = folder / f"{output_stem(folder, datetime.now(), ('.svg',))}.svg"
        try:
            write_atomically({path: lambda out: out.write(svg)})
        except OSError as error:
            return Written(f"screenshot failed, nothing written: {_reason(error, folder)}", True)
        return Written(f"screenshot saved to {path}", short=f"screenshot saved: {path.name}")


def relaunch_command(argv0: str | None = None) -> str:
    """The command that started this app, as it can be typed again from any folder: the
    `tui-gradients` script by the path it was run by (a venv's is not on PATH unless the venv
    is active), else this Python with `-m tui_gradients`."""
    program = sys.argv[0] if argv0 is None else argv0
    if Path(program).name == "tui-gradients":
        return shlex.quote(os.path.abspath(program)) if os.sep in program else program
    return f"{shlex.quote(sys.executable)} -m tui_gradients"


def _reason(error: OSError, folder: Path) -> str:
    """The system's words and the file, or the folder where no file is named (a full disk)."""
    where = error.filename or folder
    return f"{error.strerror or error} ({where})"

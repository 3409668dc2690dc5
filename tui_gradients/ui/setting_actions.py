"""What the settings keys need to know beyond the driver: the run each key acts on, in words,
and which edits read a data file large enough to be read in a thread."""

from __future__ import annotations

import os

from tui_gradients.core.runs.experiment import PlaneSettings
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import SETTINGS
from tui_gradients.ui.marks import MARKS

THREADED_DATA_BYTES = 256 * 1024
"""A data file larger than this (some 8000 rows of two numbers) is read and fitted in a thread:
a 10⁵-row file takes about 0.3 s, and no key may hold the screen for more than 0.1 s."""


def reads_a_large_file(plane: PlaneSettings, name: str, value: str) -> bool:
    """Whether applying the setting may read and fit a large data file."""
    if SETTINGS[name].section != "data":
        return False
    path = value if name == "data" else plane.data
    if not path:
        return False
    try:
        return os.path.getsize(os.path.expanduser(path)) > THREADED_DATA_BYTES
    except OSError:  # missing or unreadable: refused at once, with the reason
        return False


def run_name(session: Session, index: int, ascii_only: bool) -> str:
    """`◆ adagrad lr 5`: a 2-D run's mark and name, as its readout row shows them."""
    return f"{MARKS[index].glyph(ascii_only)} {session.plane_runs[index][0]}"


def lr_owner(session: Session, chain: bool, ascii_only: bool) -> str:
    """Whose lr the keys change: the chain's, the only 2-D run's, or the selected run's."""
    if chain:
        return "chain"
    if not session.rivals:
        return "2-D run"
    mark = MARKS[session.selected].glyph(ascii_only)
    return f"{mark} {session.selected_hyper.optimizer}"


def next_choice(options: tuple[str, ...], current: str | None) -> str:
    if current not in options:
        return options[0]
    return options[(options.index(current) + 1) % len(options)]

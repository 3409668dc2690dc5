"""The command palette (ctrl+p): every function, every optimiser, and the toggles, by name."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.screen import Screen

from tui_gradients.core.objectives.functions import PRESETS
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from tui_gradients.ui.screen import MainScreen

TOGGLES = (
    ("Compare: next optimiser", "Cycle the comparison run", "compare"),
    ("Race", "All six optimisers from the same start", "race"),
    ("Toggle equal scale", "One unit of w1 as long as one of w2", "toggle_equal_scale"),
    ("Toggle ASCII markers", "For terminals without braille", "toggle_markers"),
    ("Toggle theory", "Hessian, κ and gd's predictions", "toggle_theory"),
    ("Lesson", "Open or close the guided lesson", "toggle_lesson"),
    ("Toggle settings panel", "Show or hide the fields", "toggle_panel"),
    ("Save SVG screenshot", "Into the current folder", "screenshot"),
    ("Export experiment", "Settings and trajectories as JSON and CSV", "export"),
    ("Reset", "Back to step 0", "reset"),
)
"""(title, help, the main screen's action)."""


def commands(app: App, screen: Screen, main: MainScreen) -> Iterable[SystemCommand]:
    """Textual's own commands, then ours, each calling the main screen (`main`)."""
    yield from App.get_system_commands(app, screen)
    for name in PRESETS:
        change = partial(main.change_setting, "function", name)
        yield SystemCommand(f"Function: {name}", f"Switch to the {name} surface", change)
    for name in OPTIMIZERS:
        change = partial(main.change_setting, "optimizer", name)
        yield SystemCommand(f"Optimizer: {name}", f"Use {name} for the runs", change)
    for title, help_text, action in TOGGLES:
        yield SystemCommand(title, help_text, getattr(main, f"action_{action}"))

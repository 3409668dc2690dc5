"""The terminal app: its lifecycle, its signals and its one app-wide choice, plain ASCII or not.
What is shown and what keys do belong to `MainScreen`; the session belongs to its `Driver`.

All numbers come from `tui_gradients.core`; the UI decides only what is shown where.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal

from textual.app import App
from textual.reactive import reactive
from textual.screen import Screen

from tui_gradients.core.experiment import Experiment
from tui_gradients.core.rivals import Rival
from tui_gradients.core.session import Session
from tui_gradients.ui.glyphs import unicode_terminal
from tui_gradients.ui.palette import commands
from tui_gradients.ui.screen import MainScreen


class GradientsApp(App[None]):
    """tui-gradients: contour plot, readout and chain table, stepped from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-gradients"

    ascii_only = reactive(False)
    """Plain ASCII everywhere (markers, labels, borders), for terminals without UTF-8."""

    get_system_commands = commands

    def __init__(
        self,
        experiment: Experiment | None = None,
        *,
        initial_steps: int = 0,
        ascii_only: bool | None = None,
        rivals: tuple[Rival, ...] = (),
        lesson_page: int | None = None,
        resume_collector: bool = False,
    ) -> None:
        """`ascii_only=None` decides from the locale and TERM (see `glyphs.unicode_terminal`);
        `lesson_page` opens the lesson at that page (its setup replaces `experiment`);
        `resume_collector` turns the garbage collector back on after the first frame, for a
        caller that paused it to start sooner (`cli.command_app`)."""
        super().__init__()
        self._resume_collector = resume_collector
        self.main_screen = MainScreen(experiment or Experiment(), rivals, lesson_page=lesson_page)
        self.main_screen.session.forward(initial_steps)
        self.set_reactive(
            GradientsApp.ascii_only, not unicode_terminal() if ascii_only is None else ascii_only
        )

    @property
    def session(self) -> Session:
        return self.main_screen.session

    def get_default_screen(self) -> Screen:
        return self.main_screen.data_bind(GradientsApp.ascii_only)

    def on_load(self) -> None:
        """Before anything is drawn: a hang-up during start-up must exit cleanly too."""
        self._restore_terminal_on_signals()

    def on_mount(self) -> None:
        self.set_class(self.ascii_only, "-ascii")

    def watch_ascii_only(self, ascii_only: bool) -> None:
        self.set_class(ascii_only, "-ascii")

    def on_ready(self) -> None:
        """The first frame is out. What start-up built is frozen out of the collector's passes
        before it resumes: it lives as long as the app, and scanning it would cost a later key
        its frame."""
        if self._resume_collector:
            gc.freeze()
            gc.enable()

    def _restore_terminal_on_signals(self) -> None:
        """A closed SSH session (SIGHUP) or a kill (SIGTERM) exits through Textual, which puts
        the terminal back (screen, cursor, mouse modes) instead of dying mid-frame."""
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal_number, self.exit)

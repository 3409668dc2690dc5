"""The terminal app: its lifecycle, its signals and its one app-wide choice, plain ASCII or not.
What is shown and what keys do belong to `MainScreen`; the session belongs to its `Driver`.

All numbers come from `tui_gradients.core`; the UI decides only what is shown where.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from types import FrameType

from rich.console import RenderableType
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.reactive import reactive
from textual.screen import Screen

from tui_gradients.core.files.preferences import Preferences
from tui_gradients.core.files.preferences import write as write_preferences
from tui_gradients.core.files.resume import SavedView
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import Session
from tui_gradients.ui.glyphs import unicode_terminal
from tui_gradients.ui.network_screen import NetworkScreen, NetworkStart
from tui_gradients.ui.palette import commands
from tui_gradients.ui.screen import MainScreen
from tui_gradients.ui.starting import key_name
from tui_gradients.ui.terminal import Deadline


class GradientsApp(App[None]):
    """tui-gradients: contour plot, readout and chain table, stepped from the keyboard."""

    CSS_PATH = ["app.tcss", "network.tcss"]
    TITLE = "tui-gradients"

    ascii_only = reactive(False)
    """Plain ASCII everywhere (markers, labels, borders), for terminals without UTF-8."""

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.network_screen is not None:
            return super().get_system_commands(screen)
        return commands(self, screen, self.main_screen)

    def __init__(
        self,
        experiment: Experiment | None = None,
        *,
        initial_steps: int = 0,
        steps_beneath: int = 0,
        ascii_only: bool | None = None,
        rivals: tuple[Rival, ...] = (),
        lesson_page: int | None = None,
        view: SavedView | None = None,
        out_dir: Path | None = None,
        resume_collector: bool = False,
        deadline: Deadline | None = None,
        typed_before: str = "",
        preferences: Preferences | None = None,
        config_path: Path | None = None,
        network: NetworkStart | None = None,
    ) -> None:
        """`initial_steps` are taken once the first frame is out, as if typed;
        `steps_beneath`, by `experiment`'s session beneath an open lesson, once it is closed;
        `ascii_only=None` decides from the locale and TERM (see `glyphs.unicode_terminal`);
        `lesson_page` opens the lesson at that page (its setup replaces `experiment`);
        `view` is the plot's window and switches as an export saved them;
        `out_dir` is where screenshots and exports go (by default the current folder);
        `resume_collector` turns the garbage collector back on after the first frame, for a
        caller that paused it to start sooner (`cli.command_app`);
        `deadline`, for a real run in a terminal (not a test): armed by every way out, it ends
        the process if leaving takes longer, and SIGTERM and SIGHUP then end the app too;
        `typed_before`, keys typed while the command line was read, taken once the first frame
        is out; `preferences` (theme, ASCII, panel) as read from `config_path`, where any the
        user changes are kept (`remember`; None: nothing is read or kept, as in tests);
        `network`, to open on a network (`tui-gradients net --app`) instead of the surfaces."""
        self.deadline = deadline
        super().__init__()
        self._resume_collector = resume_collector
        self._first_frame_out = False
        self._panel_mounted = False
        self._exit_when_started: tuple[int, RenderableType | None] | None = None
        self._typed_before = typed_before
        self.preferences = preferences or Preferences()
        self.config_path = config_path
        if ascii_only is None:
            ascii_only = self.preferences.ascii
        self.network_screen: NetworkScreen | None = None
        if network is not None:
            self.network_screen = NetworkScreen(
                network.settings,
                network.hyper,
                initial_steps=initial_steps,
                weights=network.weights,
                out_dir=out_dir,
                plane=network.plane,
                plane_weights=network.plane_weights,
            )
            self._panel_mounted = True  # the network screen has no settings panel to wait for
        self.main_screen = MainScreen(
            experiment or Experiment(),
            rivals,
            lesson_page=lesson_page,
            initial_steps=initial_steps,
            steps_beneath=steps_beneath,
            saved_view=view,
            out_dir=out_dir,
            panel_shown=self.preferences.panel is not False,
        )
        self.set_reactive(
            GradientsApp.ascii_only, not unicode_terminal() if ascii_only is None else ascii_only
        )

    @property
    def session(self) -> Session:
        return self.main_screen.session

    def get_default_screen(self) -> Screen:
        if self.network_screen is not None:
            return self.network_screen.data_bind(GradientsApp.ascii_only)
        return self.main_screen.data_bind(GradientsApp.ascii_only)

    def get_driver_class(self) -> type[Driver]:
        """In a terminal, Textual's driver made to notice a lost terminal (`TerminalDriver`);
        elsewhere (a browser through `serve`, Windows) Textual's choice."""
        driver_class = super().get_driver_class()
        if sys.platform != "win32":
            from textual.drivers.linux_driver import LinuxDriver

            from tui_gradients.ui.terminal import TerminalDriver

            if driver_class is LinuxDriver:
                return TerminalDriver
        return driver_class

    def get_key_display(self, binding: Binding) -> str:
        """Textual shows some keys by symbol (`⏎` for enter): by name in plain ASCII."""
        shown = super().get_key_display(binding)
        return binding.key if self.ascii_only and not shown.isascii() else shown

    def remember(self, **values: object) -> str | None:
        """A changed preference kept in the config file (when the app has one); what went
        wrong if it could not be written."""
        preferences, before = self.preferences.changed(**values), self.preferences
        self.preferences = preferences
        if preferences == before or self.config_path is None:
            return None
        try:
            write_preferences(self.config_path, preferences)
        except OSError as error:
            return f"preferences not kept in {self.config_path}: {error.strerror or error}"
        return None

    def on_load(self) -> None:
        """Before anything is drawn: a hang-up during start-up must exit cleanly too."""
        theme = self.preferences.theme
        if theme is not None and theme in self.available_themes:
            self.theme = theme
        if self.deadline is not None:
            self._signal_loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGHUP, signal.SIGTERM):
                signal.signal(signal_number, self._leave_on_signal)

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Every way out (quit keys, signals, a lost terminal) comes here: the deadline starts.
        Until the first frame is out and the settings panel's fields (made just after it) are
        in, the screen is still being built, and closing it would pull widgets from under their
        own mount handlers: the exit waits for both."""
        if self.deadline is not None:
            self.deadline.arm(return_code)
        if self._first_frame_out and self._panel_mounted:
            super().exit(result, return_code, message)
        else:
            self._exit_when_started = (return_code, message)

    def panel_mounted(self) -> None:
        """The settings panel's fields are in (or will not be): start-up is over."""
        self._panel_mounted = True
        self._exit_if_asked()

    def _exit_if_asked(self) -> None:
        if self._exit_when_started is not None:
            self.exit(None, *self._exit_when_started)

    def on_ready(self) -> None:
        """The first frame is out. What start-up built is frozen out of the collector's passes
        before it resumes: it lives as long as the app, and scanning it would cost a later key
        its frame."""
        if self._resume_collector:
            gc.freeze()
            gc.enable()
        self._first_frame_out = True
        self._exit_if_asked()
        for character in self._typed_before:
            self.post_message(events.Key(key_name(character), character))

    def _leave_on_signal(self, signal_number: int, frame: FrameType | None) -> None:
        """A closed SSH session (SIGHUP) or a kill (SIGTERM): leave through Textual, which puts
        the terminal back (screen, cursor, mouse modes) instead of dying mid-frame. Python runs
        this between two bytecodes of the main thread, even while the event loop is busy, so the
        deadline starts at once; the exit itself waits for the loop's next turn."""
        assert self.deadline is not None
        self.deadline.arm()
        self._signal_loop.call_soon_threadsafe(self.exit)

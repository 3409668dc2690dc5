"""What the main screen's parts share, declared once: the flags, the objects and the calls that
the parts (`SettingsMixin`, `ViewMixin`, `LessonMixin`, `OutputsMixin`) read of one another.

Each part derives from `ScreenPart` and is checked against it; `MainScreen` joins them and
provides what is declared here. Nothing here imports the screen or a part, so the parts and
the screen import in one direction only.
"""

from __future__ import annotations

from pathlib import Path

from textual.reactive import reactive
from textual.screen import Screen

from tui_gradients.core.files.export import SavedView
from tui_gradients.core.objectives.functions import Window
from tui_gradients.core.runs.session import Session
from tui_gradients.ui.driver import Driver, Note
from tui_gradients.ui.widgets.settings_panel import SettingsPanel


class ScreenPart(Screen[None]):
    """The main screen as its parts see it."""

    ascii_only = reactive(False)
    theory = reactive(False)
    following = reactive(True)
    """The view pans or widens to keep every current point in sight."""
    field_focused = reactive(False)
    lesson_open = reactive(False)
    lesson_page = 1

    driver: Driver
    panel: SettingsPanel
    view: Window
    out_dir: Path | None

    @property
    def session(self) -> Session:
        return self.driver.session

    def say(self, message: str, *, in_full: bool = False) -> None:
        """A message in the status line until the next."""
        raise NotImplementedError

    def alert(self, message: str) -> None:
        """A failure, kept in the status line until esc dismisses it."""
        raise NotImplementedError

    def dismiss_alert(self) -> bool:
        raise NotImplementedError

    def show_status(self) -> None:
        raise NotImplementedError

    def refresh_views(self) -> None:
        """Push the session's state down into the widgets."""
        raise NotImplementedError

    def set_view(self, view: Window) -> None:
        """The plot's window."""
        raise NotImplementedError

    def saved_view(self) -> SavedView:
        """The view as an export saves it."""
        raise NotImplementedError

    def restore_view_later(self, saved: SavedView) -> None:
        """`saved` in place of the fitted view, once the surface is next set."""
        raise NotImplementedError

    def change_setting(
        self, name: str, value: str, message: Note = "", *, prepared: bool = False
    ) -> bool:
        """Apply one typed setting (`SettingsMixin`)."""
        raise NotImplementedError

    def sync_panel(self, *, force: bool = False) -> None:
        raise NotImplementedError

    def redraw_lesson(self) -> None:
        raise NotImplementedError

    def lesson_status(self) -> str | None:
        raise NotImplementedError

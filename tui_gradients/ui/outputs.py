"""What the main screen writes: SVG screenshots and exports of the session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tui_gradients.core.export import Resume, export_session, export_stride
from tui_gradients.ui.screen_part import ScreenPart


class OutputsMixin(ScreenPart):
    """The `s` and `e` keys, for `MainScreen`."""

    def action_export(self) -> None:
        """Settings, trajectories and chain table into the current folder, as JSON and CSV."""
        stem = f"tui-gradients-{datetime.now():%Y%m%d-%H%M%S}"
        session = self.session
        try:
            paths = export_session(session, Path.cwd(), stem, self.resume())
        except OSError as error:
            self.say(f"export failed: {error.strerror} ({error.filename})")
            return
        every = export_stride(session)
        thinned = f", a row every {every} steps" if every > 1 else ""
        self.say(
            f"exported {paths[0]} (+ 2 CSV{thinned}); "
            f"reload with: tui-gradients --load {paths[0].name}"
        )

    def resume(self) -> Resume:
        """Where the app is, for `--load` to open it there again."""
        session = self.session
        page = self.lesson_page if self.lesson_open else None
        return Resume(session.step, session.rivals, self.saved_view(), page)

    def action_screenshot(self) -> None:
        path = self.app.save_screenshot(path=str(Path.cwd()))
        self.say(f"screenshot saved to {path}")

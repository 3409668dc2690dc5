"""What the main screen writes: SVG screenshots and exports of the session, into one folder
(`--out`, or the current one), under one naming scheme, whole or not at all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tui_gradients.core.files.export import (
    EXPORT_SUFFIXES,
    Resume,
    export_session,
    export_stride,
)
from tui_gradients.core.files.writing import output_stem, write_atomically
from tui_gradients.ui.screen_part import ScreenPart


class OutputsMixin(ScreenPart):
    """The `s` and `e` keys, for `MainScreen`."""

    def _folder(self) -> Path:
        return self.out_dir or Path.cwd()

    def action_export(self) -> None:
        """Settings, trajectories and chain table, as JSON and CSV."""
        folder = self._folder()
        stem = output_stem(folder, datetime.now(), EXPORT_SUFFIXES)
        session = self.session
        try:
            paths = export_session(session, folder, stem, self.resume())
        except OSError as error:
            self.alert(f"export failed, nothing written: {_reason(error, folder)}")
            return
        every = export_stride(session)
        thinned = f", a row every {every} steps" if every > 1 else ""
        self.say(
            f"exported {paths[0]} (+ 2 CSV{thinned}); reload with: tui-gradients --load {paths[0]}",
            in_full=True,
        )

    def resume(self) -> Resume:
        """Where the app is, for `--load` to open it there again."""
        session = self.session
        page = self.lesson_page if self.lesson_open else None
        return Resume(session.step, session.rivals, self.saved_view(), page)

    def action_screenshot(self) -> None:
        folder = self._folder()
        path = folder / f"{output_stem(folder, datetime.now(), ('.svg',))}.svg"
        svg = self.app.export_screenshot()
        try:
            write_atomically({path: lambda out: out.write(svg)})
        except OSError as error:
            self.alert(f"screenshot failed, nothing written: {_reason(error, folder)}")
            return
        self.say(f"screenshot saved to {path}", in_full=True)


def _reason(error: OSError, folder: Path) -> str:
    """The system's words and the file, or the folder where no file is named (a full disk)."""
    where = error.filename or folder
    return f"{error.strerror or error} ({where})"

"""The lesson: which page is open, the user's session it borrows while it is open, and the page's
text in the room of the panels the page does not use.

The panel owns the lesson's state; the screen asks it to open, turn and close, and it answers
with what the screen is to do: the page's example to set up, or the session and view to give
back. Answers, not messages: the driver must act on them before the next key, which may start
a jump that a late set-up would race.

Textual's Markdown is slow to import, so it is mounted only when the lesson is first opened:
starting the app without the lesson never pays for it.
"""

from __future__ import annotations

from textual import work
from textual.containers import VerticalScroll

from tui_gradients.core.files.resume import SavedView
from tui_gradients.core.runs import lesson
from tui_gradients.core.runs.lesson import Page, Setup, page_count
from tui_gradients.core.runs.session import Session
from tui_gradients.ui.format import fit_title
from tui_gradients.ui.glyphs import ASCII_BULLETS, PROSE_TO_ASCII, tables_as_lists
from tui_gradients.ui.keys import key_for


class LessonPanel(VerticalScroll, can_focus=False):
    """One page of the lesson as Markdown; the app scrolls it with page up / page down."""

    DEFAULT_CSS = """
    LessonPanel {
        padding: 0 1;
    }
    LessonPanel Markdown {
        margin: 0;
        padding: 0;
    }
    """

    ascii_only = False

    def __init__(self, page: int = 1, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.page = page
        """The page open, or to open next (the lesson reopens where it was left)."""
        self._title = ""
        self.borrowed: tuple[Session, SavedView] | None = None
        """The user's session and view while the lesson is open; None while it is closed."""

    @property
    def is_open(self) -> bool:
        return self.borrowed is not None

    @property
    def about_chain(self) -> bool:
        """The open page is about the chain: its text takes the plot's room, not the table's."""
        return self.is_open and lesson.page(self.page).setup.focus == "chain"

    def open(self, session: Session, view: SavedView) -> Setup:
        """Borrow the user's session and view; the page the lesson was left at, whose example
        is to be set up."""
        self.borrowed = (session, view)
        self._compute_every_page()
        return self.turn_to(self.page)

    def close(self) -> tuple[Session, SavedView]:
        """The user's session and view, to be given back as they were."""
        assert self.borrowed is not None
        borrowed, self.borrowed = self.borrowed, None
        return borrowed

    def turn(self, change: int) -> Setup | str:
        """The next or previous page's example to set up, or what to say where there is no
        page to turn to."""
        if not self.is_open:
            return "l opens the lesson"
        target = self.page + change
        if not 1 <= target <= page_count():
            return f"the lesson has pages 1 to {page_count()}"
        return self.turn_to(target)

    def turn_to(self, number: int) -> Setup:
        self.page = number
        self.redraw()
        return lesson.page(number).setup

    def status(self) -> str | None:
        if not self.is_open:
            return None
        closes = key_for("toggle_lesson")
        return f"lesson {self.page}/{page_count()}: ] [ pages, pgdn pgup text, {closes} closes"

    def on_resize(self) -> None:
        """The title shortened anew for the width (it may be set before the first layout)."""
        self.border_title = fit_title(self._title, self.size.width, self.ascii_only)

    def redraw(self) -> None:
        if self.is_open:
            self.show(lesson.page(self.page))

    @work(thread=True, group="lesson")
    def _compute_every_page(self) -> None:
        """While the first page is read: the later pages run optimisers for up to a second to
        find their numbers, and are cached once computed."""
        for number in range(1, page_count() + 1):
            lesson.page(number)

    def show(self, page: Page) -> None:
        from textual.widgets import Markdown

        title = f"lesson {page.number}/{page_count()}: {page.title}"
        text = page.text
        if self.ascii_only:
            title = title.translate(PROSE_TO_ASCII)
            text = tables_as_lists(text).translate(PROSE_TO_ASCII)  # tables draw with boxes
        self._title = title
        self.border_title = fit_title(title, self.size.width, self.ascii_only)
        self.query(Markdown).remove()
        document = Markdown(text)
        if self.ascii_only:
            document.BULLETS = ASCII_BULLETS
        self.mount(document)
        self.scroll_home(animate=False)

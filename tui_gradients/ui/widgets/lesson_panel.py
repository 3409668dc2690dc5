"""The lesson's text, in the room of the panels the current page does not use.

Textual's Markdown is slow to import, so it is mounted only when the lesson is first opened:
starting the app without the lesson never pays for it.
"""

from __future__ import annotations

from textual.containers import VerticalScroll

from tui_gradients.core.runs.lesson import Page, page_count
from tui_gradients.ui.glyphs import ASCII_BULLETS, PROSE_TO_ASCII


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

    def show(self, page: Page) -> None:
        from textual.widgets import Markdown

        title = f"lesson {page.number}/{page_count()}: {page.title}"
        text = page.text
        if self.ascii_only:
            title, text = title.translate(PROSE_TO_ASCII), text.translate(PROSE_TO_ASCII)
        self.border_title = title
        self.query(Markdown).remove()
        document = Markdown(text)
        if self.ascii_only:
            document.BULLETS = ASCII_BULLETS
        self.mount(document)
        self.scroll_home(animate=False)

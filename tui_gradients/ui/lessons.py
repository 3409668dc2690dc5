"""The lesson on the main screen: a page sets the session up and its text takes the room of the
panels it does not use. The lesson works on a session of its own: closing it gives back the
user's session, history, step, rivals and view, exactly as they were when it opened."""

from __future__ import annotations

from textual import work
from textual.reactive import reactive

from tui_gradients.core.files.export import SavedView
from tui_gradients.core.runs import lesson
from tui_gradients.core.runs.session import Session
from tui_gradients.ui.screen_part import ScreenPart
from tui_gradients.ui.widgets.lesson_panel import LessonPanel


class LessonMixin(ScreenPart):
    """The lesson's keys and flags, for `MainScreen`."""

    lesson_chain = reactive(False)
    """The page is about the chain: its text takes the plot's room, not the table's."""
    _borrowed: tuple[Session, SavedView] | None = None
    """The user's session and view while the lesson has the app."""

    def watch_lesson_open(self, open_: bool) -> None:
        self.set_class(open_, "-lesson")

    def watch_lesson_chain(self, chain: bool) -> None:
        self.set_class(chain, "-lesson-chain")

    def action_toggle_lesson(self) -> None:
        """Open the lesson where it was left (its page sets up a session of its own), or close
        it and give the user's session back."""
        if self.lesson_open:
            self._close_lesson()
            return
        self._borrowed = (self.driver.lend(), self.saved_view())
        self._compute_every_page()
        self.show_lesson_page(self.lesson_page)

    def _close_lesson(self) -> None:
        self.lesson_open = self.lesson_chain = False
        assert self._borrowed is not None
        session, saved = self._borrowed
        self._borrowed = None
        self.restore_view_later(saved)
        self.driver.give_back(
            session, f"lesson closed: your session is back at step {session.step}; l reopens it"
        )

    def action_lesson_page(self, change: int) -> None:
        if not self.lesson_open:
            self.say("l opens the lesson")
            return
        target = self.lesson_page + change
        if not 1 <= target <= lesson.page_count():
            self.say(f"the lesson has pages 1 to {lesson.page_count()}")
            return
        self.show_lesson_page(target)

    def action_scroll_lesson(self, direction: int) -> None:
        panel = self.query_one(LessonPanel)
        if direction > 0:
            panel.scroll_page_down(animate=False)
        else:
            panel.scroll_page_up(animate=False)

    def show_lesson_page(self, number: int) -> None:
        """Put the app into the page's state: its settings at step 0, its rivals, theory."""
        setup = lesson.page(number).setup
        self.lesson_page = number
        self.theory = setup.theory
        self.lesson_open = True
        self.lesson_chain = setup.focus == "chain"
        self.say("")
        self.redraw_lesson()
        self.driver.set_up(setup.experiment, setup.rivals)

    @work(thread=True, group="lesson")
    def _compute_every_page(self) -> None:
        """While the first page is read: the later pages run optimisers for up to a second to
        find their numbers, and are cached once computed."""
        for number in range(1, lesson.page_count() + 1):
            lesson.page(number)

    def redraw_lesson(self) -> None:
        if self.lesson_open:
            self.query_one(LessonPanel).show(lesson.page(self.lesson_page))

    def lesson_status(self) -> str | None:
        if not self.lesson_open:
            return None
        count = lesson.page_count()
        return f"lesson {self.lesson_page}/{count}: ] [ pages, pgdn pgup text, l closes"

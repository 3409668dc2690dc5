"""The `@` screen: every message of the session in full, newest last, as lazygit's command log
and k9s's message history keep them. The status line shows one row of the latest."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_gradients.core.text import inert

KEPT = 200
"""Messages kept; older ones are let go."""


class MessageLog(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,at", "dismiss(None)", "Close", show=False)]

    def __init__(self, messages: Sequence[tuple[int, str]], ascii_only: bool) -> None:
        """`messages`: (step, text) pairs, oldest first."""
        super().__init__()
        self.messages, self.ascii_only = messages, ascii_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="messages", classes="-ascii" if self.ascii_only else ""):
            yield Static("messages, newest last; esc closes", id="messages-title")
            if not self.messages:
                yield Static("no messages yet", classes="message")
            for step, text in self.messages:
                yield Static(f"step {step}: {inert(text)}", classes="message", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).scroll_end(animate=False)

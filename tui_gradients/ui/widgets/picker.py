"""A list to choose one value from (the optimiser): arrows or `j` `k` move, `enter` takes the
highlighted one, `esc` keeps what there was. Opened on the value after the current one, so
`o` `enter` moves on by one, as a key that cycles would."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class Picker(ModalScreen[str | None]):
    """Dismissed with the chosen value, or None."""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Keep", show=False),
        Binding("j", "move(1)", show=False),
        Binding("k", "move(-1)", show=False),
    ]

    def __init__(
        self, title: str, choices: Sequence[str], current: str, highlighted: str, ascii_only: bool
    ) -> None:
        super().__init__()
        self.title_text, self.choices = title, tuple(choices)
        self.current, self.highlighted = current, highlighted
        self.ascii_only = ascii_only

    def compose(self) -> ComposeResult:
        mark = "*" if self.ascii_only else "●"
        options = [
            Option(f"{mark if choice == self.current else ' '} {choice}", id=choice)
            for choice in self.choices
        ]
        with Vertical(id="picker", classes="-ascii" if self.ascii_only else ""):
            yield Static(self.title_text, id="picker-title")
            yield OptionList(*options, id="picker-options")
            yield Static("enter chooses, esc keeps the current one", id="picker-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.choices.index(self.highlighted)
        options.focus()

    def action_move(self, change: int) -> None:
        options = self.query_one(OptionList)
        if change > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

"""Every setting of the schema as a field: type a value, press enter. A refused value shows why
under its field; the setting in force (and everything computed) stays as it was.

The screen mounts the panel just after the first frame (`MainScreen._mount_panel`); until it
is mounted, `load` and `focus_first_field` are kept for when it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from tui_gradients.core.experiment import DATA, Experiment
from tui_gradients.core.settings import IN_PANEL, SECTIONS, Setting, in_section
from tui_gradients.ui.glyphs import PROSE_TO_ASCII

CUSTOM = "custom"
"""A function field's choice that hands the keys to the formula field."""
OWN_DATA = DATA
"""The function field's last choice: it hands the keys to the data file's field."""


def field_values(experiment: Experiment) -> dict[str, str]:
    """The text each field shows for the settings in force."""
    return {setting.name: setting.text(experiment) for setting in IN_PANEL}


FIELD_KEYS = [
    Binding("escape", "screen.leave_field", "Back to plot"),
    Binding("tab", "app.focus_next", "Next field"),
]
"""Shown in the footer while a field has the keys: how to leave it and where tab goes."""


class Field(Input):
    """A setting's text field: `enter` applies it (the footer says so)."""

    BINDINGS = [Binding("enter", "submit", "Apply"), *FIELD_KEYS]


class Choice(Select[str]):
    """A setting's choice: `enter` opens its list (the footer says so)."""

    BINDINGS = [Binding("enter", "show_overlay", "Choose"), *FIELD_KEYS]


def _editor(setting: Setting, value: str) -> Widget:
    """A choice or a text field, created holding the value in force: a Select reports its
    starting value once mounted, and that report must not read as a new choice."""
    if setting.choices:
        function = setting.name == "function"
        choices = (*setting.choices, CUSTOM, OWN_DATA) if function else setting.choices
        start = value if value in choices else Select.NULL
        options = [(choice, choice) for choice in choices]
        return Choice(options, value=start, id=setting.name, allow_blank=False, compact=True)
    return Field(value, id=setting.name, compact=True, select_on_focus=True)


class SettingsPanel(Horizontal):
    """The parameter panel: its fields in a scrolling column, and the rule at its edge (a widget
    of its own, so that turning it to ASCII restyles one widget, not the hundred fields).
    Posts `SettingsPanel.Submitted`; the screen answers with `show_error` or `load`."""

    @dataclass
    class Submitted(Message):
        name: str
        value: str

    def __init__(self, values: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self._values = values
        self._focus_on_mount = False
        self._editing = ""
        """The run whose optimiser settings the fields show, when there are several."""
        self._shown: set[str] = {setting.name for setting in IN_PANEL}
        """The settings whose fields are shown (`show_only`)."""
        self._rows: dict[str, Horizontal] = {}
        """The fields made so far, by setting."""
        self._errors: dict[str, Static] = {}
        """The error lines made so far, under their fields."""
        self.ascii_only = False
        """Labels, messages and the choices' arrows in plain ASCII (`show_in_ascii`)."""

    def compose(self) -> ComposeResult:
        """The fields of the settings shown; the others are made when first shown, and a
        field's error line when it first has one: each widget costs the first complete frame
        a millisecond or two to style and lay out (239 widgets made it 2.4× a bare app's)."""
        with VerticalScroll(id="settings-fields"):
            for section in SECTIONS:
                yield Label(self._title(section), id=f"{section}-section", classes="section")
                for setting in in_section(section):
                    if setting.in_panel and setting.name in self._shown:
                        yield self._row(setting)
        yield Static(classes="edge")

    def _row(self, setting: Setting) -> Horizontal:
        self._rows[setting.name] = row = Horizontal(
            Label(self._plain(setting.label), id=f"{setting.name}-label", classes="field-label"),
            _editor(setting, self._values.get(setting.name, "")),
            id=f"{setting.name}-field",
            classes="field",
        )
        return row

    def on_mount(self) -> None:
        # the choices' arrows are their own widgets' children, there after the next refresh
        self.call_after_refresh(self.show_in_ascii, self.ascii_only)
        if self._focus_on_mount:
            self.call_after_refresh(self.focus_first_field)

    def _plain(self, text: str) -> str:
        return text.translate(PROSE_TO_ASCII) if self.ascii_only else text

    def _title(self, section: str) -> str:
        """The section's title; the optimiser's names the run it edits, if there are several."""
        title = SECTIONS[section]
        editing = section == "optimizer" and self._editing
        return self._plain(f"{title}: {self._editing}" if editing else title)

    def show_editing(self, run: str) -> None:
        """Name the run whose optimiser settings the fields now show and change ("" for the
        only run)."""
        self._editing = run
        if self.is_mounted:
            self.query_one("#optimizer-section", Label).update(self._title("optimizer"))

    def show_in_ascii(self, ascii_only: bool) -> None:
        """Every label, message and arrow of the panel in ASCII, or back in Unicode."""
        self.ascii_only = ascii_only
        if not self.is_mounted:
            return
        for section in SECTIONS:
            self.query_one(f"#{section}-section", Label).update(self._title(section))
        for setting in IN_PANEL:
            if setting.name in self._rows:
                label = self._rows[setting.name].query_one(".field-label", Label)
                label.update(self._plain(setting.label))
        for arrow, (unicode, ascii) in ((".down-arrow", ("▼", "v")), (".up-arrow", ("▲", "^"))):
            for widget in self.query(arrow).results(Static):
                widget.update(ascii if ascii_only else unicode)
        self.query_one(".edge").set_class(ascii_only, "-ascii")
        # a scroll bar's thumb ends are block characters: none in ASCII (the fields still
        # scroll into view as tab reaches them); inline, so that no field is restyled
        self.query_one("#settings-fields").styles.scrollbar_size_vertical = 0 if ascii_only else 1

    def show_only(self, names: set[str]) -> None:
        """Show the fields of these settings alone (an optimiser's settings that the selected
        optimiser does not read are hidden); each keeps its value."""
        self._shown = names
        if self.is_mounted:
            self._show_chosen_fields()

    def _show_chosen_fields(self) -> None:
        """Each field shown or hidden, a field shown for the first time made under the last
        line above it (its section's title, the field before it, or that field's error)."""
        fields = self.query_one("#settings-fields")
        made = False
        for section in SECTIONS:
            above: Widget = self.query_one(f"#{section}-section")
            for setting in in_section(section):
                if not setting.in_panel:
                    continue
                name = setting.name
                row = self._rows.get(name)
                if row is None and name in self._shown:
                    row, made = self._row(setting), True
                    fields.mount(row, after=above)
                if row is None:
                    continue
                if row.display != (name in self._shown):
                    row.display = name in self._shown
                above = self._errors.get(name, row)
        if made and self.ascii_only:  # a new choice's arrow, once it is there
            self.call_after_refresh(self.show_in_ascii, True)

    def focus_first_field(self) -> None:
        """Into the panel; a key pressed in the instant before the fields exist still lands."""
        if self.is_mounted:
            self.query_one(Input).focus()
        else:
            self._focus_on_mount = True

    def load(self, values: dict[str, str]) -> None:
        """Show the settings in force (after a change was accepted, or at start)."""
        self._values = values
        if not self.is_mounted:
            return
        for name, row in self._rows.items():
            if name in values and row.is_mounted:
                row.query_one(f"#{name}", Input | Select).value = values[name]
            self.show_error(name, None)

    def show_error(self, name: str, message: str | None) -> None:
        if not self.is_mounted or name not in self._rows:
            return
        error = self._errors.get(name)
        if error is None:
            if not message:
                return
            self._errors[name] = error = Static("", id=f"{name}-error", classes="error")
            self.query_one("#settings-fields").mount(error, after=self._rows[name])
        error.update(self._plain(message or ""))
        error.set_class(bool(message), "visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id:
            self.post_message(self.Submitted(event.input.id, event.value))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = event.select.id
        # Select also reports values set at mount and by `load`: only a choice that differs
        # from the loaded settings is a request.
        loaded = self._values.get(name or "")
        if name and loaded is not None and isinstance(event.value, str) and event.value != loaded:
            self.post_message(self.Submitted(name, event.value))

"""Every setting of the schema as a field: type a value, press enter. A refused value shows why
under its field; the setting in force (and everything computed) stays as it was.

The panel is on screen from the first frame, empty, so that the plot beside it is drawn once at
its own width; its fields come just after (`fill`). Until they have, `load` and
`focus_first_field` are kept for when they do.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui_gradients.core.runs.experiment import DATA, Experiment
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import IN_PANEL, SECTIONS, Setting, in_section, shown_for
from tui_gradients.core.text import inert
from tui_gradients.ui.glyphs import PROSE_TO_ASCII

CUSTOM = "custom"
"""A function field's choice that hands the keys to the formula field."""
OWN_DATA = DATA
"""The function field's last choice: it hands the keys to the data file's field."""


def field_values(experiment: Experiment) -> dict[str, str]:
    """The text each field shows for the settings in force (a path or a column as read, made
    inert: nothing in it acts on the terminal)."""
    return {setting.name: inert(setting.text(experiment)) for setting in IN_PANEL}


FIELD_KEYS = [
    Binding("escape", "screen.leave_field", "Back to plot"),
    Binding("tab", "app.focus_next", "Next field"),
]
"""Shown in the footer while a field has the keys: how to leave it and where tab goes."""


LABEL_WIDTH = 11
"""Cells before a field's value: its label (app.tcss gives a field this much left padding)."""


class Field(Input):
    """A setting's text field, its label drawn in its own left padding: `enter` applies it
    (the footer says so). One widget a field, where a row, a label and an input were three:
    each widget costs the panel's first frame a few milliseconds to style and lay out. The
    settings schema checks what is typed, so Textual's own validation is off: it restyled every
    field (its -valid class) each time a value was set."""

    BINDINGS = [Binding("enter", "submit", "Apply"), *FIELD_KEYS]
    COMPONENT_CLASSES = {"field--label"}

    def __init__(self, value: str, label: str = "", **kwargs) -> None:
        super().__init__(value, validate_on=(), **kwargs)
        self._label = label

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = label
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The input's lines, with the label over the padding of the first: Input draws its
        value in the content region, and the padding is Textual's to fill."""
        strips = super().render_lines(crop)
        x, right = crop.column_span
        if crop.y != 0 or not strips or x >= LABEL_WIDTH:
            return strips
        beneath, _ = self.background_colors  # over the panel's colour, not the input's
        color = beneath + self.get_component_styles("field--label").color
        style = Style(color=color.rich_color, bgcolor=beneath.rich_color)
        label = Strip([Segment(self._label[:LABEL_WIDTH].ljust(LABEL_WIDTH), style)])
        covered = label.crop(x, min(right, LABEL_WIDTH))
        strips[0] = Strip.join([covered, strips[0].crop(covered.cell_length)])
        return strips


class Choice(Field):
    """A setting's choice in one line, its arrow at the right: ↓ and ↑ step through the
    options, a few letters complete to one (→ takes the completion), `enter` applies it; a
    name that is not an option is refused under the field, with the options listed. One
    widget where a Select is six (its list is made, closed, at start): seven choices were 42
    of the panel's widgets, and about 80 ms of its first complete frame."""

    BINDINGS = [
        Binding("down", "step_choice(1)", "Next choice"),
        Binding("up", "step_choice(-1)", "Previous choice"),
    ]

    def __init__(self, options: tuple[str, ...], value: str, **kwargs) -> None:
        super().__init__(value, select_on_focus=True, **kwargs)
        self.options = options
        self.ascii_only = False
        """Its arrow in ASCII (`v`)."""

    def on_focus(self) -> None:
        """Completion from the options, from the first time the keys are here: with it, every
        value set (at start, on each reload) started a worker to look for a completion."""
        if self.suggester is None:
            self.suggester = SuggestFromList(self.options, case_sensitive=False)

    def action_step_choice(self, by: int) -> None:
        at = self.options.index(self.value) if self.value in self.options else -1
        self.value = self.options[(at + by) % len(self.options)]
        self.cursor_position = len(self.value)

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        width = self.scrollable_content_region.width
        if y != 0 or width < 4:
            return strip
        arrow = Strip([Segment(" v" if self.ascii_only else " ▼", self.rich_style)])
        return Strip.join([strip.crop(0, width - 2), arrow])


def _editor(setting: Setting, value: str, label: str) -> Field:
    """A choice or a text field, created holding the value in force."""
    if setting.choices:
        function = setting.name == "function"
        choices = (*setting.choices, CUSTOM, OWN_DATA) if function else setting.choices
        return Choice(choices, value, label=label, id=setting.name, compact=True)
    return Field(value, label=label, id=setting.name, compact=True, select_on_focus=True)


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
        self._fields: dict[str, Field] = {}
        """The fields made so far, by setting."""
        self._errors: dict[str, Static] = {}
        """The error lines made so far, under their fields."""
        self.ascii_only = False
        """Labels, messages and the choices' arrows in plain ASCII (`show_in_ascii`)."""
        self.filled = False
        """Whether the fields are in (`fill`)."""
        self._showing: tuple[object, ...] | None = None
        """What the fields were last loaded from (`show_session`)."""

    def compose(self) -> ComposeResult:
        # the fields take the keys; the column scrolls to the one focused
        yield VerticalScroll(id="settings-fields", can_focus=False)
        yield Static(classes="edge")

    async def fill(self) -> None:
        """The fields of the settings shown, after the first frame: the others are made when
        first shown, and a field's error line when it first has one. Each widget costs the
        first complete frame a millisecond or two to style and lay out (239 widgets made it
        2.4× a bare app's)."""
        widgets: list[Widget] = []
        for section in SECTIONS:
            widgets.append(Label(self._title(section), id=f"{section}-section", classes="section"))
            widgets += [
                self._field(setting)
                for setting in in_section(section)
                if setting.in_panel and setting.name in self._shown
            ]
        await self.query_one("#settings-fields").mount_all(widgets)
        if not all(widget.is_attached for widget in widgets):  # the app closed under the mount
            return
        self.filled = True
        # what the screen asked for while they were being mounted
        self._show_chosen_fields()
        self.load(self._values)
        self.show_editing(self._editing)
        if self._focus_on_mount:
            self.focus_first_field()

    def _field(self, setting: Setting) -> Field:
        value, label = self._values.get(setting.name, ""), self._plain(setting.label)
        editor = self._fields[setting.name] = _editor(setting, value, label)
        if isinstance(editor, Choice):
            editor.ascii_only = self.ascii_only
        return editor

    def on_mount(self) -> None:
        # the edge's ASCII class, once mounted (`is_mounted` is not yet true in this handler),
        # in the alphabet in force by then
        self.call_after_refresh(lambda: self.show_in_ascii(self.ascii_only))

    def _plain(self, text: str) -> str:
        return text.translate(PROSE_TO_ASCII) if self.ascii_only else text

    def _title(self, section: str) -> str:
        """The section's title; the optimiser's names the run it edits, if there are several."""
        title = SECTIONS[section]
        editing = section == "optimizer" and self._editing
        return self._plain(f"{title}: {self._editing}" if editing else title)

    def show_session(self, session: Session, editing: str, *, force: bool = False) -> None:
        """The selected run's settings, naming that run (`editing`, "" for the only one);
        reloaded (clearing the errors shown) only when they changed, or when `force`d. Called
        on every redraw: what it compares is what the session already holds, nothing built."""
        showing = (session.selected, session.rivals, session.experiment, editing)
        if showing == self._showing and not force:
            return
        self._showing = showing
        self.load(field_values(session.selected_experiment))
        self.show_editing(editing)
        self.show_only({setting.name for setting in shown_for(session.selected_hyper.optimizer)})

    def show_editing(self, run: str) -> None:
        """Name the run whose optimiser settings the fields now show and change ("" for the
        only run)."""
        self._editing = run
        if self.filled:
            self.query_one("#optimizer-section", Label).update(self._title("optimizer"))

    def show_in_ascii(self, ascii_only: bool) -> None:
        """Every label, message and arrow of the panel in ASCII, or back in Unicode."""
        self.ascii_only = ascii_only
        # before its children are in, `on_mount` comes back here
        for edge in self.query(".edge"):
            edge.set_class(ascii_only, "-ascii")
        # a scroll bar's thumb ends are block characters: none in ASCII (the fields still
        # scroll into view as tab reaches them); inline, so that no field is restyled
        for scroll in self.query("#settings-fields"):
            scroll.styles.scrollbar_size_vertical = 0 if ascii_only else 1
        if not self.filled:  # the fields will be made in the alphabet now in force
            return
        for section in SECTIONS:
            self.query_one(f"#{section}-section", Label).update(self._title(section))
        for setting in IN_PANEL:
            if setting.name in self._fields:
                self._fields[setting.name].label = self._plain(setting.label)
        for choice in self.query(Choice):
            choice.ascii_only = ascii_only
            choice.refresh()

    def show_only(self, names: set[str]) -> None:
        """Show the fields of these settings alone (an optimiser's settings that the selected
        optimiser does not read are hidden); each keeps its value."""
        self._shown = names
        if self.filled:
            self._show_chosen_fields()

    def _show_chosen_fields(self) -> None:
        """Each field shown or hidden, a field shown for the first time made under the last
        line above it (its section's title, the field before it, or that field's error)."""
        fields = self.query_one("#settings-fields")
        for section in SECTIONS:
            above: Widget = self.query_one(f"#{section}-section")
            for setting in in_section(section):
                if not setting.in_panel:
                    continue
                name = setting.name
                field = self._fields.get(name)
                if field is None and name in self._shown:
                    field = self._field(setting)
                    fields.mount(field, after=above)
                if field is None:
                    continue
                if field.display != (name in self._shown):
                    field.display = name in self._shown
                above = self._errors.get(name, field)

    def focus_first_field(self) -> None:
        """Into the panel; a key pressed in the instant before the fields exist still lands."""
        if self.filled:
            self.query_one(Input).focus()
        else:
            self._focus_on_mount = True

    def load(self, values: dict[str, str]) -> None:
        """Show the settings in force (after a change was accepted, or at start)."""
        self._values = values
        if not self.filled:
            return
        for name, field in self._fields.items():
            if name in values and field.is_mounted and field.value != values[name]:
                field.value = values[name]  # each value set restyles and redraws the field
            self.show_error(name, None)

    def show_error(self, name: str, message: str | None) -> None:
        if not self.filled or name not in self._fields:
            return
        error = self._errors.get(name)
        if error is None:
            if not message:
                return
            self._errors[name] = error = Static("", id=f"{name}-error", classes="error")
            self.query_one("#settings-fields").mount(error, after=self._fields[name])
        error.update(self._plain(inert(message or "")))
        error.set_class(bool(message), "visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id:
            self.post_message(self.Submitted(event.input.id, event.value))

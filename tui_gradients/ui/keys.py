"""The one key table: the screen's bindings, the footer, the help screen's table and the
README's are all made from KEYS. Free of Textual, so the README's table can be checked without
starting an app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import BindingType

BIG_STEP = 10
"""How many times the shifted step keys multiply a step."""


@dataclass(frozen=True)
class Key:
    keys: str
    """Textual's key names, comma-separated."""
    action: str
    label: str
    """In the footer and the command palette."""
    help: str
    """What the key does, for the help screen and the README."""
    footer: bool = False
    priority: bool = False
    while_computing: bool = False
    """Still allowed while a long jump computes: it looks at the runs without changing them."""

    @property
    def verb(self) -> str:
        """The action without its arguments (`step(10)` → `step`)."""
        return self.action.partition("(")[0]

    @property
    def first(self) -> str:
        """The first of its keys as a person types it (`right_square_bracket` → `]`)."""
        name = self.keys.split(",")[0]
        return _SHOWN.get(name, name)


KEYS = (
    Key(
        "n,space,right", "step(1)", "Step",
        "one step (or *steps/key* steps); digits first give a count: `2` `5` `n`", footer=True,
    ),
    Key("N,shift+right", f"step({BIG_STEP})", f"×{BIG_STEP}", "ten times as many"),
    Key("b,left", "back(1)", "Back", "one step back (nothing is recomputed)", footer=True),
    Key("B,shift+left", f"back({BIG_STEP})", f"Back ×{BIG_STEP}", "ten steps back"),
    Key("g,home", "to_start", "Start", "to step 0"),
    Key("G,end", "to_end", "End", "to the last step computed"),
    Key("p", "play", "Play", "play or pause", footer=True),
    Key("plus", "rate(1)", "Faster", "play faster"),
    Key("minus", "rate(-1)", "Slower", "play slower"),
    Key(
        "u,ctrl+z", "undo", "Undo",
        "undo: the runs as they were before the last reset, new surface or start, setting or "
        "dropped rival (20 deep)", footer=True,
    ),
    Key("r", "reset", "Reset", "back to step 0 with the current settings (`u` undoes it)"),
    Key(
        "o", "pick_optimizer", "Optimizer",
        "choose the selected run's optimiser from a list (same lr; replayed to the same step)",
    ),
    Key(
        "less_than_sign", "scale_lr('lr', 0.5)", "lr ÷2",
        "halve the selected 2-D run's lr (replayed)",
    ),
    Key(
        "greater_than_sign", "scale_lr('lr', 2)", "lr ×2",
        "double the selected 2-D run's lr (replayed)",
    ),
    Key(
        "left_curly_bracket", "scale_lr('chain_lr', 0.5)", "chain lr ÷2",
        "halve the chain's lr (replayed)",
    ),
    Key(
        "right_curly_bracket", "scale_lr('chain_lr', 2)", "chain lr ×2",
        "double the chain's lr (replayed)",
    ),
    Key("f", "cycle_function", "Function", "next function (with its own start and lr)"),
    Key(
        "s", "cycle_standardize", "Standardise",
        "on data: standardise nothing, x, or x and y (mean 0, s.d. 1), with the new surface's lr",
    ),
    Key("c", "compare", "Compare", "a second optimiser from the same start", footer=True),
    Key("C", "race", "Race", "six optimisers from the same start, with a loss chart", footer=True),
    Key("a", "add_rival", "Add rival", "one more optimiser from the same start (up to six runs)"),
    Key("A", "drop_rival", "Drop rival", "take the last rival off the plot"),
    Key(
        "w", "select_next_run", "Select run",
        "select the next 2-D run (or click its readout row or legend entry): the panel, `o` and "
        "`<` `>` then change its optimiser settings",
    ),
    Key("h", "pan(-1, 0)", "Pan left", "pan the view left", while_computing=True),
    Key("j", "pan(0, -1)", "Pan down", "pan the view down", while_computing=True),
    Key("k", "pan(0, 1)", "Pan up", "pan the view up", while_computing=True),
    Key("l", "pan(1, 0)", "Pan right", "pan the view right", while_computing=True),
    Key("z", "zoom(0.5)", "Zoom in", "zoom in", while_computing=True),
    Key("Z", "zoom(2)", "Zoom out", "zoom out", while_computing=True),
    Key(
        "v", "reset_view", "Fit all",
        "fit everything: start, minimum and every path; following on", while_computing=True,
    ),
    Key(
        "V", "toggle_follow", "Follow",
        "follow the runs (on by default): the view pans or widens to keep every current point "
        "in sight; off, arrows at the edge point to runs out of view",
        while_computing=True,
    ),
    Key(
        "equals_sign", "toggle_equal_scale", "Equal scale",
        "equal scale: one unit of w1 as long as one of w2", while_computing=True,
    ),
    Key(
        "d", "toggle_shading", "Shading",
        "shade the surface by height, darker is lower (the legend under the plot)",
        while_computing=True,
    ),
    Key(
        "m", "toggle_markers", "ASCII markers",
        "markers: braille and symbols, or plain ASCII", while_computing=True,
    ),
    Key(
        "i", "toggle_theory", "Theory",
        "theory: λ(H) and κ; on a quadratic, gd's factor, stable lr, steps to 1 %",
        while_computing=True,
    ),
    Key(
        "t", "toggle_lesson", "Lesson", "the tutorial (guided lesson), open or closed",
        footer=True,
    ),
    Key("right_square_bracket", "lesson_page(1)", "Next page", "the lesson's next page"),
    Key("left_square_bracket", "lesson_page(-1)", "Previous page", "the lesson's previous page"),
    Key(
        "pagedown", "scroll(1)", "Scroll",
        "scroll the lesson's text on, or the chain table's layers when they do not all fit",
    ),
    Key("pageup", "scroll(-1)", "Scroll back", "scroll the lesson's text or the chain table back"),
    Key(
        "comma", "toggle_panel", "Settings",
        "settings panel on or off (`enter` applies a field; `↓` `↑` step through a choice's"
        " options)", while_computing=True,
    ),
    Key(
        "at", "messages", "Messages",
        "every message of this session in full (the status line keeps one row)",
        while_computing=True,
    ),
    Key(
        "e", "export", "Export",
        "export settings, trajectories and chain table (JSON, CSV); `--load FILE` replays it",
    ),
    Key(
        "E", "screenshot", "Screenshot",
        "export the screen as an SVG picture (into --out, else here)",
        while_computing=True,
    ),
    Key(
        "escape", "leave_field", "Leave field",
        "dismiss a failure shown; stop a long jump; in a field, hand the keys back to the plot",
        while_computing=True,
    ),
    Key(
        "question_mark", "help", "Help", "this help (`/` searches it)",
        footer=True, while_computing=True,
    ),
    Key("q", "app.quit", "Quit", "quit", footer=True, while_computing=True),
    Key("ctrl+c", "app.quit", "Quit", "quit", priority=True, while_computing=True),
)  # fmt: skip

WHILE_COMPUTING = frozenset(key.verb for key in KEYS if key.while_computing)
"""Actions a key may still take while a jump computes."""
_SHOWN = {
    "right": "→",
    "left": "←",
    "shift+right": "shift+→",
    "shift+left": "shift+←",
    "plus": "+",
    "minus": "-",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "question_mark": "?",
    "pagedown": "pgdn",
    "pageup": "pgup",
    "escape": "esc",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "equals_sign": "=",
    "comma": ",",
    "at": "@",
}


def _surfaces(*keys: str) -> tuple[Key, ...]:
    """The surfaces' own entries for these keys, where the network screen does the same."""
    table = {key.keys: key for key in KEYS}
    return tuple(table[name] for name in keys)


NETWORK_KEYS = (
    Key("n,space,right", "step(1)", "Step", "one training step", footer=True),
    Key("N,shift+right", f"step({BIG_STEP})", f"×{BIG_STEP}", "ten steps"),
    Key("b,left", "back(1)", "Back", "one step back (replayed from a kept step)", footer=True),
    *_surfaces("B,shift+left", "g,home", "G,end"),
    Key("p", "play", "Play", "play or pause"),
    Key("r", "reset", "Reset", "back to step 0, the history dropped"),
    Key(
        "o", "pick_optimizer", "Optimiser", "choose the optimiser (a new run from step 0)",
        footer=True,
    ),
    Key("c", "compare", "Compare", "one rival optimiser from the same weights"),
    Key("C", "race", "Race", "six optimisers from the same weights, their losses charted"),
    Key("a", "add_rival", "Add rival", "one more optimiser from the same weights (up to six)"),
    Key("A", "drop_rival", "Drop rival", "take the last rival off"),
    Key("less_than_sign", "scale_lr(0.5)", "lr ÷2", "halve the learning rate (a new run)"),
    Key("greater_than_sign", "scale_lr(2)", "lr ×2", "double the learning rate (a new run)"),
    Key(
        "x", "next_chart(1)", "Chart",
        "the next chart: loss, update:data per layer, ‖∂C/∂W‖ per layer, the input plane",
        footer=True, while_computing=True,
    ),
    Key("X", "next_chart(-1)", "Chart back", "the previous chart", while_computing=True),
    Key(
        "w", "next_plane", "Plane",
        "the loss plane through the weights: two weights, two random directions, the path's",
    ),
    Key("W", "recompute_plane", "Plane again", "the loss plane again, through the weights now"),
    Key(
        "d", "toggle_shading", "Shading", "shade the loss plane by height, darker is lower",
        while_computing=True,
    ),
    Key("t", "toggle_lesson", "Lesson", "the network lesson, open or closed", footer=True),
    *_surfaces("right_square_bracket", "left_square_bracket"),
    Key("enter", "load_lesson", "Load", "train the lesson page's network, from step 0"),
    Key(
        "pagedown", "scroll(1)", "Scroll", "scroll the lesson's text on, or the table's layers",
        while_computing=True,
    ),
    Key(
        "pageup", "scroll(-1)", "Scroll back", "scroll the lesson's text or the layers back",
        while_computing=True,
    ),
    Key("at", "messages", "Messages", "every message in full", while_computing=True),
    Key("E", "screenshot", "Screenshot", "the screen as an SVG picture", while_computing=True),
    Key("escape", "stop", "Stop", "stop a long jump", while_computing=True),
    *_surfaces("question_mark", "q", "ctrl+c"),
)  # fmt: skip
"""The network screen's keys: the surfaces' names for the same moves."""
NETWORK_GROUPS = {
    "steps": ("step", "back", "to_start", "to_end", "play", "reset"),
    "runs": ("pick_optimizer", "scale_lr", "compare", "race", "add_rival", "drop_rival"),
    "view": ("next_chart", "next_plane", "recompute_plane", "toggle_shading", "scroll"),
    "more": (
        "toggle_lesson", "lesson_page", "load_lesson", "messages", "screenshot", "stop", "help",
        "app.quit",
    ),
}  # fmt: skip


def bindings(keys: tuple[Key, ...] = KEYS) -> list[BindingType]:
    from textual.binding import Binding

    return [
        Binding(key.keys, key.action, key.label, show=key.footer, priority=key.priority)
        for key in keys
    ]


GROUPS = {
    "steps": ("step", "back", "to_start", "to_end", "play", "rate", "undo", "reset"),
    "runs": (
        "pick_optimizer", "scale_lr", "cycle_function", "cycle_standardize", "compare", "race",
        "add_rival", "drop_rival", "select_next_run",
    ),
    "view": (
        "pan", "zoom", "reset_view", "toggle_follow", "toggle_equal_scale", "toggle_shading",
        "toggle_markers", "toggle_theory",
    ),
    "more": (
        "toggle_lesson", "lesson_page", "scroll", "toggle_panel", "messages", "export",
        "screenshot", "leave_field", "help", "app.quit",
    ),
}  # fmt: skip
"""The cheat sheet's lines, each key's action by name (without its arguments)."""


def cheat_sheet(keys: tuple[Key, ...] = KEYS, groups: dict[str, tuple[str, ...]] = GROUPS) -> str:
    """Every key once, by its first name and its footer label, a line per group: the help's
    first screen."""
    lines = []
    for group, actions in groups.items():
        seen: set[str] = set()
        entries = []
        for key in keys:
            if key.verb in actions and key.action not in seen:
                seen.add(key.action)
                entries.append(f"`{key.first}` {key.label}")
        lines.append(f"**{group}** " + " · ".join(entries))
    return "\n\n".join(lines)


def key_for(action: str) -> str:
    """The first key bound to `action` as a person types it (`drop_rival` → `A`): messages
    name keys through this, so that they follow the table."""
    for key in KEYS:
        if action in (key.action, key.verb):
            return key.first
    raise KeyError(action)


def shown(keys: str) -> str:
    """`space,n,right` as a person reads it: `space` `n` `→`."""
    return " ".join(f"`{_SHOWN.get(name, name)}`" for name in keys.split(","))


def markdown_table(keys: tuple[Key, ...] = KEYS) -> str:
    """Every key and what it does, as the help screen and the README show it."""
    rows = ["| key | does |", "|---|---|"]
    rows += [f"| {shown(key.keys)} | {key.help} |" for key in keys]
    if keys is KEYS:
        rows.append("| `tab` | move between the settings fields |")
        rows.append("| `ctrl+p` | command palette (functions, optimisers, toggles) |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())

"""What the app remembers between sessions: the theme, plain ASCII, whether the settings panel
is shown, the steps each key takes and the surface it opens on.

They live in a TOML file in the user's configuration folder (`platformdirs`: the XDG folder on
Linux, Application Support on macOS, AppData on Windows), or in the file `--config` names. The
schema is docs/config.md. A file that cannot be read or holds a value of the wrong kind is one
line on stderr, and the defaults are used; the file is rewritten only when a remembered choice
changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from tui_gradients.core.files.writing import write_atomically
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.settings import edit

APP_NAME = "tui-gradients"
FILE_NAME = "config.toml"


@dataclass(frozen=True)
class Preferences:
    """Each None: not set, the app decides (its default, the locale for ASCII)."""

    theme: str | None = None
    """A Textual theme's name, as the command palette lists them."""
    ascii: bool | None = None
    panel: bool | None = None
    """Whether the settings panel is shown where the screen is wide enough for it."""
    steps_per_key: int | None = None
    function: str | None = None
    """The surface the app opens on (the `function` setting's choices)."""

    def changed(self, **values: object) -> Preferences:
        return replace(self, **values)  # type: ignore[arg-type]  # names checked by replace


KINDS: dict[str, type] = {
    "theme": str,
    "ascii": bool,
    "panel": bool,
    "steps_per_key": int,
    "function": str,
}
"""Each key's TOML kind (the fields of `Preferences`)."""


def default_path() -> Path:
    from platformdirs import user_config_path  # only when the app starts, not for `run`

    return user_config_path(APP_NAME) / FILE_NAME


def read(path: Path) -> tuple[Preferences, str | None]:
    """The preferences in `path` (none set where it does not exist), and what is wrong with
    the file if anything is (then none are used)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Preferences(), None
    except (OSError, UnicodeDecodeError) as error:
        return Preferences(), f"cannot read it: {getattr(error, 'strerror', None) or error}"
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Preferences(), f"not TOML: {error}"
    for key, value in table.items():
        kind = KINDS.get(key)
        if kind is None:
            known = ", ".join(KINDS)
            return Preferences(), f"unknown key {key!r} (known: {known})"
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return Preferences(), f"{key}: expected {kind.__name__}, got {value!r:.40}"
    return Preferences(**table), None


def experiment(preferences: Preferences) -> Experiment:
    """The settings the app opens with before any flag: the surface and steps per key
    preferred; a SettingError names the one refused."""
    opened = Experiment()
    if preferences.function is not None:
        opened = edit(opened, "function", preferences.function)
    if preferences.steps_per_key is not None:
        opened = edit(opened, "steps_per_press", str(preferences.steps_per_key))
    return opened


def to_toml(preferences: Preferences) -> str:
    lines = ["# tui-gradients remembers these; the schema is in docs/config.md"]
    for field in fields(Preferences):
        value = getattr(preferences, field.name)
        if value is None:
            continue
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, int):
            shown = str(value)
        else:
            shown = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{field.name} = {shown}")
    return "\n".join(lines) + "\n"


def write(path: Path, preferences: Preferences) -> None:
    """Whole or not at all (an OSError propagates)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically({path: lambda out: out.write(to_toml(preferences))})

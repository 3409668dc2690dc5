"""Where the app was when an export was made, beyond its settings: the step, the rivals, the
plot's view and the lesson's page, each value checked as `--load` reads it back."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

from tui_gradients.core.errors import SettingError
from tui_gradients.core.limits import LIMIT
from tui_gradients.core.objectives.functions import Window
from tui_gradients.core.runs.rivals import Rival, format_rivals, parse_rivals


@dataclass(frozen=True)
class SavedView:
    """How the plot was looked at: the window, and the view's switches."""

    window: Window
    following: bool = True
    equal_scale: bool = False
    shading: bool = False
    theory: bool = False


@dataclass(frozen=True)
class Resume:
    """What an export holds beyond the settings, so that `--load` opens the app where it was
    saved: the step, the rivals, the view, the lesson page if one was open. Made inside the
    lesson, the settings, step, rivals and view are the user's own session's, which the lesson
    gives back when it closes, and `lesson_step` is how far the page's example had run."""

    step: int = 0
    rivals: tuple[Rival, ...] = ()
    view: SavedView | None = None
    lesson_page: int | None = None
    lesson_step: int = 0

    def to_dict(self) -> dict[str, Any]:
        view = (
            None if self.view is None else {**asdict(self.view), "window": list(self.view.window)}
        )
        return {
            "step": self.step,
            "rivals": format_rivals(self.rivals),
            "view": view,
            "lesson_page": self.lesson_page,
            "lesson_step": self.lesson_step,
        }

    @classmethod
    def from_dict(cls, data: object, pages: int) -> Resume:
        """Each value checked as the flags check theirs; SettingError names the key."""
        if not isinstance(data, dict):
            raise SettingError("load", "resume: not a table of values")
        step = _whole(data.get("step", 0), "step", 0, LIMIT)
        rivals_text = _typed(data.get("rivals", ""), str, "rivals")
        try:
            rivals = parse_rivals(rivals_text) if rivals_text else ()
        except SettingError as error:
            raise SettingError("load", f"resume.rivals: {error.message}") from None
        page = data.get("lesson_page")
        page = None if page is None else _whole(page, "lesson_page", 1, pages)
        lesson_step = _whole(data.get("lesson_step", 0), "lesson_step", 0, LIMIT)
        view = data.get("view")
        return cls(step, rivals, None if view is None else _saved_view(view), page, lesson_step)


T = TypeVar("T")


def _typed(value: object, kind: type[T], key: str) -> T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SettingError("load", f"resume.{key}: expected {kind.__name__}, got {value!r:.40}")
    return value


def _whole(value: object, key: str, low: int, high: int) -> int:
    number = _typed(value, int, key)
    assert isinstance(number, int)
    if not low <= number <= high:
        raise SettingError("load", f"resume.{key}: must be from {low} to {high}, got {number}")
    return number


def _saved_view(data: object) -> SavedView:
    if not isinstance(data, dict):
        raise SettingError("load", "resume.view: not a table of values")
    window = data.get("window")
    if not (
        isinstance(window, list)
        and len(window) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in window)
        and all(math.isfinite(v) for v in window)
        and window[0] < window[1]
        and window[2] < window[3]
    ):
        raise SettingError("load", "resume.view.window: expected [w1 min, w1 max, w2 min, w2 max]")
    switches = {  # every field but the window is a switch, with its default when absent
        field.name: _typed(data.get(field.name, field.default), bool, f"view.{field.name}")
        for field in fields(SavedView)
        if field.name != "window"
    }
    x0, x1, y0, y1 = (float(v) for v in window)
    return SavedView((x0, x1, y0, y1), **switches)

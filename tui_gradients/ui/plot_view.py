"""Where the plot looks: its window on the (w1, w2) plane, whether it follows the runs, and a
saved view waiting to replace the next fitted one. The screen's view part: it owns this state,
and the screen shows its window on the plot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tui_gradients.core.files.resume import SavedView
from tui_gradients.core.objectives.functions import Objective, Window, zoom
from tui_gradients.core.objectives.view import (
    PAN_FRACTION,
    contains,
    fit_view,
    follow,
    pan,
    usable,
)
from tui_gradients.ui.keys import key_for
from tui_gradients.ui.raster import RECENT

WHEEL_ZOOM = 1.25
"""How much one notch of the wheel widens the view (towards the user) or narrows it."""
Point = tuple[float, float]


class PlotView:
    """The window shown, following, and a saved view to restore (`--load`, a closed lesson)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.fitted = window
        """The surface's fitted view, which zoom and pan keep within reach of (`usable`)."""
        self.following = True
        """The view pans or widens to keep every current point in sight."""
        self.pending: SavedView | None = None
        """A saved view to put in place of the next fitted one."""

    def fit(self, objective: Objective, start: Point) -> None:
        """A new surface or start: the start and the minimum in sight."""
        self.window = self.fitted = fit_view(objective, start)

    def reset(self, objective: Objective, start: Point, paths: Sequence[np.ndarray]) -> None:
        """Everything in sight (the start, the minimum and the paths so far), following on."""
        self.fitted = fit_view(objective, start)
        whole = fit_view(objective, start, list(paths))
        self.window = whole if usable(whole, self.fitted) is None else self.fitted
        self.following = True

    def zoom(self, factor: float, about: Point | None) -> str | None:
        """About `about` while it is in view, else about the view's middle; why not, where the
        view would leave what can be drawn (`usable`)."""
        center = about if about is not None and contains(self.window, about) else None
        return self._move_to(zoom(self.window, factor, center))

    def zoom_at(self, notches: int, point: Point) -> str | None:
        """The wheel: about the pointer."""
        return self._move_to(zoom(self.window, WHEEL_ZOOM**notches, point))

    def pan(self, right: float, up: float) -> str | None:
        """By fractions of the view."""
        return self._move_to(pan(self.window, right, up))

    def pan_by_key(self, right: int, up: int) -> str | None:
        return self.pan(right * PAN_FRACTION, up * PAN_FRACTION)

    def keep_in_sight(self, paths: Sequence[np.ndarray]) -> bool:
        """Pan or widen when a current point is about to leave the view; whether it moved."""
        current = [(float(path[-1, 0]), float(path[-1, 1])) for path in paths if len(path)]
        recent = [(float(x), float(y)) for path in paths for x, y in path[-RECENT - 1 : -1]]
        window = follow(self.window, current, recent)
        return window != self.window and self._move_to(window) is None

    def _move_to(self, window: Window) -> str | None:
        """The view becomes `window` if it can be drawn; else it stays, and this says why."""
        refused = usable(window, self.fitted)
        if refused is None:
            self.window = window
        return refused

    def moved_by_hand(self, current: Sequence[Point]) -> str | None:
        """Following would pan straight back to a point the user has just moved away from, so
        a hand-made view that leaves a current point out turns following off; what to say."""
        if self.following and not all(contains(self.window, point) for point in current):
            self.following = False
            follow = key_for("toggle_follow")
            return f"following off: arrows at the edge point to runs out of view; {follow} follows"
        return None

    def toggle_following(self) -> str:
        self.following = not self.following
        if self.following:
            return "following: the view keeps every run in sight"
        return "following off: arrows at the edge point to runs out of view"

    def restore_later(self, saved: SavedView) -> None:
        self.pending = saved

    def take_pending(self) -> SavedView | None:
        """The saved view waiting, once: its window and following become this view's (its
        window only where it can be drawn on this surface: `--load` refuses any other)."""
        saved, self.pending = self.pending, None
        if saved is not None:
            self._move_to(saved.window)
            self.following = saved.following
        return saved

"""Where the plot looks: its window on the (w1, w2) plane, whether it follows the runs, and a
saved view waiting to replace the next fitted one. The screen's view part: it owns this state,
and the screen shows its window on the plot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tui_gradients.core.files.export import SavedView
from tui_gradients.core.objectives.functions import Objective, Window, zoom
from tui_gradients.core.objectives.view import PAN_FRACTION, contains, fit_view, follow, pan
from tui_gradients.ui.raster import RECENT

WHEEL_ZOOM = 1.25
"""How much one notch of the wheel widens the view (towards the user) or narrows it."""
Point = tuple[float, float]


class PlotView:
    """The window shown, following, and a saved view to restore (`--load`, a closed lesson)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.following = True
        """The view pans or widens to keep every current point in sight."""
        self.pending: SavedView | None = None
        """A saved view to put in place of the next fitted one."""

    def fit(self, objective: Objective, start: Point) -> None:
        """A new surface or start: the start and the minimum in sight."""
        self.window = fit_view(objective, start)

    def reset(self, objective: Objective, start: Point, paths: Sequence[np.ndarray]) -> None:
        """Everything in sight (the start, the minimum and the paths so far), following on."""
        self.window = fit_view(objective, start, list(paths))
        self.following = True

    def zoom(self, factor: float, about: Point | None) -> None:
        """About `about` while it is in view, else about the view's middle."""
        center = about if about is not None and contains(self.window, about) else None
        self.window = zoom(self.window, factor, center)

    def zoom_at(self, notches: int, point: Point) -> None:
        """The wheel: about the pointer."""
        self.window = zoom(self.window, WHEEL_ZOOM**notches, point)

    def pan(self, right: float, up: float) -> None:
        """By fractions of the view."""
        self.window = pan(self.window, right, up)

    def pan_by_key(self, right: int, up: int) -> None:
        self.pan(right * PAN_FRACTION, up * PAN_FRACTION)

    def keep_in_sight(self, paths: Sequence[np.ndarray]) -> bool:
        """Pan or widen when a current point is about to leave the view; whether it moved."""
        current = [(float(path[-1, 0]), float(path[-1, 1])) for path in paths if len(path)]
        recent = [(float(x), float(y)) for path in paths for x, y in path[-RECENT - 1 : -1]]
        window = follow(self.window, current, recent)
        moved, self.window = window != self.window, window
        return moved

    def moved_by_hand(self, current: Sequence[Point]) -> str | None:
        """Following would pan straight back to a point the user has just moved away from, so
        a hand-made view that leaves a current point out turns following off; what to say."""
        if self.following and not all(contains(self.window, point) for point in current):
            self.following = False
            return "following off: arrows at the edge point to runs out of view; F follows"
        return None

    def toggle_following(self) -> str:
        self.following = not self.following
        if self.following:
            return "following: the view keeps every run in sight"
        return "following off: arrows at the edge point to runs out of view"

    def restore_later(self, saved: SavedView) -> None:
        self.pending = saved

    def take_pending(self) -> SavedView | None:
        """The saved view waiting, once: its window and following become this view's."""
        saved, self.pending = self.pending, None
        if saved is not None:
            self.window, self.following = saved.window, saved.following
        return saved

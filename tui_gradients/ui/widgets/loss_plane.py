"""The network's loss on a plane through its weights, drawn with the surfaces' contour plot.

The widget keeps the plane and its grid, computes the grid in a thread once the keys settle
(a held key keeps stepping; the contours follow when it is released), a coarse grid first and a
finer one after, and projects every run's path onto the plane on each step. The screen tells it
the network and the paths (`follow`); it says when a grid is in (`Ready`) or why none can be
made (`Refused`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from textual import work
from textual.message import Message
from textual.timer import Timer

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.model import Network
from tui_gradients.core.network.plane import KINDS, Plane, grid_loss, plane_of, span
from tui_gradients.core.objectives.functions import Objective
from tui_gradients.core.objectives.sampled import Sampled
from tui_gradients.ui.widgets.contour_plot import ContourPlot

SETTLE = 0.15
"""Seconds without a step before the grid is computed again."""
GRIDS = ((30, 15), (60, 30))
"""A coarse grid first, then a finer one."""
NAMES = {"weights": "plane of two weights", "random": "random plane", "pca": "path's plane"}
NOTHING_YET = Objective(
    "loss plane",
    None,
    (0.0, 0.0),
    sampled=Sampled(np.array([-1.0, 1.0]), np.array([-1.0, 1.0]), np.full((2, 2), np.nan)),
)
"""What is drawn before the first grid is in."""


@dataclass(frozen=True, eq=False)
class Landscape:
    plane: Plane
    u: np.ndarray
    v: np.ndarray
    loss: np.ndarray


class LossPlane(ContourPlot):
    class Ready(Message):
        def __init__(self, landscape: Landscape) -> None:
            super().__init__()
            self.landscape = landscape

    class Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self, kind: str = "weights", weights: tuple[str, str] | None = None, **kwargs
    ) -> None:
        """`weights` are the weights plane's two axes (None: its defaults)."""
        super().__init__(NOTHING_YET, (-1.0, 1.0, -1.0, 1.0), **kwargs)
        self.kind = kind
        self.weights = weights
        self.landscape: Landscape | None = None
        self.point: tuple[float, float] | None = None
        """The main run's current weights on the plane (u, v)."""
        self._network: Network | None = None
        self._visited: list[np.ndarray] = []
        self._seed = 0
        self._job: threading.Event | None = None
        self._due: Timer | None = None

    @property
    def name_of_plane(self) -> str:
        return NAMES[self.kind]

    def follow(self, network: Network, paths: list[np.ndarray], seed: int) -> None:
        """The runs' visited weights (the main run's first) on the plane now, and the grid
        again once the keys settle: through the weights now, but for the path's plane, which
        stays until `recompute`."""
        if network is not self._network:  # a new network: an older one's grid is of no use
            self.landscape = None
            self.stop()
        self._network, self._visited, self._seed = network, paths, seed
        self._project()
        if self.kind != "pca" or self.landscape is None:
            if self._due is not None:
                self._due.stop()
            self._due = self.set_timer(SETTLE, self.recompute)

    def switch(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.landscape = None
        self.recompute()

    def recompute(self) -> None:
        self._due = None
        if self._job is not None:
            self._job.set()
        if self._network is None:
            return
        self._job = threading.Event()
        self._compute(self._network, self.kind, list(self._visited), self._seed, self._job)

    def stop(self) -> bool:
        """Stop a grid being computed; whether one was."""
        if self._job is None or self._job.is_set():
            return False
        self._job.set()
        return True

    @property
    def computing(self) -> threading.Event | None:
        return self._job

    @work(thread=True, exclusive=True, group="loss-plane")
    def _compute(
        self, network: Network, kind: str, paths: list[np.ndarray], seed: int, job: threading.Event
    ) -> None:
        try:
            plane = plane_of(kind, network, paths[0], self.weights, seed)
        except SettingError as error:
            self.post_message(self.Refused(error.message))
            return
        low_u, high_u, low_v, high_v = span(plane.project(paths[0]))
        for columns, rows in GRIDS:
            u, v = np.linspace(low_u, high_u, columns), np.linspace(low_v, high_v, rows)
            loss = grid_loss(network, plane, u, v, job)
            if loss is None:
                return
            landscape = Landscape(plane, u, v, loss)
            self.app.call_from_thread(self._drawn, landscape, job)

    def _drawn(self, landscape: Landscape, job: threading.Event) -> None:
        if job.is_set():
            return
        self.landscape = landscape
        plane = landscape.plane
        note = f"loss on the {NAMES[plane.kind]}: u = {plane.axes[0]}, v = {plane.axes[1]}"
        objective = Objective(
            name="loss plane",
            expression=None,
            start=(0.0, 0.0),
            note=note,
            sampled=Sampled(landscape.u, landscape.v, landscape.loss),
            axes=("u", "v"),
        )
        window = (landscape.u[0], landscape.u[-1], landscape.v[0], landscape.v[-1])
        self.set_surface(objective, window)
        self._project()
        self.post_message(self.Ready(landscape))

    def _project(self) -> None:
        landscape = self.landscape
        if landscape is None or not self._visited:
            return
        paths = [landscape.plane.project(path) for path in self._visited]
        self.set_paths(paths)
        self.point = (float(paths[0][-1][0]), float(paths[0][-1][1]))

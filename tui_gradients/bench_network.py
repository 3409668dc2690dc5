"""The network's speed: one training step with every statistic of the layer table, against the
floor set by its matrix products alone (each layer's three: forward, ∂C/∂W and ∂C/∂aˡ⁻¹),
measured in the same run on the same shapes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tui_gradients.bench_timing import seconds
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.plane import grid_loss, random_plane
from tui_gradients.core.network.training import train
from tui_gradients.core.optimisation.optimizers import Hyperparameters


def _times(function: Callable[[], object], runs: int) -> list[float]:
    function()  # warm: first touches of memory and BLAS's threads
    return seconds(function, runs)


def training_step(depth: int, width: int) -> Callable[[], object]:
    """One step of adam on the 342 penguins with tanh layers, and the table's statistics."""
    settings = NetSettings(depth=depth, width=width, activation="tanh")
    network = settings.network()
    steps = train(
        network,
        Hyperparameters(optimizer="adam", lr=1e-3).build(),
        settings.initial_params(network.architecture),
    )
    current = [next(steps)]

    def step() -> object:
        following = next(steps)
        rows = current[0].health(network, following.params)
        current[0] = following
        return rows

    return step


def matrix_products(depth: int, width: int, samples: int = 342) -> Callable[[], object]:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(samples, width))
    w = rng.normal(size=(width, width))

    def products() -> object:
        for _ in range(depth):
            u = a @ w.T
            _ = u.T @ a
            _ = u @ w
        return u

    return products


def plane_grid(columns: int, rows: int, stacked: bool = True) -> Callable[[], object]:
    """The loss on a random plane's grid for width 32, depth 8 on the penguins: through stacks
    of networks (`grid_loss`), or point by point (the baseline the stacks replace)."""
    settings = NetSettings(depth=8, width=32)
    network = settings.network()
    plane = random_plane(network.architecture, settings.initial_params(network.architecture))
    u, v = np.linspace(-1, 1, columns), np.linspace(-1, 1, rows)

    def stacked_grid() -> object:
        return grid_loss(network, plane, u, v)

    def point_by_point() -> object:
        return [network.loss_at(plane.point(a, b)) for b in v for a in u]

    return stacked_grid if stacked else point_by_point


def network_rows(runs: int, row: Callable[..., None]) -> None:
    for depth, width, count in ((10, 64, 20 * runs), (64, 256, runs)):
        floor = _times(matrix_products(depth, width), count)
        step = _times(training_step(depth, width), count)
        what = f"width {width}, depth {depth}, 342 penguins, tanh, adam"
        row(f"network step with the table's statistics, {what}", step, "ms", 1e3, floor)
        row(f"its matrix products alone (floor), {what}", floor, "ms", 1e3, None)
    for columns, rows in ((30, 15), (60, 30)):
        alone = _times(plane_grid(columns, rows, stacked=False), max(2, runs // 2))
        stacked = _times(plane_grid(columns, rows), runs)
        what = f"loss plane {columns}×{rows}, width 32, depth 8, 342 penguins"
        row(f"{what}: stacks of networks", stacked, "ms", 1e3, alone)
        row(f"{what}: point by point (baseline)", alone, "ms", 1e3, None)

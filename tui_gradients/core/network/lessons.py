"""The network lesson's measurements: every number a page states is computed here, live, from
the same network code the app trains (nothing on a page is a stored figure).

- `initialisations`: a deep sigmoid network from normal(0, 1) and from Xavier, and tanh from
  Xavier: how the first layer's weight gradient compares with the last hidden layer's, and how
  the activations' spread changes with depth.
- `relu_depth`: ReLU at depth 30 from Xavier and from He (kaiming_normal), and He with residual
  connections at depth 60, with and without layer normalisation.
- `bridge`: the seed's two facts joined: the loss's curvature along the first layer's weights
  against the output layer's (an ill-conditioned bowl), and the steps gd and Adam need to reach
  90 % accuracy from the same weights.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.health import layer_health
from tui_gradients.core.network.init import Init
from tui_gradients.core.network.plane import KINDS, grid_loss, plane_of, span
from tui_gradients.core.network.run import NetworkRun
from tui_gradients.core.optimisation.optimizers import Hyperparameters, label

WIDTH = 32
TARGET_ACCURACY = 0.9
STEP_CAP = 2000
"""Steps a race to 90 % accuracy is given before it counts as not reaching it."""


@dataclass(frozen=True)
class Depthwise:
    """What a network looks like at initialisation, layer 1 against its last hidden layer."""

    label: str
    settings: NetSettings
    gradient_ratio: float
    """‖∂C/∂W¹‖ / ‖∂C/∂Wᴸ‖ (L the last hidden layer)."""
    first_spread: float
    last_spread: float
    """std of the first and last hidden layers' outputs."""


def at_initialisation(label: str, settings: NetSettings) -> Depthwise:
    network = settings.network()
    params = settings.initial_params(network.architecture)
    rows = layer_health(network, params, network.evaluate(params), None)
    first, last = rows[0], rows[settings.depth - 1]
    ratio = first.grad_w_norm / last.grad_w_norm if last.grad_w_norm > 0 else float("nan")
    return Depthwise(label, settings, ratio, first.act_std, last.act_std)


def _net(
    depth: int, activation: str, init: str, residual: bool = False, norm: str = "none"
) -> NetSettings:
    return NetSettings(
        depth=depth,
        width=WIDTH,
        activation=activation,
        init=Init.parse(init),
        residual=residual,
        norm=norm,
    )


INITIALISATIONS = (
    ("sigmoid, normal(0, 1)", _net(10, "sigmoid", "normal")),
    ("sigmoid, Xavier", _net(10, "sigmoid", "xavier_normal")),
    ("tanh, Xavier", _net(10, "tanh", "xavier_normal")),
)
RELU_DEPTHS = (
    ("depth 30, Xavier", _net(30, "relu", "xavier_normal")),
    ("depth 30, He", _net(30, "relu", "kaiming_normal")),
    ("depth 60, He, residual", _net(60, "relu", "kaiming_normal", residual=True)),
    (
        "depth 60, He, residual, layer norm",
        _net(60, "relu", "kaiming_normal", residual=True, norm="layer"),
    ),
)


def initialisations() -> list[Depthwise]:
    return [at_initialisation(label, settings) for label, settings in INITIALISATIONS]


def relu_depth() -> list[Depthwise]:
    return [at_initialisation(label, settings) for label, settings in RELU_DEPTHS]


@dataclass(frozen=True)
class Bridge:
    settings: NetSettings
    first_curvature: float
    output_curvature: float
    """The loss's second derivative along a random unit direction in W¹, and in the output
    layer's W, at the initial weights."""
    steps: dict[str, int | None]
    """Per optimiser (its label), the first step with 90 % accuracy; None within STEP_CAP."""


BRIDGE_SETTINGS = NetSettings(
    depth=6, width=16, activation="sigmoid", init=Init.parse("xavier_normal")
)
BRIDGE_OPTIMIZERS = (
    Hyperparameters(optimizer="gd", lr=0.5),
    Hyperparameters(optimizer="adam", lr=0.01),
)


def curvature(settings: NetSettings, layer: int, seed: int = 0, h: float = 1e-3) -> float:
    """d²C/dt² at the initial weights along a random unit direction in layer `layer`'s W
    (central differences)."""
    network = settings.network()
    params = settings.initial_params(network.architecture)
    part = network.architecture.layout.slots[layer - 1].weight
    direction = np.zeros_like(params)
    direction[part] = np.random.default_rng(seed).normal(size=part.stop - part.start)
    direction /= np.linalg.norm(direction)
    ahead, here, behind = (network.loss_at(params + t * direction) for t in (h, 0.0, -h))
    return (ahead - 2.0 * here + behind) / (h * h)


def steps_to(
    settings: NetSettings, hyper: Hyperparameters, cancelled: threading.Event | None = None
) -> int | None:
    network = settings.network()
    optimizer = hyper.build(value_and_grad=network.value_and_grad)
    run = NetworkRun(network, optimizer, settings.initial_params(network.architecture))
    while run.last_step < STEP_CAP and not run.stop:
        if cancelled is not None and cancelled.is_set():
            return None
        run.advance(1)
        run.go_to(run.last_step)
        if run.current.accuracy >= TARGET_ACCURACY:
            return run.last_step
    return None


def bridge(cancelled: threading.Event | None = None) -> Bridge:
    settings = BRIDGE_SETTINGS
    steps = {
        label(hyper.optimizer, hyper.lr): steps_to(settings, hyper, cancelled)
        for hyper in BRIDGE_OPTIMIZERS
    }
    output = settings.depth + 1
    return Bridge(settings, curvature(settings, 1), curvature(settings, output), steps)


@dataclass(frozen=True)
class PlaneView:
    """What one plane shows of a trained network."""

    kind: str
    axes: tuple[str, str]
    off_plane: float
    """The share of the path's movement (from its last point) that lies off the plane."""
    lowest: float
    highest: float
    """The loss's range over the plane's grid."""
    curvature: tuple[float, float]
    """d²C/du² and d²C/dv² at the plane's origin, from the grid."""
    explained: tuple[float, float] | None


PLANE_SETTINGS = NetSettings(
    depth=6, width=16, activation="sigmoid", init=Init.parse("xavier_normal")
)
PLANE_OPTIMIZER = Hyperparameters(optimizer="adam", lr=0.01)
PLANE_STEPS = 200


def planes(cancelled: threading.Event | None = None) -> list[PlaneView]:
    """One network trained PLANE_STEPS steps, seen on the three planes."""
    settings = PLANE_SETTINGS
    network = settings.network()
    optimizer = PLANE_OPTIMIZER.build(value_and_grad=network.value_and_grad)
    run = NetworkRun(network, optimizer, settings.initial_params(network.architecture))
    run.advance(PLANE_STEPS, cancelled)
    run.go_to(run.last_step)
    path = run.visited()
    views = []
    for kind in KINDS:
        plane = plane_of(kind, network, path)
        coordinates = plane.project(path)
        moved = path - plane.origin
        rebuilt = coordinates @ np.stack(plane.directions)
        length = float(np.linalg.norm(moved))
        off = float(np.linalg.norm(moved - rebuilt)) / length if length > 0 else 0.0
        h = 0.05
        u = v = np.array([-h, 0.0, h])
        loss = grid_loss(network, plane, u, v, cancelled)
        low_u, high_u, low_v, high_v = span(coordinates)
        wide = grid_loss(
            network, plane, np.linspace(low_u, high_u, 9), np.linspace(low_v, high_v, 9), cancelled
        )
        if loss is None or wide is None:
            return []
        curvature = (
            float((loss[1, 2] - 2 * loss[1, 1] + loss[1, 0]) / h**2),
            float((loss[2, 1] - 2 * loss[1, 1] + loss[0, 1]) / h**2),
        )
        lowest, highest = float(wide.min()), float(wide.max())
        views.append(PlaneView(kind, plane.axes, off, lowest, highest, curvature, plane.explained))
    return views

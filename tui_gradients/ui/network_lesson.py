"""The network lesson's pages: the words, around numbers measured live (`core.network.lessons`).

Each page says what its numbers show, whatever they turn out to be: a sentence that depends on
a result is chosen by the result, never assumed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui_gradients.core.network import lessons
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.lessons import Bridge, Depthwise, PlaneView
from tui_gradients.core.optimisation.optimizers import Hyperparameters, label


def _g(value: float) -> str:
    return f"{value:.2g}"


def _table(rows: list[Depthwise], depth_label: str) -> str:
    lines = [
        f"| start | ‖∂C/∂W¹‖ / ‖∂C/∂W{depth_label}‖ | σ(a) first | σ(a) last |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row.label} | {_g(row.gradient_ratio)} | {_g(row.first_spread)} | "
        f"{_g(row.last_spread)} |"
        for row in rows
    ]
    return "\n".join(lines)


def initialisation_page(rows: list[Depthwise]) -> str:
    normal, xavier, tanh = rows
    return f"""\
## 1 · The first weights set the scale of δ

Ten hidden layers of {lessons.WIDTH} units on the penguins, before any training. Each row
compares the first hidden layer with the tenth.

{_table(rows, "¹⁰")}

Going back, each layer multiplies δ by its weights and by g′. Sigmoid's g′ is at most ¼, so
unless the weights make up for it, δ shrinks at every layer. Xavier's rule,
Var(W) = 2 / (fan_in + fan_out), keeps the signal's spread for an activation whose slope is
about 1 near 0, which tanh's is: there the first layer's gradient is {_g(tanh.gradient_ratio)}
of the last one's. Sigmoid's slope near 0 is only ¼, so with the same rule the ratio is
{_g(xavier.gradient_ratio)}; the larger normal(0, 1) weights give {_g(normal.gradient_ratio)},
{"but" if normal.first_spread > xavier.first_spread else "and"} spread the activations to
{_g(normal.first_spread)} at the first layer, towards sigmoid's flat ends.

`enter` loads the sigmoid network from normal(0, 1): step it and compare the first rows'
update:data with the last rows'.
"""


def relu_page(rows: list[Depthwise]) -> str:
    xavier, he, residual, normalised = rows
    grew = residual.last_spread > 10 * residual.first_spread
    return f"""\
## 2 · ReLU wants He's initialisation

ReLU passes half of its inputs and zeroes the rest, so a layer hands on about half the variance
it gets. Measured before training, {lessons.WIDTH} units a layer:

{_table(rows, "ᴸ")}

Xavier's weights, made for a slope of 1 on both sides of 0, let the activations' spread go from
{_g(xavier.first_spread)} at the first layer to {_g(xavier.last_spread)} at the thirtieth. He's
rule doubles the variance (gain √2) to pay for the lost half: {_g(he.first_spread)} to
{_g(he.last_spread)}. A residual connection adds each layer's output to its input, so the
variances add up: at depth 60 the spread {"grows" if grew else "goes"} to
{_g(residual.last_spread)}. With a layer normalisation before each activation it ends at
{_g(normalised.last_spread)}, and the first layer's gradient is
{_g(normalised.gradient_ratio)} of the last one's.

`enter` loads ReLU at depth 30 from Xavier; compare the σ(a) column with He's (`--init
kaiming_normal`).
"""


def bridge_page(found: Bridge) -> str:
    gd, adam = (label(hyper.optimizer, hyper.lr) for hyper in lessons.BRIDGE_OPTIMIZERS)
    flat, steep = abs(found.first_curvature), abs(found.output_curvature)
    ratio = steep / flat if flat > 0 else float("inf")

    def reached(label: str) -> str:
        steps = found.steps[label]
        cap = f"does not reach {lessons.TARGET_ACCURACY:.0%} accuracy in {lessons.STEP_CAP} steps"
        return (
            cap
            if steps is None
            else f"reaches {lessons.TARGET_ACCURACY:.0%} accuracy at step {steps}"
        )

    settings = found.settings
    return f"""\
## 3 · The two facts are one

{settings.depth} sigmoid layers of {settings.width} from Xavier's weights. Along a random unit
direction in the first layer's weights the loss curves by {_g(found.first_curvature)}; along one
in the output layer's, by {_g(found.output_curvature)}: about {_g(ratio)} times as much. That is
the ill-conditioned bowl of the first lesson, with the first layer's weights as w1: a step size
safe for the steep direction hardly moves the flat one, and the small gradient there says
nothing about how far the minimum is.

From the same weights, {gd} {reached(gd)}; {adam}, which divides each weight's step by that
weight's own gradient scale, {reached(adam)}.

`enter` loads this network with gd; `o` then switches to Adam from the same weights.
"""


def planes_page(views: list[PlaneView]) -> str:
    if not views:
        return "*stopped*"
    weights, random, pca = views
    flat, steep = sorted(abs(c) for c in weights.curvature)
    ratio = steep / flat if flat > 0 else float("inf")
    shares = pca.explained or (0.0, 0.0)
    settings, optimizer = lessons.PLANE_SETTINGS, lessons.PLANE_OPTIMIZER
    rows = "\n".join(
        f"| {v.kind} ({v.axes[0]}, {v.axes[1]}) | {v.off_plane:.0%} | "
        f"{_g(v.lowest)} to {_g(v.highest)} | {_g(v.curvature[0])}, {_g(v.curvature[1])} |"
        for v in views
    )
    misses = "misses" if random.off_plane > 0.9 else "holds little of"
    return f"""\
## 4 · One network, three planes

{settings.depth} sigmoid layers of {settings.width}, trained {lessons.PLANE_STEPS} steps by
{label(optimizer.optimizer, optimizer.lr)}, then seen on each plane through its last weights.
On the network you are training, `x` brings the loss plane and `w` switches planes.

| plane | off the plane | loss over the view | curvature along u, v |
|---|---|---|---|
{rows}

"Off the plane" is the share of the path's movement that the plane cannot show.

- **Two weights** ({weights.axes[0]} and {weights.axes[1]}) show the conditioning: the loss
  curves {_g(ratio)} times as much along one as along the other. They say nothing about the
  other weights: {weights.off_plane:.0%} of the path lies off this plane.
- **Two random directions**, filter-normalised, show the loss's shape around the weights, but a
  random plane {misses} the path: {random.off_plane:.0%} of it lies off the plane, so its
  contours say little about where training went.
- **The path's plane** holds {shares[0]:.0%} and {shares[1]:.0%} of the path's variance in its
  two directions ({pca.off_plane:.0%} of the movement lies off it): it shows where training
  went, and nothing of the many directions training never took.
"""


@dataclass(frozen=True)
class Page:
    measure: Callable[[threading.Event], Any]
    text: Callable[[Any], str]
    """The page's words around what `measure` found."""
    setup: tuple[NetSettings, Hyperparameters]
    """The network `enter` loads."""


PAGES = (
    Page(
        lambda cancelled: lessons.initialisations(),
        initialisation_page,
        (lessons.INITIALISATIONS[0][1], Hyperparameters(lr=0.5)),
    ),
    Page(
        lambda cancelled: lessons.relu_depth(),
        relu_page,
        (lessons.RELU_DEPTHS[0][1], Hyperparameters(lr=0.05)),
    ),
    Page(
        lessons.bridge,
        bridge_page,
        (lessons.BRIDGE_SETTINGS, lessons.BRIDGE_OPTIMIZERS[0]),
    ),
    Page(lessons.planes, planes_page, (lessons.PLANE_SETTINGS, lessons.PLANE_OPTIMIZER)),
)

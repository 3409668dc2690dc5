"""A multilayer perceptron's forward and backward pass, written once, per layer, on a batch.

For hidden layer l = 1…L, with a⁰ the batch's inputs (one row per sample):

    uˡ = aˡ⁻¹·Wˡᵀ + bˡ,   zˡ = norm(uˡ) (or uˡ),   aˡ = g(zˡ)  (+ aˡ⁻¹ with residual, l ≥ 2)

and the output layer's zᴸ⁺¹ = aᴸ·Wᴸ⁺¹ᵀ + bᴸ⁺¹ is linear (the chain applies g to it too). Going
back, δˡ = ∂C/∂zˡ = ∂C/∂aˡ·g′(zˡ), the seed's rule with a matrix in place of the one weight;
∂C/∂Wˡ = ∂C/∂uˡᵀ·aˡ⁻¹ and ∂C/∂bˡ = Σ ∂C/∂uˡ over the batch.

The parameters are one flat vector, layer by layer: Wˡ (torch's `(out, in)` layout, row-major),
bˡ, then γˡ and βˡ where the layer is normalised. So every optimiser trains a network as it
trains the 2-D surfaces, and a plane through the weights (issue 37) is a plane in this vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from tui_gradients.core.network import activations, normalisation
from tui_gradients.core.network.normalisation import Normalised

Array = np.ndarray
MAX_DEPTH = 64
MAX_WIDTH = 256


@dataclass(frozen=True)
class Architecture:
    """The shape of a network: `depth` hidden layers of `width` units between `inputs` and
    `outputs`."""

    inputs: int
    outputs: int
    depth: int = 4
    width: int = 16
    activation: str = "tanh"
    norm: str = "none"
    residual: bool = False
    activated_output: bool = False
    """g on the output layer too: the one-neuron chain, whose last neuron is a sigmoid."""

    @property
    def layers(self) -> int:
        """Hidden layers and the output layer."""
        return self.depth + 1

    def fan(self, layer: int) -> tuple[int, int]:
        """(fan_out, fan_in) of layer 1…L+1's W."""
        fan_in = self.inputs if layer == 1 else self.width
        fan_out = self.outputs if layer == self.layers else self.width
        return fan_out, fan_in

    def normalised(self, layer: int) -> bool:
        return self.norm != "none" and layer <= self.depth

    def residual_at(self, layer: int) -> bool:
        """A skip connection around hidden layer `layer` (from the second on)."""
        return self.residual and 2 <= layer <= self.depth

    @cached_property
    def layout(self) -> Layout:
        return Layout.of(self)


class Slot(NamedTuple):
    """Where one layer's parameters lie in the flat vector."""

    weight: slice
    bias: slice
    gamma: slice | None
    beta: slice | None
    shape: tuple[int, int]


@dataclass(frozen=True)
class Layout:
    slots: tuple[Slot, ...]
    size: int

    @staticmethod
    def of(architecture: Architecture) -> Layout:
        slots, at = [], 0
        for layer in range(1, architecture.layers + 1):
            fan_out, fan_in = architecture.fan(layer)
            weight = slice(at, at + fan_out * fan_in)
            bias = slice(weight.stop, weight.stop + fan_out)
            at = bias.stop
            gamma = beta = None
            if architecture.normalised(layer):
                gamma, beta = slice(at, at + fan_out), slice(at + fan_out, at + 2 * fan_out)
                at = beta.stop
            slots.append(Slot(weight, bias, gamma, beta, (fan_out, fan_in)))
        return Layout(tuple(slots), at)

    def weight(self, params: Array, layer: int) -> Array:
        """Layer `layer`'s W, (out, in); (…, out, in) for a stack of parameter vectors."""
        slot = self.slots[layer - 1]
        return params[..., slot.weight].reshape(params.shape[:-1] + slot.shape)

    def bias(self, params: Array, layer: int) -> Array:
        return params[self.slots[layer - 1].bias]

    def idle(self, norm: str) -> Array:
        """A mask of the parameters that change nothing: the biases a batch normalisation
        follows, whose mean it subtracts again. Their gradient is 0 but for rounding, which an
        optimiser that divides by √v (Adam's kind) turns into steps that depend on that
        rounding alone."""
        mask = np.zeros(self.size, dtype=bool)
        for slot in self.slots:
            mask[slot.bias] = slot.gamma is not None and norm == "batch"
        return mask

    def names(self) -> list[tuple[str, slice, tuple[int, ...]]]:
        """`W1`, `b1`, `gamma1`, `beta1`, … with their slices and shapes: a weights file's
        arrays."""
        named: list[tuple[str, slice, tuple[int, ...]]] = []
        for layer, slot in enumerate(self.slots, start=1):
            out = (slot.shape[0],)
            named += [(f"W{layer}", slot.weight, slot.shape), (f"b{layer}", slot.bias, out)]
            if slot.gamma is not None and slot.beta is not None:
                named += [(f"gamma{layer}", slot.gamma, out), (f"beta{layer}", slot.beta, out)]
        return named


class Layer(NamedTuple):
    """What the forward pass keeps of one layer for the backward pass and the table."""

    a_input: Array
    z: Array
    """The activation's input, after any normalisation (the output layer's linear output)."""
    g: Array
    """g(z): the activation's output, before any residual sum."""
    a: Array
    """The layer's output: g(z), plus aˡ⁻¹ with a residual connection."""
    normalised: Normalised | None


class Pass(NamedTuple):
    """One forward and backward pass on a batch."""

    layers: tuple[Layer, ...]
    output: Array
    loss: float
    deltas: tuple[Array, ...]
    """δˡ = ∂C/∂zˡ for each layer, (batch, units)."""
    grads: Array
    """∂C/∂params, in the flat vector's order."""


def forward(
    architecture: Architecture, params: Array, x: Array, keep: bool = True
) -> tuple[Layer, ...]:
    """Every layer's values on the batch `x` (samples, inputs). `params` may be a stack of
    parameter vectors (…, size), one network per row, each on the same batch (a plane's grid):
    then every value gains those leading axes. Without `keep` only the output layer is kept
    (a stack's intermediate values would take gigabytes)."""
    layout = architecture.layout
    value, _ = activations.ON_ARRAYS[architecture.activation]
    kept, a = [], x
    for layer, slot in enumerate(layout.slots, start=1):
        u = a @ np.swapaxes(layout.weight(params, layer), -1, -2)
        u += params[..., None, slot.bias]
        normalised = None
        if architecture.normalised(layer):
            gamma, beta = params[..., None, slot.gamma], params[..., None, slot.beta]
            normalised = normalisation.normalise(architecture.norm, u, gamma, beta)
            u = normalised.out
        hidden = layer < architecture.layers or architecture.activated_output
        g = value(u) if hidden else u
        out = a + g if architecture.residual_at(layer) else g
        if keep or layer == architecture.layers:
            kept.append(Layer(a, u, g, out, normalised))
        a = out
    return tuple(kept)


def backward(
    architecture: Architecture, params: Array, layers: tuple[Layer, ...], d_output: Array
) -> tuple[tuple[Array, ...], Array]:
    """(δ for each layer, ∂C/∂params) from ∂C/∂(the network's output)."""
    layout = architecture.layout
    _, slope = activations.ON_ARRAYS[architecture.activation]
    grads = np.empty(layout.size)
    deltas: list[Array] = []
    d_a = d_output
    for layer in range(architecture.layers, 0, -1):
        slot, kept = layout.slots[layer - 1], layers[layer - 1]
        hidden = layer < architecture.layers or architecture.activated_output
        delta = d_a * slope(kept.z) if hidden else d_a
        deltas.append(delta)
        d_u = delta
        if kept.normalised is not None:
            d_u, d_gamma, d_beta = normalisation.normalise_backward(
                architecture.norm, delta, kept.normalised, params[slot.gamma]
            )
            grads[slot.gamma], grads[slot.beta] = d_gamma, d_beta
        grads[slot.weight] = (d_u.T @ kept.a_input).ravel()
        grads[slot.bias] = d_u.sum(axis=0)
        if layer > 1:
            through = d_u @ layout.weight(params, layer)
            d_a = d_a + through if architecture.residual_at(layer) else through
    return tuple(reversed(deltas)), grads

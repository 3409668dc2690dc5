"""A network experiment's settings, as the `net` command's flags and the app's panel give them,
and what they build: the network on its data, its first weights and its minibatches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network import activations, normalisation
from tui_gradients.core.network.datasets import Dataset, DataSettings, load
from tui_gradients.core.network.init import Init
from tui_gradients.core.network.mlp import MAX_DEPTH, MAX_WIDTH, Architecture
from tui_gradients.core.network.model import Network
from tui_gradients.core.objectives.regression import Minibatches

Array = np.ndarray


def _whole(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingError(name, f"must be a whole number from {low} to {high}, got {value!r}")


@dataclass(frozen=True)
class NetSettings:
    data: DataSettings = field(default_factory=DataSettings)
    depth: int = 4
    """Hidden layers."""
    width: int = 16
    activation: str = "tanh"
    norm: str = "none"
    residual: bool = False
    init: Init = field(default_factory=Init)
    seed: int = 0
    """Seeds the initial weights (the data's own seed is the data settings')."""
    batch_size: int = 0
    """Samples per step; 0 for all of them."""

    def __post_init__(self) -> None:
        _whole("depth", self.depth, 1, MAX_DEPTH)
        _whole("width", self.width, 1, MAX_WIDTH)
        _whole("seed", self.seed, 0, 2**32 - 1)
        _whole("batch_size", self.batch_size, 0, 10**7)
        if self.activation not in activations.NAMES:
            names = ", ".join(activations.NAMES)
            raise SettingError(
                "activation", f"unknown activation {self.activation!r}; choose from {names}"
            )
        if self.norm not in normalisation.KINDS:
            raise SettingError("norm", f"must be none, layer or batch, got {self.norm!r}")
        if self.norm == "batch" and self.batch_size == 1:
            raise SettingError("batch_size", "batch normalisation needs 2 or more samples per step")

    def dataset(self) -> Dataset:
        return load(self.data)

    def architecture(self, dataset: Dataset) -> Architecture:
        return Architecture(
            inputs=dataset.x.shape[1],
            outputs=dataset.outputs,
            depth=self.depth,
            width=self.width,
            activation=self.activation,
            norm=self.norm,
            residual=self.residual,
        )

    def network(self) -> Network:
        dataset = self.dataset()
        return Network(self.architecture(dataset), dataset.x, dataset.target, dataset.loss)

    def batches(self, samples: int) -> Minibatches | None:
        if self.batch_size == 0 or self.batch_size >= samples:
            return None
        return Minibatches(samples, self.batch_size, self.data.seed)

    def initial_params(self, architecture: Architecture) -> Array:
        return self.init.params(architecture, self.seed)


def load_weights(path: str, architecture: Architecture) -> Array:
    """The flat vector from an .npz file of `W1, b1, …` (and `gamma{k}, beta{k}` where
    normalised), each in torch's `(out, in)` layout; one line naming the file and the array for
    anything missing, misshapen or extra."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except OSError as error:
        raise SettingError("weights", f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError:
        raise SettingError("weights", f"{path}: not an .npz file of arrays") from None
    named = architecture.layout.names()
    params = np.empty(architecture.layout.size)
    for name, part, shape in named:
        if name not in arrays:
            wanted = ", ".join(name for name, _, _ in named)
            raise SettingError("weights", f"{path}: no array {name} (the network has {wanted})")
        value = arrays[name]
        if value.shape != shape:
            raise SettingError(
                "weights", f"{path}: {name} has shape {value.shape}, the network's is {shape}"
            )
        if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
            raise SettingError(
                "weights", f"{path}: {name} holds values that are not finite numbers"
            )
        params[part] = value.ravel()
    extra = sorted(set(arrays) - {name for name, _, _ in named})
    if extra:
        raise SettingError(
            "weights", f"{path}: arrays the network has no place for: {', '.join(extra)}"
        )
    return params


def save_weights(path: str, architecture: Architecture, params: Array) -> None:
    named = architecture.layout.names()
    arrays: dict[str, Any] = {name: params[part].reshape(shape) for name, part, shape in named}
    try:
        with open(path, "wb") as file:
            np.savez(file, **arrays)
    except OSError as error:
        raise SettingError("save_weights", f"{path}: cannot write: {error.strerror}") from None


def network_description(settings: NetSettings, network: Network) -> dict[str, object]:
    """The settings and the data as `net --format json` records them."""
    dataset = settings.dataset()
    return {
        "data": settings.data.source,
        "samples": dataset.describe(),
        "features": list(dataset.feature_names),
        "target": dataset.target_name,
        "classes": None if dataset.classes is None else list(dataset.classes),
        "task": dataset.task,
        "standardize": settings.data.standardize,
        "depth": settings.depth,
        "width": settings.width,
        "activation": settings.activation,
        "norm": settings.norm,
        "residual": settings.residual,
        "init": settings.init.text(),
        "seed": settings.seed,
        "batch_size": settings.batch_size,
        "parameters": network.architecture.layout.size,
    }

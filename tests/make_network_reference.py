"""Write tests/data/network_reference.npz: networks computed by torch's own modules.

    pip install torch && python tests/make_network_reference.py

Each case builds the network from `nn.Linear`, `nn.LayerNorm` and `nn.BatchNorm1d` (training
mode), the functional activations and losses, in float64, loads the same weights as the
project's flat vector (its `Layout` says where each tensor lies), and stores every activation,
δ (autograd's gradient at each activation's input), ∂C/∂W and ∂C/∂b, then 100 steps of
torch.optim training from those weights. Only the layout and the initial weights come from the
project; every number after them is torch's.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from make_torch_reference import torch_optimizer, torch_scheduler
from network_cases import TRAINED

from tui_gradients.core.network.init import Init
from tui_gradients.core.network.mlp import Architecture
from tui_gradients.core.optimisation.optimizers import Hyperparameters

OUT = Path(__file__).parent / "data" / "network_reference.npz"
SAMPLES = 12
STEPS = 100
KEPT_EVERY = 10
"""Training keeps the parameters every 10th step and the loss at every step."""
CASES = {
    "sigmoid_plain_classify": dict(activation="sigmoid", depth=3, width=5),
    "tanh_layer_residual_regress": dict(activation="tanh", norm="layer", residual=True),
    "relu_batch_residual_classify": dict(activation="relu", norm="batch", residual=True),
    "leaky_relu_residual_regress": dict(activation="leaky_relu", residual=True),
    "gelu_layer_classify": dict(activation="gelu", norm="layer", depth=3, width=8),
    "linear_batch_regress": dict(activation="linear", norm="batch", depth=2),
    "sigmoid_width1_classify": dict(activation="sigmoid", depth=6, width=1),
}
OPTIMIZERS = TRAINED
ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
    "linear": lambda z: z,
}


def architecture(name: str) -> Architecture:
    settings = {"depth": 4, "width": 6, **CASES[name]}
    outputs = 3 if name.endswith("classify") else 2
    return Architecture(inputs=3, outputs=outputs, **settings)


def data(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.normal(size=(SAMPLES, 3))
    if name.endswith("classify"):
        return x, np.arange(SAMPLES, dtype=float) % 3
    return x, rng.normal(size=(SAMPLES, 2))


def start(name: str) -> np.ndarray:
    return Init.parse("xavier_normal").params(architecture(name), seed=7)


class TorchNetwork(torch.nn.Module):
    def __init__(self, arch: Architecture, params: np.ndarray) -> None:
        super().__init__()
        self.arch = arch
        self.linears = torch.nn.ModuleList()
        self.norms = torch.nn.ModuleList()
        layout = arch.layout
        for layer, slot in enumerate(layout.slots, start=1):
            fan_out, fan_in = slot.shape
            linear = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(params[slot.weight].reshape(slot.shape)))
                linear.bias.copy_(torch.tensor(params[slot.bias]))
            self.linears.append(linear)
            if arch.normalised(layer):
                kind = torch.nn.LayerNorm if arch.norm == "layer" else torch.nn.BatchNorm1d
                norm = kind(fan_out, dtype=torch.float64)
                with torch.no_grad():
                    norm.weight.copy_(torch.tensor(params[slot.gamma]))
                    norm.bias.copy_(torch.tensor(params[slot.beta]))
                self.norms.append(norm)
        self.train()

    def ordered(self) -> list[torch.Tensor]:
        """The parameters in the project's flat order."""
        tensors, norms = [], iter(self.norms)
        for layer, linear in enumerate(self.linears, start=1):
            tensors += [linear.weight, linear.bias]
            if self.arch.normalised(layer):
                norm = next(norms)
                tensors += [norm.weight, norm.bias]
        return tensors

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list, list]:
        g = ACTIVATIONS[self.arch.activation]
        zs, outs, a, norms = [], [], x, iter(self.norms)
        for layer, linear in enumerate(self.linears, start=1):
            z = linear(a)
            if self.arch.normalised(layer):
                z = next(norms)(z)
            z.retain_grad()
            zs.append(z)
            if layer == self.arch.layers:
                out = z
            else:
                out = a + g(z) if self.arch.residual_at(layer) else g(z)
            outs.append(out)
            a = out
        return a, zs, outs


def loss_of(name: str, out: torch.Tensor, target: np.ndarray) -> torch.Tensor:
    if name.endswith("classify"):
        return F.cross_entropy(out, torch.tensor(target, dtype=torch.long))
    return F.mse_loss(out, torch.tensor(target))


def flat(tensors: list[torch.Tensor]) -> np.ndarray:
    return torch.cat([t.detach().reshape(-1) for t in tensors]).numpy().copy()


def one_pass(name: str) -> dict[str, np.ndarray]:
    x, target = data(name)
    net = TorchNetwork(architecture(name), start(name))
    out, zs, outs = net(torch.tensor(x))
    loss = loss_of(name, out, target)
    loss.backward()
    stored = {"loss": np.array(loss.item())}
    for layer, (z, a) in enumerate(zip(zs, outs, strict=True), start=1):
        stored[f"z{layer}"] = z.detach().numpy().copy()
        stored[f"a{layer}"] = a.detach().numpy().copy()
        stored[f"delta{layer}"] = z.grad.numpy().copy()
    stored["grads"] = flat([t.grad for t in net.ordered()])
    return stored


def training(name: str, hyper: Hyperparameters, nudge: float = 0.0) -> dict[str, np.ndarray]:
    """torch's training loop from the case's start (scaled by 1 + `nudge`)."""
    x, target = data(name)
    net = TorchNetwork(architecture(name), start(name) * (1.0 + nudge))
    optimizer = torch_optimizer(hyper, net.ordered())
    scheduler = torch_scheduler(hyper, optimizer)
    losses, kept = [], [flat(net.ordered())]
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss = loss_of(name, net(torch.tensor(x))[0], target)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        if step % KEPT_EVERY == 0:
            kept.append(flat(net.ordered()))
    return {"losses": np.array(losses), "params": np.array(kept)}


def check_stable(name: str, label: str, trained: dict[str, np.ndarray]) -> None:
    """A run that amplifies a change of its start by 10⁴ or more would amplify rounding (1e-16, more
    in each of its hundred steps) towards the comparison's 1e-9: such a case is refused."""
    nudged = training(name, OPTIMIZERS[label], nudge=1e-13)["params"][-1]
    arch = architecture(name)
    used = ~arch.layout.idle(arch.norm)
    moved = np.max(np.abs(nudged - trained["params"][-1])[used]) / np.max(np.abs(nudged))
    assert moved < 1e-13 * 1e4, f"{name} under {label} is chaotic: {moved:.2g}"


def main() -> None:
    torch.set_default_dtype(torch.float64)
    stored: dict[str, np.ndarray] = {}
    for name in CASES:
        x, target = data(name)
        described = json.dumps(dataclasses.asdict(architecture(name)))
        stored |= {f"{name}/x": x, f"{name}/target": target, f"{name}/start": start(name)}
        stored[f"{name}/architecture"] = np.array(described)
        stored |= {f"{name}/{key}": value for key, value in one_pass(name).items()}
        for label, hyper in OPTIMIZERS.items():
            trained = training(name, hyper)
            check_stable(name, label, trained)
            stored |= {f"{name}/{label}/{key}": value for key, value in trained.items()}
    np.savez_compressed(OUT, **stored)
    print(f"wrote {len(stored)} arrays to {OUT}")


if __name__ == "__main__":
    main()

"""Write tests/data/torch_reference.json: trajectories computed by PyTorch's own optimisers.

    pip install torch && python tests/make_torch_reference.py

The stored numbers come from torch.optim, not from this project, so comparing with them checks
our formulas against an independent implementation even where torch is not installed.
"""

import json
from pathlib import Path

import torch

from tui_gradients.core.functions import make_objective
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters

CASES = [("quadratic", 0.5), ("rosenbrock", 0.001)]
STEPS = 100
OUT = Path(__file__).parent / "data" / "torch_reference.json"


def torch_optimizer(hyper: Hyperparameters, params: torch.Tensor) -> torch.optim.Optimizer:
    name, lr = hyper.optimizer, hyper.lr
    if name == "gd":
        return torch.optim.SGD([params], lr=lr)
    if name in ("momentum", "nesterov"):
        nesterov = name == "nesterov"
        return torch.optim.SGD([params], lr=lr, momentum=hyper.momentum, nesterov=nesterov)
    if name == "adagrad":
        return torch.optim.Adagrad([params], lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop([params], lr=lr)
    return torch.optim.Adam([params], lr=lr)


def trajectory(function: str, lr: float, name: str) -> list[list[float]]:
    objective = make_objective(function)
    params = torch.tensor(objective.start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(Hyperparameters(optimizer=name, lr=lr), params)
    points = [params.detach().tolist()]
    for _ in range(STEPS):
        optimizer.zero_grad()
        objective.value(params[0], params[1]).backward()
        optimizer.step()
        points.append(params.detach().tolist())
    return points


def main() -> None:
    cases = [
        {"function": f, "lr": lr, "optimizer": name, "params": trajectory(f, lr, name)}
        for f, lr in CASES
        for name in OPTIMIZERS
    ]
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}))
    print(f"wrote {len(cases)} trajectories to {OUT}")


if __name__ == "__main__":
    main()

"""Trajectories against PyTorch's own optimisers, where PyTorch is installed.

torch is not a dependency (it is a large download); install it to run these:
`pip install torch`. The formulas are also checked by hand in test_optimizers.py.
"""

import numpy as np
import pytest

from tui_gradients.core.functions import make_objective
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.run import Run

torch = pytest.importorskip("torch")


def _torch_optimizer(hyper, params):
    name, lr = hyper.optimizer, hyper.lr
    if name == "gd":
        return torch.optim.SGD([params], lr=lr)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(
            [params], lr=lr, momentum=hyper.momentum, nesterov=name == "nesterov"
        )
    if name == "adagrad":
        return torch.optim.Adagrad([params], lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop([params], lr=lr)
    return torch.optim.Adam([params], lr=lr)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(("function", "lr"), [("quadratic", 0.5), ("rosenbrock", 0.001)])
def test_trajectory_matches_torch(name, function, lr):
    objective = make_objective(function)
    hyper = Hyperparameters(optimizer=name, lr=lr)
    run = Run(objective.value_and_grad, hyper.build(), list(objective.start))
    run.advance(200)
    params = torch.tensor(objective.start, dtype=torch.float64, requires_grad=True)
    optimizer = _torch_optimizer(hyper, params)
    for step in range(1, 201):
        optimizer.zero_grad()
        w1, w2 = params[0], params[1]
        objective.value(w1, w2).backward()
        optimizer.step()
        np.testing.assert_allclose(
            run.history.params[step], params.detach().numpy(), rtol=1e-9, atol=1e-12
        )

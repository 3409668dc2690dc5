"""Write tests/data/torch_reference.json: trajectories computed by PyTorch's own optimisers.

    pip install torch && python tests/make_torch_reference.py

The stored numbers come from torch.optim, not from this project, so comparing with them checks
our formulas against an independent implementation even where torch is not installed. torch's
default dtype is set to float64, so that the scalars some optimisers keep as tensors (NAdam's
product of momenta, ASGD's η) are not rounded to float32: the formulas are compared, not
torch's choice of scalar precision.
"""

import json
from pathlib import Path

import torch

from tui_gradients.core.objectives.functions import make_objective
from tui_gradients.core.objectives.tree import ALL_FUNCTIONS, Num, Var, postorder
from tui_gradients.core.optimisation.optimizers import TORCH_OPTIMIZERS as OPTIMIZERS
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.optimisation.schedules import KINDS, WHOLE, Schedule

CASES = [("quadratic", 0.5), ("rosenbrock", 0.001)]
VARIANTS = [
    ("momentum", {"dampening": 0.5, "weight_decay": 0.1}),
    ("nesterov", {"weight_decay": 0.05}),
    ("gd", {"weight_decay": 0.2}),
    ("adagrad", {"weight_decay": 0.1}),
    ("rmsprop", {"alpha": 0.9, "weight_decay": 0.01}),
    ("adam", {"amsgrad": True}),
    ("adamw", {"amsgrad": True, "weight_decay": 0.1}),
    ("nadam", {"momentum_decay": 0.01, "weight_decay": 0.01}),
    ("adadelta", {"rho": 0.8}),
    ("rprop", {"eta_minus": 0.3, "eta_plus": 1.5, "step_min": 1e-3, "step_max": 2.0}),
    ("asgd", {"lambd": 0.01, "alpha": 0.5}),
    ("lbfgs", {"line_search": True}),
    ("lbfgs", {"max_iter": 1}),
    ("lbfgs", {"history_size": 3, "line_search": True, "max_iter": 5}),
]
"""Each optimiser's flags away from their defaults."""
SCHEDULES = [
    ("step", {"step_size": 30, "gamma": 0.5}),
    ("exponential", {"gamma": 0.98}),
    ("cosine", {"T_max": 50, "eta_min": 1e-4}),
    ("onecycle", {"total_steps": 200}),
    ("onecycle", {"total_steps": 200, "cycle_momentum": 0}),
    ("onecycle", {"total_steps": 200, "base_momentum": 0.5, "max_momentum": 0.8}),
    ("linear", {"start_factor": 0.25, "total_iters": 20}),
    ("plateau", {"patience": 5, "factor": 0.5, "threshold": 0.01}),
]
"""Each lr_scheduler, with arguments that make it act within the 200 steps."""
SCHEDULED = ("gd", "adam")
CYCLED = ("momentum", "nesterov", "adamw", "nadam", "radam", "adamax")
"""Optimisers whose momentum or β1 OneCycleLR cycles, beyond gd's and Adam's."""
STEPS = 200
OUT = Path(__file__).parent / "data" / "torch_reference.json"


def torch_optimizer(
    hyper: Hyperparameters, params: torch.Tensor | list[torch.Tensor]
) -> torch.optim.Optimizer:
    """torch's optimiser for `hyper` on one tensor or a list of them (a network's), every
    setting it reads passed on explicitly."""
    h, name = hyper, hyper.optimizer
    group = params if isinstance(params, list) else [params]
    betas = (h.beta1, h.beta2)
    wd = h.resolved("weight_decay")
    eps = h.resolved("eps")
    if name in ("gd", "momentum", "nesterov"):
        momentum = 0.0 if name == "gd" else h.momentum
        return torch.optim.SGD(
            group, lr=h.lr, momentum=momentum, dampening=h.dampening,
            nesterov=name == "nesterov", weight_decay=wd,
        )  # fmt: skip
    if name == "adagrad":
        return torch.optim.Adagrad(group, lr=h.lr, eps=eps, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(
            group, lr=h.lr, alpha=h.resolved("alpha"), eps=eps, weight_decay=wd
        )
    if name in ("adam", "adamw"):
        kind = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        return kind(group, lr=h.lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=h.amsgrad)
    if name == "nadam":
        return torch.optim.NAdam(
            group, lr=h.lr, betas=betas, eps=eps, weight_decay=wd, momentum_decay=h.momentum_decay
        )
    if name == "radam":
        return torch.optim.RAdam(group, lr=h.lr, betas=betas, eps=eps, weight_decay=wd)
    if name == "adamax":
        return torch.optim.Adamax(group, lr=h.lr, betas=betas, eps=eps, weight_decay=wd)
    if name == "adadelta":
        return torch.optim.Adadelta(group, lr=h.lr, rho=h.rho, eps=eps, weight_decay=wd)
    if name == "rprop":
        return torch.optim.Rprop(
            group, lr=h.lr, etas=(h.eta_minus, h.eta_plus), step_sizes=(h.step_min, h.step_max)
        )
    if name == "lbfgs":
        search = "strong_wolfe" if h.line_search else None
        return torch.optim.LBFGS(
            group, lr=h.lr, max_iter=h.max_iter, history_size=h.history_size,
            line_search_fn=search,
        )  # fmt: skip
    if name == "asgd":
        return torch.optim.ASGD(
            group, lr=h.lr, lambd=h.lambd, alpha=h.resolved("alpha"), weight_decay=wd
        )
    raise ValueError(f"no torch optimiser for {name}")


def torch_scheduler(hyper: Hyperparameters, optimizer: torch.optim.Optimizer):
    """torch's scheduler for `hyper.schedule` (None without one): OneCycleLR with its maximum at
    lr."""
    name = hyper.schedule.name
    if name == "none":
        return None
    schedulers = torch.optim.lr_scheduler
    whole = {k: int(v) if k in WHOLE else v for k, v in hyper.schedule.arguments.items()}
    if name == "onecycle":
        whole["cycle_momentum"] = bool(whole["cycle_momentum"])
        return schedulers.OneCycleLR(optimizer, max_lr=hyper.lr, **whole)
    return getattr(schedulers, KINDS[name].torch_name)(optimizer, **whole)


_TORCH = {
    "+": torch.add,
    "-": torch.sub,
    "*": torch.mul,
    "/": torch.div,
    "**": torch.pow,
    "neg": torch.neg,
    **{name: getattr(torch, name) for name in ALL_FUNCTIONS},
}


def in_torch(expression, w1: torch.Tensor, w2: torch.Tensor) -> torch.Tensor:
    """The formula's value on torch tensors, node by node, for autograd to differentiate: the
    gradient is torch's, not the project's symbolic one."""
    values: dict[int, torch.Tensor] = {}
    variables = {"w1": w1, "w2": w2}
    for node in postorder(expression.tree):
        if isinstance(node, Num):
            values[id(node)] = torch.tensor(node.value)
        elif isinstance(node, Var):
            values[id(node)] = variables[node.name]
        else:
            values[id(node)] = _TORCH[node.op](*(values[id(arg)] for arg in node.args))
    return values[id(expression.tree)]


def trajectory(function: str, hyper: Hyperparameters, steps: int = STEPS) -> list[list[float]]:
    """A training loop: the loss, its gradient, the optimiser's step, then the scheduler's
    (the plateau rule given the loss)."""
    objective = make_objective(function)
    params = torch.tensor(objective.start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(hyper, params)
    scheduler = torch_scheduler(hyper, optimizer)
    points = [params.detach().tolist()]

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = in_torch(objective.expression, params[0], params[1])
        loss.backward()
        return loss

    for _ in range(steps):
        loss = optimizer.step(closure) if hyper.optimizer == "lbfgs" else _step(optimizer, closure)
        if scheduler is not None:
            plateau = hyper.schedule.name == "plateau"
            scheduler.step(loss.item()) if plateau else scheduler.step()
        points.append(params.detach().tolist())
    return points


def _step(optimizer: torch.optim.Optimizer, closure) -> torch.Tensor:
    """One step of a training loop: the loss and its gradient, then the optimiser's step."""
    loss = closure()
    optimizer.step()
    return loss


def cases() -> list[dict]:
    """Every optimiser with its defaults, and each with its flags set, on both surfaces."""
    settings = [(name, {}, ("none", {})) for name in OPTIMIZERS]
    settings += [(name, changes, ("none", {})) for name, changes in VARIANTS]
    settings += [(name, {}, schedule) for schedule in SCHEDULES for name in SCHEDULED]
    settings += [(name, {}, ("onecycle", {"total_steps": 200})) for name in CYCLED]
    return [
        {
            "function": function,
            "lr": lr,
            "optimizer": name,
            "changes": changes,
            "schedule": schedule,
            "schedule_args": arguments,
        }
        for function, lr in CASES
        for name, changes, (schedule, arguments) in settings
    ]


def hyper_of(case: dict) -> Hyperparameters:
    schedule = Schedule(case["schedule"], tuple(case["schedule_args"].items()))
    return Hyperparameters(
        optimizer=case["optimizer"], lr=case["lr"], schedule=schedule, **case["changes"]
    )


def main() -> None:
    torch.set_default_dtype(torch.float64)
    stored = [case | {"params": trajectory(case["function"], hyper_of(case))} for case in cases()]
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": stored}))
    print(f"wrote {len(stored)} trajectories to {OUT}")


if __name__ == "__main__":
    main()

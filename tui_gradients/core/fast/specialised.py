"""A formula's own compiled loop: f and ∇f written out as straight-line code, for one optimiser.

The interpreter in `_kernels` runs any formula without compiling it, but dispatching each of
its operations makes a step on the bowl cost about 190 ns; the same formula compiled as code
takes about 40, and about 30 with the optimiser fixed when it is compiled. Compiling costs one
to four seconds per formula and optimiser, so it happens in the background
(`fast.specialise`) and the interpreter serves until it is done.

The code is written to a file in the user's cache directory and imported from there, so that
numba can cache the machine code beside it: the next start loads it in about 20 ms. The file
name is a digest of the code and of `_kernels.py`, so a changed formula or kernel never loads a
stale one. Each node becomes one assignment, in the interpreter's order and with its helpers
(`power`), so both compute the same numbers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from tui_gradients.core.objectives.expression import Expression, TooLarge
from tui_gradients.core.objectives.tree import Node, Num, Var, postorder
from tui_gradients.core.optimisation.optimizers import REGISTRY

TEMPLATE = """# {formula!r}, optimizer {optimizer}: written by tui_gradients.core.fast.specialised
from __future__ import annotations  # the loop's annotations name what this module does not

import numpy as np
from numba import njit

from tui_gradients.core.optimisation import lbfgs
from tui_gradients.core.fast._kernels import (
    ASIDE, CONVERGED, DIVERGED, GOING, LBFGS, LIMIT, NEWTON_DIAG, RULE,
    _bad, _converged, _newton, parts, power,
)
from tui_gradients.core.fast._lbfgs import compiled as compiled_lbfgs

globals().update(parts({optimizer!r}))  # METHOD, SCALED, and the rule's update, load and store


@njit(cache=True, error_model="numpy")
def evaluate(data, params, grads, hess):
    w1, w2 = params[0], params[1]
{body}
    grads[0] = {d_w1}
    grads[1] = {d_w2}
{hessian}    return {f}


lbfgs_iterate = compiled_lbfgs(evaluate)


@njit(cache=True, error_model="numpy", nogil=True)
{steps}"""
"""The loop is `_kernels.steps` word for word: numba cannot cache a loop that is handed its
`evaluate` as an argument, so each module has its own copy of the loop, and of LBFGS's
(`_lbfgs`), calling its own `evaluate` (the interpreter's copy calls the interpreter). The
optimiser's rule is compiled from its one definition (`_kernels.parts`)."""
_APPLY = {
    "+": "{} + {}",
    "-": "{} - {}",
    "*": "{} * {}",
    "/": "{} / {}",
    "**": "power({}, {})",
    "neg": "-{}",
}

KERNEL_SOURCES = (
    Path(__file__).with_name("_kernels.py"),
    Path(__file__).with_name("codes.py"),
    Path(__file__).with_name("_lbfgs.py"),
    Path(__file__).parent.parent / "optimisation" / "lbfgs.py",
)
"""What a written module's machine code depends on besides its own text."""
Loop = Callable[..., tuple[int, int]]
"""`steps`: (data, hp, params, loss, grads, states, row, n, limits, rejected)."""


class Unsupported(Exception):
    """The formula cannot be written as code (a constant that is not finite)."""


def source(expression: Expression, steps: str, optimizer: str = "gd") -> str:
    """The module for `expression` and `optimizer`,
    around the loop's text `steps`: one assignment per distinct node of f, ∂f/∂w1 and ∂f/∂w2,
    and of H for a second-order optimiser (TooLarge past the theory's budget)."""
    roots: tuple[Node, ...] = (expression.d_w1, expression.d_w2, expression.tree)
    if REGISTRY[optimizer].second_order:
        roots += expression.second_derivatives()
    lines: list[str] = []
    names: dict[Node, str] = {}
    for node in postorder(*roots):
        if isinstance(node, Num):
            if not math.isfinite(node.value):
                raise Unsupported(f"constant {node.value}")
            names[node] = repr(node.value)
        elif isinstance(node, Var):
            names[node] = node.name
        else:
            names[node] = f"t{len(lines)}"
            code = _APPLY.get(node.op, f"np.{node.op}({{}})").format(*map(names.get, node.args))
            lines.append(f"    {names[node]} = {code}")
    d_w1, d_w2, f, *second = (names[root] for root in roots)
    hessian = "".join(f"    hess[{i}] = {name}\n" for i, name in enumerate(second))
    body = "\n".join(lines)
    return TEMPLATE.format(
        formula=expression.text,
        optimizer=optimizer,
        body=body,
        d_w1=d_w1,
        d_w2=d_w2,
        hessian=hessian,
        f=f,
        steps=steps,
    )


def cache_directory() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "tui-gradients" / "formulas"


def load(expression: Expression, optimizer: str, kernels: ModuleType) -> Loop | None:
    """The formula's own `steps` for one optimiser (loaded from the cache, or written there and
    compiled when it is first called); None if it cannot be (a constant that is not finite, or
    no writable cache directory): the interpreter stays."""
    try:
        code = source(expression, inspect.getsource(kernels.steps), optimizer)
        module = _import(_written(code, kernels.digest(optimizer)))
    except (Unsupported, OSError, TooLarge):
        return None
    steps: Loop = module.steps
    return steps


def _written(code: str, rule: str) -> Path:
    """The module's file: its name a digest of its code, of the kernels' and of the rule's
    (`_kernels.digest`)."""
    kernels = b"".join(path.read_bytes() for path in KERNEL_SOURCES)
    digest = hashlib.sha256(kernels + rule.encode() + code.encode()).hexdigest()[:24]
    path = cache_directory() / f"formula_{digest}.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(code)
        partial.replace(path)  # another process writing the same file writes the same text
    return path


def _import(path: Path) -> ModuleType:
    name = f"tui_gradients_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

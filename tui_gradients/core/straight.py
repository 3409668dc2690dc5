"""Long advances in plain Python: a formula's f and ∇f and one optimiser's update, written out
as straight-line code over floats and compiled by CPython itself.

A step of the loop in `run.py` goes through numpy on 2-vectors and a function call per part,
15–35 µs. Written out over Python floats, with the optimiser fixed and f and ∇f inlined, the
same step is a few dozen bytecodes. No numba, no compiler, nothing to install or cache: the
code is generated and compiled in a few milliseconds, the first time a formula is stepped far
by an optimiser.

The loop itself checks nothing. Each block it writes into the history is checked afterwards
with numpy, by the same rules as `run._problem` and `Run._check_convergence`, and cut at the
first step that breaks one. Where Python's float arithmetic raises instead of giving inf or
nan as numpy does (a division by zero, `math.log(0)`, an overflowing `math.exp`), the loop
stops before that step and says so (ASIDE): the caller takes the step with numpy, which gives
it numpy's meaning and, if it is bad, the same words as ever.

The update formulas are those of `optimizers.py`, operation for operation, so both loops give
the same numbers to rounding (math and numpy may round sin, exp or pow differently in the last
bit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from tui_gradients.core.expression import Apply, Expression, Node, Num, Var

FIRST_CHUNK, CHUNK = 1 << 10, 1 << 16
"""Steps written between two checks, doubling from the first to the second: past a stop the
loop runs on for at most as many steps as it had taken (and never more than a few tens of
milliseconds' worth), while a long advance pays for few checks."""
HUGE = 1e150
"""As `run.HUGE`: a loss beyond its square, or a parameter beyond the bound, has diverged."""
GOING, CONVERGED, DIVERGED, LIMIT, ASIDE = range(5)
"""Why a call ended; the first four as in `compiled`. ASIDE: the next step needs numpy."""

_UPDATES = {
    "gd": ("n{i} = w{i} - lr * g{i}",),
    "momentum": ("b{i} = mu * b{i} + g{i}", "n{i} = w{i} - lr * b{i}"),
    "nesterov": ("b{i} = mu * b{i} + g{i}", "n{i} = w{i} - lr * (g{i} + mu * b{i})"),
    "adagrad": ("s{i} = s{i} + g{i} * g{i}", "n{i} = w{i} - lr * g{i} / (sqrt(s{i}) + eps)"),
    "rmsprop": (
        "s{i} = alpha * s{i} + rest_alpha * g{i} * g{i}",
        "n{i} = w{i} - lr * g{i} / (sqrt(s{i}) + eps)",
    ),
    "adam": (
        "m{i} = beta1 * m{i} + rest_beta1 * g{i}",
        "v{i} = beta2 * v{i} + rest_beta2 * g{i} * g{i}",
        "n{i} = w{i} - lr / c1 * m{i} / (sqrt(v{i}) / c2 + eps)",
    ),
}
"""One coordinate's update, `i` being 1 or 2; the names are the state's rows in order."""
_STATE = {
    "gd": (),
    "momentum": ("b",),
    "nesterov": ("b",),
    "adagrad": ("s",),
    "rmsprop": ("s",),
    "adam": ("t", "m", "v"),
}
"""The optimiser's state rows, as `optimizers.py` stores them (adam keeps its count per
parameter, as torch does)."""
_BEFORE_UPDATE = {
    "adam": (
        "t1 = t1 + 1.0",
        "t2 = t1",
        "c1 = 1 - pow(beta1, t1)",
        "c2 = sqrt(1 - pow(beta2, t1))",
    )
}
_OPERATORS = {"+": "{} + {}", "-": "{} - {}", "*": "{} * {}", "/": "{} / {}", "neg": "-{}"}
_FUNCTIONS = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "abs": math.fabs,
    "sign": lambda x: 1.0 if x > 0 else -1.0 if x < 0 else x,  # np.sign: nan and ±0 stay
}

Loop = Callable[..., int]
"""(params, loss, grads, states, row, n, lr, mu, alpha, beta1, beta2, eps) → steps written."""


def source(formula: str, optimizer: str) -> str:
    """The loop's text: load the row, then n times update, evaluate and write the next row."""
    body, (f, d_w1, d_w2) = _straight_line(Expression.parse(formula))
    state = _STATE[optimizer]
    size = len(state)
    loads = [
        f"{name}{i} = S[{size * 2} * k + {2 * row + i - 1}]"
        for row, name in enumerate(state)
        for i in (1, 2)
    ]
    stores = [
        f"S[{size * 2} * k + {2 * row + i - 1}] = {name}{i}"
        for row, name in enumerate(state)
        for i in (1, 2)
    ]
    update = [*_BEFORE_UPDATE.get(optimizer, ())]
    update += [line.format(i=i) for i in (1, 2) for line in _UPDATES[optimizer]]
    inner = [
        *update,
        *body,
        "k += 1",
        "j = k + k",
        f"P[j] = n1; P[j + 1] = n2; L[k] = {f}; G[j] = {d_w1}; G[j + 1] = {d_w2}",
        *stores,
        f"w1 = n1; w2 = n2; g1 = {d_w1}; g2 = {d_w2}",
    ]
    lines = [
        "def steps(P, L, G, S, k, n, lr, mu, alpha, beta1, beta2, eps):",
        "    rest_alpha, rest_beta1, rest_beta2 = 1 - alpha, 1 - beta1, 1 - beta2",
        "    w1 = P[2 * k]; w2 = P[2 * k + 1]; g1 = G[2 * k]; g2 = G[2 * k + 1]",
        *(f"    {line}" for line in loads),
        "    first = k",
        "    try:",
        "        for _ in range(n):",
        *(f"            {line}" for line in inner),
        "    except (ArithmeticError, ValueError):",  # numpy would give inf or nan: see ASIDE
        "        pass",
        "    return k - first",
    ]
    return "\n".join(lines) + "\n"


def _straight_line(expression: Expression) -> tuple[list[str], tuple[str, str, str]]:
    """One assignment per distinct node of f, ∂f/∂w1 and ∂f/∂w2, children first; and the names
    holding the three. Walked with a stack, not by recursion: a formula within the parser's
    limits has derivative trees twice as deep."""
    lines: list[str] = []
    names: dict[int, str] = {}

    def name_of(node: Node) -> str | None:
        if isinstance(node, Num):
            return repr(node.value) if math.isfinite(node.value) else f"float('{node.value!r}')"
        if isinstance(node, Var):
            return "n1" if node.name == "w1" else "n2"
        return names.get(id(node))

    for root in (expression.tree, expression.d_w1, expression.d_w2):
        stack: list[Node] = [root]
        while stack:
            node = stack[-1]
            if name_of(node) is not None:
                stack.pop()
                continue
            assert isinstance(node, Apply)
            pending = [arg for arg in node.args if name_of(arg) is None]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            names[id(node)] = name = f"_{len(lines)}"
            lines.append(f"{name} = {_code(node, [name_of(arg) for arg in node.args])}")
    roots = (expression.tree, expression.d_w1, expression.d_w2)
    return lines, tuple(name_of(root) for root in roots)  # type: ignore[return-value]


def _code(node: Apply, args: list[str | None]) -> str:
    if node.op == "**":
        if node.args[1] == Num(2.0):  # as `_kernels.power`: a·a is pow(a, 2) correctly rounded
            return f"{args[0]} * {args[0]}"
        return f"pow({args[0]}, {args[1]})"  # math.pow: raises where numpy gives nan or inf
    if node.op in _OPERATORS:
        return _OPERATORS[node.op].format(*args)
    return f"{node.op}({args[0]})"


@lru_cache(maxsize=64)
def loop(formula: str, optimizer: str) -> Loop:
    """The formula's loop for one optimiser, compiled once per process."""
    namespace: dict[str, object] = {"pow": math.pow, **_FUNCTIONS}
    code = compile(source(formula, optimizer), f"<straight loop: {optimizer}>", "exec")
    exec(code, namespace)  # our own generated text: names and numbers, nothing typed
    return namespace["steps"]  # type: ignore[return-value]


def advance(formula, optimizer, hyper, history, row, n, limits) -> tuple[int, int, np.ndarray]:
    """Up to n steps after history row `row`, written into `history` = (params, loss, grads,
    states) arrays; returns (steps taken, why it ended, the rejected step's params, loss and
    grads when it DIVERGED), as `compiled.advance` does."""
    P, L, G, S = history
    max_steps, tol, bound = limits
    views = [memoryview(array.reshape(-1)) for array in (P, L, G, S)]
    run = loop(formula, optimizer)
    allowed = max(0, min(n, int(max_steps) - row))
    taken, size = 0, FIRST_CHUNK
    while taken < allowed:
        chunk, size = min(size, allowed - taken), min(2 * size, CHUNK)
        written = run(*views, row, chunk, *hyper)
        rows = slice(row + 1, row + 1 + written)
        bad = _first(_bad(P[rows], L[rows], G[rows], bound))
        converged = _first(_converged(G[rows], tol)) if tol > 0 else None
        if bad is not None and (converged is None or bad <= converged):
            at = row + 1 + bad
            return taken + bad, DIVERGED, np.concatenate([P[at], [L[at]], G[at]])
        if converged is not None:
            return taken + converged + 1, CONVERGED, np.empty(0)
        taken, row = taken + written, row + written
        if written < chunk:
            return taken, ASIDE, np.empty(0)
    return taken, LIMIT if taken < n else GOING, np.empty(0)


def _bad(params: np.ndarray, loss: np.ndarray, grads: np.ndarray, bound: float) -> np.ndarray:
    """Per row, what `run._problem` refuses."""
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(params).all(axis=1) & np.isfinite(loss) & np.isfinite(grads).all(1)
        return ~finite | (np.abs(params).max(axis=1) > bound) | (np.abs(loss) > HUGE * HUGE)


def _converged(grads: np.ndarray, tol: float) -> np.ndarray:
    """Per row, ‖∇‖ < tol, summed in the order `Run._check_convergence` sums."""
    with np.errstate(over="ignore"):
        return np.sqrt(grads[:, 0] * grads[:, 0] + grads[:, 1] * grads[:, 1]) < tol


def _first(flags: np.ndarray) -> int | None:
    index = int(np.argmax(flags)) if flags.size else 0
    return index if flags.size and flags[index] else None

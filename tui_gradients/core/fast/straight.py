"""Long advances in plain Python: a formula's f and ∇f (or the chain's forward and backward
pass) written out as straight-line code over floats and compiled by CPython itself, calling the
optimiser's rule (`rules`) on floats, coordinate by coordinate.

A step of the loop in `run.py` goes through numpy on 2-vectors and a function call per part,
15–35 µs. Written out over Python floats, with f and ∇f inlined and the rule called as it is
defined, the same step is a few function calls. No numba, no compiler, nothing to install or
cache: the code is generated and compiled in a few milliseconds, the first time a formula is
stepped far by an optimiser.

The loop itself checks nothing. Each block it writes into the history is checked afterwards
with numpy, by the same rules as `run._problem` and `Run._check_convergence`, and cut at the
first step that breaks one. Where Python's float arithmetic raises instead of giving inf or
nan as numpy does (a division by zero, `math.log(0)`, an overflowing `math.exp`), the loop
stops before that step and says so (ASIDE): the caller takes the step with numpy, which gives
it numpy's meaning and, if it is bad, the same words as ever.

Both loops run the same rule, so they give the same numbers to rounding (math and numpy may
round sin, exp or pow differently in the last bit).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np

from tui_gradients.core.fast.codes import ASIDE, CONVERGED, DIVERGED, GOING, HUGE, LIMIT
from tui_gradients.core.network.chain import ACTIVATION_NAMES, passes
from tui_gradients.core.objectives.expression import Expression, TooLarge
from tui_gradients.core.objectives.tree import Apply, Node, Num, Var, postorder
from tui_gradients.core.optimisation import lbfgs
from tui_gradients.core.optimisation.optimizers import REGISTRY
from tui_gradients.core.optimisation.rules import RULES, newton_direction
from tui_gradients.core.optimisation.schedules import Schedule
from tui_gradients.core.optimisation.updates import Hyper, sign

FIRST_CHUNK, CHUNK = 1 << 10, 1 << 16
"""Steps written between two checks, doubling from the first to the second: past a stop the
loop runs on for at most as many steps as it had taken (and never more than a few tens of
milliseconds' worth), while a long advance pays for few checks."""

_NEWTON = (
    "ok_, x1, x2 = newton_direction(diagonal, k11, k12, k22, g1, g2)",
    "if not ok_: raise ArithmeticError",  # numpy takes the step and says why (ASIDE)
)
_NEWTON_STEP = "n{i} = w{i} - lr * x{i}"
"""Newton's step (`rules.newton_direction`, called as it is), H = [[k11, k12], [k12, k22]] at
w. Every other optimiser's update is its rule's."""
_RULE = (
    "u_, st{i} = update(hq, g{i}, w{i}, st{i})",
    "n{i} = w{i} - lr * u_",
)
"""One coordinate's step by the optimiser's rule, called on floats; one not scaled by lr
returns its whole step (`_UNSCALED`); hq is the settings in force (a schedule may cycle the
momentum). No name may be one a problem's code uses (c, Q, W, and a formula's _0, _1, …)."""
_UNSCALED = "n{i} = w{i} - u_"
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
    "sign": sign,  # the rules' own, as np.sign: nan and ±0 stay
}

Key = tuple[Any, ...]
"""What a loop computes: ("plane", Expression) or ("chain", depth, activation, x, y)."""
History = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(params, loss, grads, states): the rows a loop reads its start from and writes into."""
Limits = tuple[float, float, float]
"""(max_steps, tol, bound)."""
Rows = Any
"""A history array as a loop reads it: flat float64 memoryviews (typeshed takes a
memoryview's items for ints)."""
Outcome = tuple[int, int, np.ndarray]
"""(steps taken, why the loop ended, the rejected step's params, loss and grads if DIVERGED)."""
Loop = Callable[..., int]
"""(params, loss, grads, states, row, n, the settings as `rules.Hyper`) → steps written."""


def source(problem: Key, optimizer: str, scheduled: bool = False, cycled: str = "") -> str:
    """The loop's text for `problem` (see Key): load the row, then n times update, evaluate and
    write the next row. A second-order optimiser's loop evaluates the formula's Hessian too
    (TooLarge where its second derivatives are past the theory's budget); a `scheduled` one
    calls the schedule's own `next` after each update (`_SCHEDULED`), and where the schedule
    cycles the setting named `cycled`, its `momentum` before each update."""
    second_order = problem[0] == "plane" and REGISTRY[optimizer].second_order  # the chain: none
    body, f, grads = _problem_code(problem, second_order)
    hessian: tuple[str, ...] = ()
    if second_order:
        *grads, h11, h12, h22 = grads
        hessian = (f"k11 = {h11}", f"k12 = {h12}", f"k22 = {h22}")
    return _loop_text(body, f, grads, optimizer, hessian, scheduled, cycled)


def _problem_code(problem: Key, hessian: bool = False) -> tuple[list[str], str, list[str]]:
    """The lines computing the problem's loss and gradient from n1, n2, … (and for a formula
    with `hessian`, its three second derivatives after the gradient); the loss's name and the
    others'."""
    if problem[0] == "plane":
        body, (f, *grads) = _straight_line(problem[1], hessian)
        return body, f, grads
    return _chain(*problem[1:])


_SCHEDULE_STATE = ("sc", "sr", "sb", "sd", "so")
"""`transforms.ScheduleState`'s rows, after the optimiser's own: the scheduler's step count,
the lr in force, and the plateau rule's best loss, bad steps and cooldown."""
_SCHEDULED = (
    "r_, (b_, d_, o_) = schedule_next(lr, int(sc1) + 1, base, f0, (sb1, sd1, so1))",
    *(
        f"{name}{{i}} = {value}"
        for name, value in zip(
            _SCHEDULE_STATE, ("sc{i} + 1.0", "r_", "b_", "d_", "o_"), strict=True
        )
    ),
)
"""After the update, the schedule's step as `scale_by_schedule` takes it: torch's formulas are
called, not copied (`Schedule.next`), given the loss the update's gradient came with (f0); the
update itself used the lr in force, read from the state."""


def _loop_text(
    body: list[str],
    f: str,
    grads: list[str],
    optimizer: str,
    hessian: tuple[str, ...] = (),
    scheduled: bool = False,
    cycled: str = "",
) -> str:
    """`body` computes the loss `f` and the gradient `grads` from the new parameters n1, n2, …
    (the current ones are w1, w2, … and their gradient g1, g2, …); `hessian` sets k11, k12 and
    k22 from what the body computed, for a second-order optimiser, which also evaluates it once
    at the row loaded."""
    rule = RULES.get(optimizer)
    fields = rule.fields if rule is not None else ()
    schedule = _SCHEDULE_STATE if scheduled else ()
    size, rows = len(grads), len(fields) + len(schedule)
    coordinates = range(1, size + 1)

    def at(row: int, i: int) -> str:
        return f"S[{size * rows} * k + {size * row + i - 1}]"

    loads = [
        f"st{i} = State({', '.join(at(row, i) for row in range(len(fields)))})"
        for i in coordinates
        if rule is not None
    ]
    stores = [f"{at(row, i)} = st{i}[{row}]" for row in range(len(fields)) for i in coordinates]
    for row, name in enumerate(schedule, start=len(fields)):
        loads += [f"{name}{i} = {at(row, i)}" for i in coordinates]
        stores += [f"{at(row, i)} = {name}{i}" for i in coordinates]
    update = ["lr = sr1"] if scheduled else []
    if cycled:
        update.append(f"hq = hp._replace({cycled}=schedule_momentum(int(sc1)))")
    if rule is None:
        update += [*_NEWTON]
        per_coordinate: tuple[str, ...] = (_NEWTON_STEP,)
    else:
        per_coordinate = _RULE if rule.scaled_by_lr else (_RULE[0], _UNSCALED)
    update += [line.format(i=i) for i in coordinates for line in per_coordinate]
    if scheduled:
        update += [
            _SCHEDULED[0],
            *(line.format(i=i) for i in coordinates for line in _SCHEDULED[1:]),
        ]
    writes = [f"P[j + {i - 1}] = n{i}; G[j + {i - 1}] = {grads[i - 1]}" for i in coordinates]
    inner = [
        *update,
        *body,
        "k += 1",
        f"j = {size} * k",
        f"L[k] = {f}",
        *writes,
        *stores,
        *(f"w{i} = n{i}; g{i} = {grads[i - 1]}" for i in coordinates),
        *hessian,
        *([f"f0 = {f}"] if scheduled else []),
    ]
    at_row = [*(f"n{i} = w{i}" for i in coordinates), *body, *hessian] if hessian else []
    arguments = "hp, schedule_next, schedule_momentum" if scheduled else "hp"
    lines = [
        f"def steps(P, L, G, S, k, n, {arguments}):",
        "    lr, hq = hp.lr, hp",
        *_scratch(size),
        *(["    base, f0 = lr, L[k]"] if scheduled else []),
        *(
            f"    w{i} = P[{size} * k + {i - 1}]; g{i} = G[{size} * k + {i - 1}]"
            for i in coordinates
        ),
        *(f"    {line}" for line in loads),
        "    first = k",
        "    try:",
        *(f"        {line}" for line in at_row),
        "        for _ in range(n):",
        *(f"            {line}" for line in inner),
        "    except (ArithmeticError, ValueError):",  # numpy would give inf or nan: see ASIDE
        "        pass",
        "    return k - first",
    ]
    return "\n".join(lines) + "\n"


def _scratch(size: int) -> tuple[str, ...]:
    """The lists the chain's pass writes into: the gradient, and its work rows."""
    return (f"    Q, W = [0.0] * {size}, [[0.0] * {size} for _ in range(5)]",)


def _chain(depth: int, activation: str, x: float, y: float) -> tuple[list[str], str, list[str]]:
    """The chain's forward and backward pass (`chain.passes`, called as it is) from the new
    parameters n1…n{2·depth}: the weights, then the biases."""
    names = ", ".join(f"n{i}" for i in range(1, 2 * depth + 1))
    kind = ACTIVATION_NAMES.index(activation)
    lines = [
        f"c = passes({depth}, {kind}, {float(x)!r}, {float(y)!r}, [{names}], Q, W)",
    ]
    return lines, "c", [f"Q[{i}]" for i in range(2 * depth)]


def _straight_line(
    expression: Expression, hessian: bool = False
) -> tuple[list[str], tuple[str, ...]]:
    """One assignment per distinct node of f, ∂f/∂w1 and ∂f/∂w2 (and, with `hessian`,
    ∂²f/∂w1², ∂²f/∂w1∂w2 and ∂²f/∂w2²), arguments first; and the names holding them."""
    roots: tuple[Node, ...] = (expression.tree, expression.d_w1, expression.d_w2)
    if hessian:
        roots += expression.second_derivatives()
    lines: list[str] = []
    names: dict[Node, str] = {}
    for node in postorder(*roots):
        if isinstance(node, Num):
            value = node.value
            names[node] = repr(value) if math.isfinite(value) else f"float('{value!r}')"
        elif isinstance(node, Var):
            names[node] = "n1" if node.name == "w1" else "n2"
        else:
            names[node] = name = f"_{len(lines)}"
            lines.append(f"{name} = {_code(node, [names[arg] for arg in node.args])}")
    return lines, tuple(names[root] for root in roots)


def _code(node: Apply, args: list[str]) -> str:
    if node.op == "**":
        if node.args[1] == Num(2.0):  # as `_kernels.power`: a·a is pow(a, 2) correctly rounded
            return f"{args[0]} * {args[0]}"
        return f"pow({args[0]}, {args[1]})"  # math.pow: raises where numpy gives nan or inf
    if node.op in _OPERATORS:
        return _OPERATORS[node.op].format(*args)
    return f"{node.op}({args[0]})"


@lru_cache(maxsize=64)
def loop(problem: Key, optimizer: str, scheduled: bool = False, cycled: str = "") -> Loop:
    """The problem's loop for one optimiser (with a schedule or without, cycling the setting
    `cycled` or none), compiled once per process."""
    if optimizer == "lbfgs":
        return _lbfgs_loop(evaluator(problem))
    rule = RULES.get(optimizer)
    if rule is None:
        parts = {"newton_direction": newton_direction, "diagonal": optimizer == "newton_diag"}
    else:
        parts = {"update": rule.update, "State": rule.state}
    return _compiled(source(problem, optimizer, scheduled, cycled), "steps", parts)


@lru_cache(maxsize=64)
def evaluator(problem: Key) -> Callable[..., float]:
    """The problem's f and ∇f for `lbfgs.iterate` as straight-line code (`evaluator_source`)."""
    return _compiled(evaluator_source(problem), "evaluate")


def _compiled(text: str, name: str, parts: dict[str, object] | None = None) -> Callable[..., Any]:
    namespace: dict[str, object] = {
        "pow": math.pow,
        "inf": math.inf,
        "passes": passes,
        **_FUNCTIONS,
        **(parts or {}),
    }
    exec(compile(text, f"<straight {name}>", "exec"), namespace)  # our own text: nothing typed
    function = namespace[name]
    assert callable(function)
    return function


def evaluator_source(problem: Key) -> str:
    """`evaluate(x, g)`: f at the point x (a list), its gradient written into g."""
    body, f, grads = _problem_code(problem)
    names = ", ".join(f"n{i}" for i in range(1, len(grads) + 1))
    lines = [
        "def evaluate(x, g):",
        *_scratch(len(grads)),
        f"    {names}, = x",
        *(f"    {line}" for line in body),
        *(f"    g[{i}] = {grad}" for i, grad in enumerate(grads)),
        f"    return {f}",
    ]
    return "\n".join(lines) + "\n"


def _lbfgs_loop(evaluate: Callable[..., float]) -> Loop:
    """LBFGS's loop: `lbfgs.iterate` on Python floats, evaluating f and ∇f as straight-line
    code, its state kept as lists from step to step. A step that would not move, or whose
    arithmetic raises, is left to numpy (ASIDE), which says why."""

    def steps(P: Rows, L: Rows, G: Rows, S: Rows, k: int, n: int, hp: Hyper) -> int:
        memory, max_iter = int(hp.history_size), int(hp.max_iter)
        lr, line_search = hp.lr, hp.line_search != 0
        size = len(P) // len(L)
        rows = lbfgs.state_rows(memory)
        width = rows * size
        flat = S[width * k : width * (k + 1)].tolist()
        state = [flat[size * row : size * (row + 1)] for row in range(rows)]
        params, grads = P[size * k : size * (k + 1)].tolist(), G[size * k : size * (k + 1)].tolist()
        loss = L[k]
        work, al = [[0.0] * size for _ in range(lbfgs.WORK_ROWS)], [0.0] * memory
        first = k
        try:
            for _ in range(n):
                x = params[:]
                ended = lbfgs.iterate(
                    evaluate, params, loss, grads, state, x, work, al, lr, max_iter, memory,
                    line_search,
                )  # fmt: skip
                if ended != lbfgs.MOVED:
                    break
                x = [w - (w - end) for w, end in zip(params, x, strict=True)]  # as numpy does
                loss = evaluate(x, grads)
                k += 1
                L[k] = loss
                P[size * k : size * (k + 1)] = array("d", x)
                G[size * k : size * (k + 1)] = array("d", grads)
                S[width * k : width * (k + 1)] = array("d", chain.from_iterable(state))
                params = x
        except (ArithmeticError, ValueError):  # numpy would give inf or nan: see ASIDE
            pass
        return k - first

    return steps


def advance(
    problem: Key,
    optimizer: str,
    hyper: Hyper,
    history: History,
    row: int,
    n: int,
    limits: Limits,
    schedule: Schedule | None = None,
) -> Outcome:
    """Up to n steps after history row `row`, written into `history` = (params, loss, grads,
    states) arrays, under `schedule` if any; returns (steps taken, why it ended, the rejected
    step's params, loss and grads when it DIVERGED), as `fast.advance` does."""
    P, L, G, S = history
    max_steps, tol, bound = limits
    views = [values.reshape(-1).data for values in (P, L, G, S)]
    extra = () if schedule is None else (schedule.next, schedule.momentum)
    rule = RULES.get(optimizer)
    cycled = rule.cycled if rule and schedule and schedule.cycles_momentum else None
    try:
        run = loop(problem, optimizer, schedule is not None, cycled or "")
    except TooLarge:  # no Hessian to step with: numpy takes the step, and refuses it
        return 0, ASIDE, np.empty(0)
    allowed = max(0, min(n, int(max_steps) - row))
    taken, size = 0, FIRST_CHUNK
    while taken < allowed:
        chunk, size = min(size, allowed - taken), min(2 * size, CHUNK)
        written = run(*views, row, chunk, hyper, *extra)
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
        bad: np.ndarray = ~finite | (np.abs(params).max(axis=1) > bound)
        bad |= np.abs(loss) > HUGE * HUGE
        return bad


def _converged(grads: np.ndarray, tol: float) -> np.ndarray:
    """Per row, ‖∇‖ < tol, the squares summed in order, as numba's loop sums them."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = grads[:, 0] * grads[:, 0]
        for column in range(1, grads.shape[1]):
            total = total + grads[:, column] * grads[:, column]
        converged: np.ndarray = np.sqrt(total) < tol
        return converged


def _first(flags: np.ndarray) -> int | None:
    index = int(np.argmax(flags)) if flags.size else 0
    return index if flags.size and flags[index] else None

"""Formula trees: their nodes, their value at a point, and their exact derivatives.

No function here recurses: every walk goes through `postorder`, so a formula as deep as the
parser allows is as safe as a shallow one.

Every operation is numpy float64 with floating-point errors silenced: an overflow gives `inf`,
a bad logarithm gives `nan`, and the caller decides what a non-finite value means.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

VARIABLES = ("w1", "w2")
CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}
FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
}
# `sign` appears only in derivatives (of abs); a person cannot type it.
INTERNAL_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {**FUNCTIONS, "sign": np.sign}
ALL_FUNCTIONS = tuple(INTERNAL_FUNCTIONS)
"""Every function a tree may hold, typed or made by differentiating."""

BINARY_EVAL: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
}
BINARY_OPERATORS = tuple(BINARY_EVAL)

# --- the tree ---------------------------------------------------------------------------------
# Nodes are interned: building a node equal to one that exists returns that one. So a formula and
# its derivatives form one graph in which each distinct subexpression is a single object, two
# nodes are equal exactly when they are the same object (`==` and hashing cost nothing), and a
# walk that visits each object once (`postorder`) costs the size of the graph. Differentiating
# `1/(1/(…(w1)…))` repeats its inner parts many times over: walked as a tree, the second
# derivative of 98 such levels has millions of nodes; as a graph, a few thousand.


T = TypeVar("T")
_INTERNING = threading.Lock()


def _intern(
    cls: type[T], table: weakref.WeakValueDictionary[Any, T], key: object, **fields: object
) -> T:
    """The node of `cls` under `key` in `table`, made with `fields` the first time (under a
    lock: a thread compiling a formula's loop builds trees too, and two equal nodes made at
    once would be two objects)."""
    with _INTERNING:
        node = table.get(key)
        if node is None:
            node = object.__new__(cls)
            for name, value in fields.items():
                object.__setattr__(node, name, value)
            table[key] = node
        return node


class Num:
    """A constant."""

    __slots__ = ("__weakref__", "value")
    _interned: weakref.WeakValueDictionary[str, Num] = weakref.WeakValueDictionary()
    value: float
    variable = False

    def __new__(cls, value: float) -> Num:
        value = float(value)
        # hex tells 0.0 from -0.0 (0.0 == -0.0 would merge them)
        return _intern(cls, cls._interned, value.hex(), value=value)

    def __repr__(self) -> str:
        return f"Num({self.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return Num, (self.value,)


class Var:
    """`w1` or `w2`."""

    __slots__ = ("__weakref__", "name")
    _interned: weakref.WeakValueDictionary[str, Var] = weakref.WeakValueDictionary()
    name: str
    variable = True

    def __new__(cls, name: str) -> Var:
        return _intern(cls, cls._interned, name, name=name)

    def __repr__(self) -> str:
        return f"Var({self.name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return Var, (self.name,)


class Apply:
    """An operator (`+`, `-`, `*`, `/`, `**`, `neg`) or a named function applied to arguments."""

    __slots__ = ("__weakref__", "args", "op", "variable")
    _interned: weakref.WeakValueDictionary[tuple[Any, ...], Apply] = weakref.WeakValueDictionary()
    op: str
    args: tuple[Node, ...]
    variable: bool
    """Whether w1 or w2 appears in it (known as it is built: asking costs nothing)."""

    def __new__(cls, op: str, args: tuple[Node, ...]) -> Apply:
        # The arguments are interned, so their identities name them; a key holding the id of
        # an argument lives only as long as the node, which keeps that argument alive.
        variable = any(arg.variable for arg in args)
        key = (op, *map(id, args))
        return _intern(cls, cls._interned, key, op=op, args=tuple(args), variable=variable)

    def __repr__(self) -> str:
        return f"Apply({self.op!r}, {len(self.args)} args)"

    def __reduce__(self) -> tuple[Any, ...]:
        return Apply, (self.op, self.args)


Node = Num | Var | Apply
ZERO, ONE, TWO = Num(0.0), Num(1.0), Num(2.0)


def postorder(*roots: Node) -> list[Node]:
    """Every distinct node under `roots`, each once, arguments before the nodes that use them.
    With a stack, not by recursion: the depth of a formula is the user's to choose."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if isinstance(node, Apply):
            stack.extend((arg, False) for arg in reversed(node.args) if id(arg) not in seen)
    return order


@lru_cache(maxsize=256)
def _evaluation_order(roots: tuple[Node, ...]) -> tuple[Node, ...]:
    """`postorder`, walked once per formula: a typed formula is evaluated on every step of a
    run and on every point of the contour grid."""
    return tuple(postorder(*roots))


def size(*roots: Node) -> int:
    """Distinct nodes under `roots`: what evaluating them costs."""
    return len(postorder(*roots))


def evaluate(node: Node, w1: np.ndarray | float, w2: np.ndarray | float) -> np.ndarray:
    """Value of the tree at (w1, w2); broadcasts over numpy arrays. Never raises on bad maths."""
    return evaluate_all([node], w1, w2)[0]


def evaluate_all(
    roots: list[Node], w1: np.ndarray | float, w2: np.ndarray | float
) -> list[np.ndarray]:
    """The values of several trees at (w1, w2), each shared node computed once."""
    env = {"w1": np.asarray(w1, float), "w2": np.asarray(w2, float)}
    values: dict[int, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for node in _evaluation_order(tuple(roots)):
            values[id(node)] = _apply(node, [values[id(arg)] for arg in _args(node)], env)
    return [values[id(root)] for root in roots]


def _args(node: Node) -> tuple[Node, ...]:
    return node.args if isinstance(node, Apply) else ()


def _apply(node: Node, args: list[np.ndarray], env: dict[str, np.ndarray]) -> Any:
    """One node's value: a numpy scalar or array."""
    if isinstance(node, Num):
        return np.float64(node.value)
    if isinstance(node, Var):
        return env[node.name]
    if node.op == "neg":
        return np.negative(args[0])
    if node.op in BINARY_EVAL:
        return BINARY_EVAL[node.op](*args)
    return INTERNAL_FUNCTIONS[node.op](args[0])


# --- as text ----------------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
"""How tightly each operator binds, as in Python; a call binds tightest (5)."""


def show(root: Node, digits: int = 4) -> str:
    """The tree as a formula to read: constants to `digits` significant digits, parentheses
    only where Python needs them, no `**1` and no factor 1, `a + -b` as `a - b`. For reading
    only: the tree is what is computed with."""
    shown: dict[int, tuple[str, int]] = {}
    for node in postorder(root):
        shown[id(node)] = _shown(node, [shown[id(arg)] for arg in _args(node)], digits)
    return shown[id(root)][0]


def _shown(node: Node, args: list[tuple[str, int]], digits: int) -> tuple[str, int]:
    """(text, precedence) of one node, its arguments' already shown."""
    if isinstance(node, Num):
        text = f"{node.value:.{digits}g}"
        return text, 3 if text.startswith("-") else 5
    if isinstance(node, Var):
        return node.name, 5
    if node.op not in _PRECEDENCE:
        return f"{node.op}({args[0][0]})", 5
    level = _PRECEDENCE[node.op]
    if node.op == "neg":
        return f"-{_wrapped(args[0], level)}", level
    (left, left_level), right = args
    if node.op == "**" and right[0] == "1":
        return left, left_level
    if node.op == "*" and left == "1":
        return right
    if node.op == "+" and right[0].startswith("-") and right[1] >= 2:
        return f"{_wrapped(args[0], level)} - {right[0][1:]}", level
    tight = {"-": 1, "/": 1, "**": 0}.get(node.op, 0)  # where equal levels on the right need ()
    left_text = _wrapped((left, left_level), level + (node.op == "**"))
    right_text = _wrapped(right, level + tight)
    spaced = " " if level == 1 else ""
    return f"{left_text}{spaced}{node.op}{spaced}{right_text}", level


def _wrapped(shown: tuple[str, int], level: int) -> str:
    text, own = shown
    return text if own >= level else f"({text})"


# --- building with light simplification ------------------------------------------------------
# Without folding, derivatives fill up with `0*…` and `1*…`; these keep the gradient trees small.


def _add(a: Node, b: Node) -> Node:
    if a == ZERO:
        return b
    if b == ZERO:
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value + b.value)
    return Apply("+", (a, b))


def _sub(a: Node, b: Node) -> Node:
    if b == ZERO:
        return a
    if a == ZERO:
        return negate(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value - b.value)
    return Apply("-", (a, b))


def _mul(a: Node, b: Node) -> Node:
    if ZERO in (a, b):
        return ZERO
    if a == ONE:
        return b
    if b == ONE:
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value * b.value)
    return Apply("*", (a, b))


def _div(a: Node, b: Node) -> Node:
    if a == ZERO:
        return ZERO
    if b == ONE:
        return a
    return Apply("/", (a, b))


def _pow(a: Node, b: Node) -> Node:
    if b == ONE:
        return a
    if b == ZERO:
        return ONE
    return Apply("**", (a, b))


def negate(a: Node) -> Node:
    if isinstance(a, Num):
        return Num(-a.value)
    return Apply("neg", (a,))


def call_function(name: str, a: Node) -> Node:
    return Apply(name, (a,))


# --- symbolic differentiation ----------------------------------------------------------------


def derivative(node: Node, var: str) -> Node:
    """The tree of ∂node/∂var, by the usual rules (chain, product, quotient, power), node by
    node in `postorder`: each distinct subexpression is differentiated once."""
    done: dict[int, Node] = {}
    for part in postorder(node):
        done[id(part)] = _rule(part, var, [done[id(arg)] for arg in _args(part)])
    return done[id(node)]


def _rule(node: Node, var: str, d: list[Node]) -> Node:
    """∂node/∂var, given the derivatives `d` of its arguments."""
    if isinstance(node, Num):
        return ZERO
    if isinstance(node, Var):
        return ONE if node.name == var else ZERO
    op, args = node.op, node.args
    if op == "neg":
        return negate(d[0])
    if op in ("+", "-"):
        return (_add if op == "+" else _sub)(d[0], d[1])
    if op == "*":
        u, v = args
        return _add(_mul(d[0], v), _mul(u, d[1]))
    if op == "/":
        u, v = args
        numerator = _sub(_mul(d[0], v), _mul(u, d[1]))
        return _div(numerator, _pow(v, TWO))
    if op == "**":
        return _power_derivative(args[0], args[1], d[0], d[1])
    return _mul(_outer_derivative(op, args[0]), d[0])


def _power_derivative(u: Node, v: Node, du: Node, dv: Node) -> Node:
    if dv == ZERO:  # u**c: c·u**(c−1)·u′, valid for negative u too
        return _mul(_mul(v, _pow(u, _sub(v, ONE))), du)
    # General u**v = exp(v·log u): u**v·(v′·log u + v·u′/u).
    return _mul(Apply("**", (u, v)), _add(_mul(dv, call_function("log", u)), _div(_mul(v, du), u)))


def _outer_derivative(name: str, u: Node) -> Node:
    """d name(u) / du, as a tree in u."""
    rules: dict[str, Callable[[], Node]] = {
        "sin": lambda: call_function("cos", u),
        "cos": lambda: negate(call_function("sin", u)),
        "tan": lambda: _div(ONE, _pow(call_function("cos", u), TWO)),
        "exp": lambda: call_function("exp", u),
        "log": lambda: _div(ONE, u),
        "sqrt": lambda: _div(ONE, _mul(TWO, call_function("sqrt", u))),
        "tanh": lambda: _sub(ONE, _pow(call_function("tanh", u), TWO)),
        "abs": lambda: call_function("sign", u),
        "sign": lambda: ZERO,  # in a second derivative of abs: 0 wherever it is defined
    }
    return rules[name]()


def has_variable(node: Node) -> bool:
    return node.variable

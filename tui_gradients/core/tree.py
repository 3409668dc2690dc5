"""Formula trees: their nodes, their value at a point, and their exact derivatives.

Every operation is numpy float64 with floating-point errors silenced: an overflow gives `inf`,
a bad logarithm gives `nan`, and the caller decides what a non-finite value means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
INTERNAL_FUNCTIONS = {**FUNCTIONS, "sign": np.sign}
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

# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Apply:
    """An operator (`+`, `-`, `*`, `/`, `**`, `neg`) or a named function applied to arguments."""

    op: str
    args: tuple[Node, ...]


Node = Num | Var | Apply
ZERO, ONE, TWO = Num(0.0), Num(1.0), Num(2.0)


def evaluate(node: Node, w1: np.ndarray | float, w2: np.ndarray | float) -> np.ndarray:
    """Value of the tree at (w1, w2); broadcasts over numpy arrays. Never raises on bad maths."""
    with np.errstate(all="ignore"):
        return _evaluate(node, {"w1": np.asarray(w1, float), "w2": np.asarray(w2, float)})


def _evaluate(node: Node, env: dict[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, Num):
        return np.float64(node.value)
    if isinstance(node, Var):
        return env[node.name]
    args = [_evaluate(arg, env) for arg in node.args]
    if node.op == "neg":
        return np.negative(args[0])
    if node.op in BINARY_EVAL:
        return BINARY_EVAL[node.op](*args)
    return INTERNAL_FUNCTIONS[node.op](args[0])


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
    """The tree of ∂node/∂var, by the usual rules (chain, product, quotient, power)."""
    if isinstance(node, Num):
        return ZERO
    if isinstance(node, Var):
        return ONE if node.name == var else ZERO
    op, args = node.op, node.args
    if op == "neg":
        return negate(derivative(args[0], var))
    if op in ("+", "-"):
        combine = _add if op == "+" else _sub
        return combine(derivative(args[0], var), derivative(args[1], var))
    if op == "*":
        u, v = args
        return _add(_mul(derivative(u, var), v), _mul(u, derivative(v, var)))
    if op == "/":
        u, v = args
        numerator = _sub(_mul(derivative(u, var), v), _mul(u, derivative(v, var)))
        return _div(numerator, _pow(v, TWO))
    if op == "**":
        return _power_derivative(args[0], args[1], var)
    return _mul(_outer_derivative(op, args[0]), derivative(args[0], var))


def _power_derivative(u: Node, v: Node, var: str) -> Node:
    du, dv = derivative(u, var), derivative(v, var)
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
    }
    return rules[name]()


def has_variable(node: Node) -> bool:
    if isinstance(node, Var):
        return True
    return isinstance(node, Apply) and any(has_variable(arg) for arg in node.args)

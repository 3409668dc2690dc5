"""A safe evaluator for loss functions typed by a person, with exact symbolic gradients.

The text is parsed by Python's `ast` and then walked against a whitelist: numbers, the
variables `w1` and `w2`, the constants `pi` and `e`, `+ - * / **`, unary minus and a few named
functions. Nothing typed is ever passed to `eval`/`exec`. The tree is differentiated
symbolically, so the gradient is exact (to rounding), not a finite difference.

All arithmetic happens in numpy float64 with floating-point errors silenced: an overflow gives
`inf`, a bad logarithm gives `nan`, and the caller decides what a non-finite value means.
Python's own integer arithmetic is never used, so `9**9**9` cannot hang the process.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_gradients.core.errors import SettingError

MAX_LENGTH = 1000
"""Longest expression accepted, in characters."""
MAX_DEPTH = 100
"""Deepest nesting of operations accepted (a chain a+b+c+… counts one level per term).

The derivative trees nest about twice as deep, which stays well inside Python's recursion limit."""
MAX_EXPONENT = 1000.0
"""Largest constant exponent accepted (in absolute value); beyond it float64 only gives 0 or inf."""

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
_INTERNAL_FUNCTIONS = {**FUNCTIONS, "sign": np.sign}
ALL_FUNCTIONS = tuple(_INTERNAL_FUNCTIONS)
"""Every function a tree may hold, typed or made by differentiating."""

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_BINARY_EVAL: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
}
BINARY_OPERATORS = tuple(_BINARY_EVAL)

# Names of AST node types, for messages that say what was typed rather than "unsupported".
_DESCRIPTIONS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment (:=)",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "strings",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
}


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
    if node.op in _BINARY_EVAL:
        return _BINARY_EVAL[node.op](*args)
    return _INTERNAL_FUNCTIONS[node.op](args[0])


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
        return _neg(b)
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


def _neg(a: Node) -> Node:
    if isinstance(a, Num):
        return Num(-a.value)
    return Apply("neg", (a,))


def _call(name: str, a: Node) -> Node:
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
        return _neg(derivative(args[0], var))
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
    return _mul(Apply("**", (u, v)), _add(_mul(dv, _call("log", u)), _div(_mul(v, du), u)))


def _outer_derivative(name: str, u: Node) -> Node:
    """d name(u) / du, as a tree in u."""
    rules: dict[str, Callable[[], Node]] = {
        "sin": lambda: _call("cos", u),
        "cos": lambda: _neg(_call("sin", u)),
        "tan": lambda: _div(ONE, _pow(_call("cos", u), TWO)),
        "exp": lambda: _call("exp", u),
        "log": lambda: _div(ONE, u),
        "sqrt": lambda: _div(ONE, _mul(TWO, _call("sqrt", u))),
        "tanh": lambda: _sub(ONE, _pow(_call("tanh", u), TWO)),
        "abs": lambda: _call("sign", u),
    }
    return rules[name]()


# --- parsing: text → whitelisted tree --------------------------------------------------------


def _fail(message: str, node: ast.AST | None = None) -> SettingError:
    where = (
        f" (at column {node.col_offset + 1})"
        if node is not None and hasattr(node, "col_offset")
        else ""
    )
    return SettingError("expr", message + where)


def parse(text: str) -> Node:
    """Parse `text` into a tree, refusing anything off the whitelist with a message saying what."""
    if not isinstance(text, str) or not text.strip():
        raise SettingError("expr", "the expression is empty; type a formula in w1 and w2")
    if len(text) > MAX_LENGTH:
        raise SettingError("expr", f"too long: {len(text)} characters (limit {MAX_LENGTH})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise SettingError("expr", f"not a formula: {error.msg}{column}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise SettingError("expr", f"not a formula: {error}") from None
    return _convert(tree.body, depth=0)


def _convert(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise _fail(f"nested too deeply (limit {MAX_DEPTH} levels)", node)
    match node:
        case ast.Constant(value=bool()) | ast.Constant(value=str()) | ast.Constant(value=bytes()):
            raise _fail(f"only numbers are allowed, not {type(node.value).__name__} values", node)
        case ast.Constant(value=int() | float() as value):
            return _number(value, node)
        case ast.Constant():
            raise _fail(f"only real numbers are allowed, not {node.value!r}", node)
        case ast.Name(id=name):
            return _name(name, node)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return _neg(_convert(operand, depth + 1))
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return _convert(operand, depth + 1)
        case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINARY:
            symbol = _BINARY[type(op)]
            a, b = _convert(left, depth + 1), _convert(right, depth + 1)
            if symbol == "**":
                _check_exponent(b, node)
            return Apply(symbol, (a, b))
        case ast.BinOp(op=op):
            raise _fail(f"the operator {type(op).__name__} is not allowed; use + - * / **", node)
        case ast.Call():
            return _function_call(node, depth)
        case _:
            description = _DESCRIPTIONS.get(type(node), f"{type(node).__name__} syntax")
            raise _fail(f"{description} not allowed", node)


def _number(value: int | float, node: ast.AST) -> Num:
    try:
        number = float(value)
    except OverflowError:
        raise _fail("number too large for float64", node) from None
    if not np.isfinite(number):
        raise _fail("number too large for float64", node)
    return Num(number)


def _name(name: str, node: ast.AST) -> Node:
    if name in VARIABLES:
        return Var(name)
    if name in CONSTANTS:
        return Num(CONSTANTS[name])
    if name in FUNCTIONS:
        raise _fail(f"{name} is a function: write {name}(…)", node)
    allowed = ", ".join(VARIABLES + tuple(CONSTANTS))
    raise _fail(f"unknown name {name!r}; the names allowed are {allowed}", node)


def _function_call(node: ast.Call, depth: int) -> Node:
    if not isinstance(node.func, ast.Name):
        raise _fail("only the named functions can be called", node)
    name = node.func.id
    if name not in FUNCTIONS:
        allowed = ", ".join(FUNCTIONS)
        raise _fail(f"{name}() is not allowed; the functions allowed are {allowed}", node)
    if node.keywords:
        raise _fail(f"{name}() takes no keyword arguments", node)
    if len(node.args) != 1:
        raise _fail(f"{name}() takes exactly one argument, got {len(node.args)}", node)
    return _call(name, _convert(node.args[0], depth + 1))


def _check_exponent(exponent: Node, node: ast.AST) -> None:
    """Refuse constant exponents so large that the result can only be 0 or inf."""
    if has_variable(exponent):
        return
    value = float(evaluate(exponent, 0.0, 0.0))
    if not np.isfinite(value) or abs(value) > MAX_EXPONENT:
        raise _fail(f"exponent {value:g} too large (limit ±{MAX_EXPONENT:g})", node)


def has_variable(node: Node) -> bool:
    if isinstance(node, Var):
        return True
    return isinstance(node, Apply) and any(has_variable(arg) for arg in node.args)


# --- the public face ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed formula f(w1, w2) together with its two exact partial derivatives."""

    text: str
    tree: Node
    d_w1: Node
    d_w2: Node

    @classmethod
    def parse(cls, text: str) -> Expression:
        tree = parse(text)
        if not has_variable(tree):
            raise SettingError("expr", "the formula must use w1 or w2")
        return cls(text.strip(), tree, derivative(tree, "w1"), derivative(tree, "w2"))

    def value(self, w1: np.ndarray | float, w2: np.ndarray | float) -> np.ndarray:
        return evaluate(self.tree, w1, w2)

    def gradient(self, w1: np.ndarray | float, w2: np.ndarray | float) -> tuple[np.ndarray, ...]:
        shape = np.broadcast(np.asarray(w1), np.asarray(w2)).shape
        return tuple(np.broadcast_to(evaluate(d, w1, w2), shape) for d in (self.d_w1, self.d_w2))

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
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.tree import (
    CONSTANTS,
    FUNCTIONS,
    VARIABLES,
    Apply,
    Node,
    Num,
    Var,
    call_function,
    derivative,
    evaluate,
    evaluate_all,
    has_variable,
    negate,
    show,
    size,
)

MAX_LENGTH = 1000
"""Longest expression accepted, in characters."""
MAX_DEPTH = 100
"""Deepest nesting of operations accepted: parentheses, calls, powers and unary signs each add a
level; a chain `a + b - c + …` or `a * b / c …` counts as one. Nothing walks a tree by recursion,
so the limit is one of readability, not of Python's stack."""
MAX_EXPONENT = 1000.0
"""Largest constant exponent accepted (in absolute value); beyond it float64 only gives 0 or inf."""
MAX_ANALYSED_NODES = 20_000
"""Most distinct nodes the Hessian's three trees may have; past it the theory rows say the
formula is too large instead of spending seconds on every step. Within the parser's limits the
largest seen are a few thousand (`tanh` nested 99 times: 1881)."""


_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
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
    return _convert(tree.body)


def _convert(root: ast.expr) -> Node:
    """The whitelisted tree of a parsed formula, built with a stack, not by recursion: each
    node's arguments are built before it, and its depth is checked as it is first met."""
    built: dict[int, Node] = {}
    stack: list[tuple[ast.AST, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, arguments_built = stack.pop()
        if arguments_built:
            built[id(node)] = _build(node, [built[id(arg)] for arg, _ in _arguments(node, depth)])
            continue
        if depth > MAX_DEPTH:
            raise _fail(f"nested too deeply (limit {MAX_DEPTH} levels)", node)
        stack.append((node, depth, True))
        stack.extend((arg, at, False) for arg, at in reversed(_arguments(node, depth)))
    return built[id(root)]


_GROUPS = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
"""Operators whose left-to-right chains are one level of nesting: `a + b - c + …` is flat."""


def _arguments(node: ast.AST, depth: int) -> list[tuple[ast.expr, int]]:
    """The operands `node` is built from, each with its nesting depth; refuses what is not
    allowed. The left operand of a chain (`(a + b) + c`) stays at its parent's depth."""
    match node:
        case ast.Constant(value=bool()) | ast.Constant(value=str()) | ast.Constant(value=bytes()):
            raise _fail(f"only numbers are allowed, not {type(node.value).__name__} values", node)
        case ast.Constant(value=int() | float()) | ast.Name():
            return []
        case ast.Constant():
            raise _fail(f"only real numbers are allowed, not {node.value!r}", node)
        case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
            return [(operand, depth + 1)]
        case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINARY:
            group = _GROUPS.get(type(op))
            chained = isinstance(left, ast.BinOp) and group and _GROUPS.get(type(left.op)) == group
            return [(left, depth if chained else depth + 1), (right, depth + 1)]
        case ast.BinOp(op=op):
            raise _fail(f"the operator {type(op).__name__} is not allowed; use + - * / **", node)
        case ast.Call():
            return [(_called_argument(node), depth + 1)]
        case _:
            description = _DESCRIPTIONS.get(type(node), f"{type(node).__name__} syntax")
            raise _fail(f"{description} not allowed", node)


def _build(node: ast.AST, args: list[Node]) -> Node:
    """The tree node for `node`, whose operands are already built (`args`)."""
    match node:
        case ast.Constant(value=int() | float() as value):  # others refused by `_arguments`
            return _number(value, node)
        case ast.Name(id=name):
            return _name(name, node)
        case ast.UnaryOp(op=ast.USub()):
            return negate(args[0])
        case ast.UnaryOp():
            return args[0]
        case ast.BinOp(op=op):
            symbol = _BINARY[type(op)]
            if symbol == "**":
                _check_exponent(args[1], node)
            return Apply(symbol, (args[0], args[1]))
        case ast.Call(func=ast.Name(id=name)):
            return call_function(name, args[0])
    raise AssertionError(f"unchecked node {node!r}")  # `_arguments` refused it first


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


def _called_argument(node: ast.Call) -> ast.expr:
    """The one argument of an allowed function call; refuses any other call."""
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
    return node.args[0]


def _check_exponent(exponent: Node, node: ast.AST) -> None:
    """Refuse constant exponents so large that the result can only be 0 or inf."""
    if has_variable(exponent):
        return
    value = float(evaluate(exponent, 0.0, 0.0))
    if not np.isfinite(value) or abs(value) > MAX_EXPONENT:
        raise _fail(f"exponent {value:g} too large (limit ±{MAX_EXPONENT:g})", node)


# --- the public face ------------------------------------------------------------------------


class TooLarge(Exception):
    """The formula's second derivatives are past MAX_ANALYSED_NODES."""


@dataclass(frozen=True)
class Expression:
    """A parsed formula f(w1, w2) together with its two exact partial derivatives: parsed
    once, and read by everything that computes with the formula (the numpy loop, the fast
    loops' code, the Hessian, the theory rows) or shows it (`title`)."""

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
        return self._broadcast([self.d_w1, self.d_w2], w1, w2)

    def value_and_gradient(
        self, w1: np.ndarray | float, w2: np.ndarray | float
    ) -> tuple[np.ndarray, ...]:
        """f, ∂f/∂w1 and ∂f/∂w2 in one walk, their shared parts computed once."""
        return self._broadcast([self.tree, self.d_w1, self.d_w2], w1, w2)

    def _broadcast(
        self, roots: list[Node], w1: np.ndarray | float, w2: np.ndarray | float
    ) -> tuple[np.ndarray, ...]:
        values = evaluate_all(roots, w1, w2)
        if np.ndim(w1) == 0 and np.ndim(w2) == 0:  # a step's point: nothing to spread
            return tuple(values)
        shape = np.broadcast(np.asarray(w1), np.asarray(w2)).shape
        return tuple(np.broadcast_to(value, shape) for value in values)

    def second_derivatives(self) -> tuple[Node, Node, Node]:
        """∂²f/∂w1², ∂²f/∂w1∂w2 and ∂²f/∂w2²; TooLarge past the budget."""
        return _second_derivatives(self)

    def hessian(self, params: np.ndarray) -> np.ndarray:
        """H at a point; TooLarge past the budget of `second_derivatives`."""
        d11, d12, d22 = (float(v) for v in evaluate_all(list(self.second_derivatives()), *params))
        return np.array([[d11, d12], [d12, d22]])

    @property
    def title(self) -> str:
        """The formula to read: its coefficients rounded (`tree.show`)."""
        return show(self.tree)


@lru_cache(maxsize=64)
def _second_derivatives(expression: Expression) -> tuple[Node, Node, Node]:
    second = (
        derivative(expression.d_w1, "w1"),
        derivative(expression.d_w1, "w2"),
        derivative(expression.d_w2, "w2"),
    )
    nodes = size(*second)
    if nodes > MAX_ANALYSED_NODES:
        raise TooLarge(f"{nodes} nodes in its second derivatives (limit {MAX_ANALYSED_NODES})")
    return second

"""The expression evaluator: values, exact gradients, refusal of all that is off the whitelist."""

import contextlib
import inspect
import math
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui_gradients.core.errors import SettingError
from tui_gradients.core.fast import specialised, straight
from tui_gradients.core.fast.problems import plane_problem
from tui_gradients.core.objectives import theory
from tui_gradients.core.objectives.expression import MAX_DEPTH, MAX_LENGTH, Expression, TooLarge
from tui_gradients.core.objectives.functions import PRESETS, custom, make_objective
from tui_gradients.core.objectives.tree import Num, evaluate_all, size
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.settings import edit


def test_seed_bowl_value_and_gradient():
    expr = Expression.parse("0.001*w1**2 + w2**2")
    assert float(expr.value(-40.0, 1.5)) == pytest.approx(0.001 * 1600 + 2.25)
    g1, g2 = expr.gradient(-40.0, 1.5)
    assert float(g1) == pytest.approx(-0.08)
    assert float(g2) == pytest.approx(3.0)


def test_functions_and_constants():
    expr = Expression.parse(
        "sin(w1)*cos(w2) + exp(-w1) + log(w2) + sqrt(w2) + tanh(w1) + abs(w1) + pi + e"
    )
    w1, w2 = 0.7, 2.3
    expected = (
        math.sin(w1) * math.cos(w2)
        + math.exp(-w1)
        + math.log(w2)
        + math.sqrt(w2)
        + math.tanh(w1)
        + abs(w1)
        + math.pi
        + math.e
    )
    assert float(expr.value(w1, w2)) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("name", list(PRESETS))
def test_parsed_formula_gradient_agrees_with_analytic_preset(name):
    objective = make_objective(name)
    parsed = Expression.parse(objective.formula)
    rng = np.random.default_rng(1)
    x0, x1, y0, y1 = (-3, 3, -3, 3)
    w1, w2 = rng.uniform(x0, x1, 50), rng.uniform(y0, y1, 50)
    np.testing.assert_allclose(parsed.value(w1, w2), objective.value(w1, w2), rtol=1e-12)
    for mine, theirs in zip(parsed.gradient(w1, w2), objective.gradient(w1, w2), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-9)


def test_gradient_of_general_power_and_quotient_matches_central_difference():
    expr = Expression.parse("w1**w2 / (1 + w2**2) + tan(w1*w2)")
    w1, w2, h = 1.3, 0.4, 1e-6
    g1, g2 = (float(g) for g in expr.gradient(w1, w2))
    fd1 = (float(expr.value(w1 + h, w2)) - float(expr.value(w1 - h, w2))) / (2 * h)
    fd2 = (float(expr.value(w1, w2 + h)) - float(expr.value(w1, w2 - h))) / (2 * h)
    assert g1 == pytest.approx(fd1, rel=1e-6)
    assert g2 == pytest.approx(fd2, rel=1e-6)


def test_constant_gradient_broadcasts_to_the_grid():
    expr = Expression.parse("3*w1 + w2")
    grid = np.zeros((4, 5))
    g1, g2 = expr.gradient(grid, grid)
    assert g1.shape == g2.shape == (4, 5)
    assert np.all(g1 == 3) and np.all(g2 == 1)


def test_overflow_gives_inf_not_an_exception():
    expr = Expression.parse("exp(w1)")
    assert math.isinf(float(expr.value(1e4, 0.0)))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("w1.__class__", "attribute access"),
        ("__import__('os')", "not allowed"),
        ("eval('1')", "not allowed"),
        ("open('x')", "not allowed"),
        ("lambda: 1", "lambda"),
        ("[w1 for w1 in (1,)]", "comprehensions"),
        ("w1[0]", "subscripts"),
        ("'abc'", "numbers"),
        ("b'abc'", "numbers"),
        ("sin(x=w1)", "keyword"),
        ("(y := 1)", "assignment"),
        ("foo(w1)", "not allowed"),
        ("w3 + 1", "unknown name 'w3'"),
        ("sin", "is a function"),
        ("sin(w1, w2)", "exactly one argument"),
        ("w1 +", "not a formula"),
        ("w1 // 2", "not allowed"),
        ("9**9**9 + w1", "exponent"),
        ("w1**10**10", "exponent"),
        ("1j*w1", "real numbers"),
        ("3", "must use w1 or w2"),
        ("w1 < w2", "comparisons"),
        ("import os", "not a formula"),
        ("exec('import os')", "not allowed"),
        ("__class__", "unknown name '__class__'"),
        ("w1.__add__(w2)", "only the named functions"),
        ("().__class__.__bases__", "attribute access"),
        ("sin.__call__(w1)", "only the named functions"),
        ("{w1: w2}", "dicts"),
        ("f'{w1}'", "strings"),
        ("w1 if w2 else 0", "if/else"),
        ("*w1", "not a formula"),
    ],
)
def test_refused_with_a_message_that_says_why(text, fragment):
    with pytest.raises(SettingError) as caught:
        Expression.parse(text)
    assert caught.value.name == "expr"
    assert fragment in caught.value.message


def test_limits_on_length_and_depth():
    with pytest.raises(SettingError, match="too long"):
        Expression.parse("w1+" * (MAX_LENGTH // 3 + 1) + "w1")
    with pytest.raises(SettingError, match="nested too deeply"):
        Expression.parse("sin(" * (MAX_DEPTH + 2) + "w1" + ")" * (MAX_DEPTH + 2))
    Expression.parse("sin(" * 10 + "w1" + ")" * 10)  # reasonable nesting is fine


# --- property tests: random whitelisted formulas ----------------------------------------------

LEAVES = st.one_of(
    st.sampled_from(["w1", "w2"]),
    st.floats(min_value=0.1, max_value=5, allow_nan=False).map(lambda v: repr(round(v, 3))),
)


def _grow(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    unary = st.tuples(st.sampled_from(["sin", "cos", "tanh", "exp"]), children).map(
        lambda t: f"{t[0]}({t[1]})"
    )
    square = children.map(lambda c: f"({c})**2")
    return st.one_of(binary, unary, square)


FORMULAS = st.recursive(LEAVES, _grow, max_leaves=8).filter(lambda s: "w" in s)
POINTS = st.floats(min_value=-1.5, max_value=1.5, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(FORMULAS, POINTS, POINTS)
def test_random_formula_matches_python_arithmetic_and_finite_differences(text, w1, w2):
    expr = Expression.parse(text)
    namespace = {"sin": math.sin, "cos": math.cos, "tanh": math.tanh, "exp": math.exp}
    try:
        expected = eval(
            text, {"__builtins__": {}}, {**namespace, "w1": w1, "w2": w2}
        )  # test oracle
    except OverflowError:
        return
    value = float(expr.value(w1, w2))
    if not math.isfinite(expected) or abs(expected) > 1e12:
        return
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    h = 1e-6
    for index, (g, (dx, dy)) in enumerate(
        zip(expr.gradient(w1, w2), [(h, 0), (0, h)], strict=True)
    ):
        fd = (float(expr.value(w1 + dx, w2 + dy)) - float(expr.value(w1 - dx, w2 - dy))) / (2 * h)
        scale = max(1.0, abs(fd), abs(value))
        assert abs(float(g) - fd) <= 1e-4 * scale, (text, index)


def test_resource_bombs_are_refused_quickly():
    for text in [
        "w1+" * 35_000 + "w1",
        "(" * 1000 + "w1" + ")" * 1000,
        "(" * 300 + "w1" + ")" * 300,
    ]:
        with pytest.raises(SettingError):
            Expression.parse(text)


def _tree_size(node) -> int:
    """Nodes visited when evaluating (shared subtrees count each time they are reached)."""
    return 1 + sum(_tree_size(arg) for arg in getattr(node, "args", ()))


@pytest.mark.parametrize(
    "text",
    [
        "*".join(["w1"] * 95),
        " + ".join(f"w1**{k}/{k + 1}" for k in range(45)),
        "sin(" * 40 + "w1" + ")" * 40,
        "w1**" * 40 + "w2",
        "/".join(["(w1+w2)"] * 95),
    ],
)
def test_gradients_of_long_legal_formulas_stay_small(text):
    """Within the limits, the gradient tree stays bounded: no formula can hang the evaluator."""
    assert len(text) <= 1000
    expr = Expression.parse(text)
    assert _tree_size(expr.d_w1) + _tree_size(expr.d_w2) < 2_000_000
    grid = np.linspace(0.5, 1.5, 100)
    g1, g2 = expr.gradient(grid, grid)  # evaluates, possibly to inf or nan, without raising
    assert g1.shape == g2.shape == (100,)


# --- formulas at the limits: no recursion anywhere, shared parts computed once ---------------

AT_THE_LIMITS = {
    "reciprocals": "1/(" * 98 + "w1 + w2" + ")" * 98,
    "tanh": "tanh(" * 99 + "w1*w2" + ")" * 99,
    "powers": "(" * 84 + "w1" + "**w2)" * 84,
    "flat sum": " + ".join(["w1*w2"] * 120),
}


@contextlib.contextmanager
def shallow_stack(frames: int = 60):
    """Python's recursion limit just above the current depth: any walk that recurses once per
    level of a formula fails inside."""
    depth = len(inspect.stack(0))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize("formula", AT_THE_LIMITS.values(), ids=AT_THE_LIMITS)
def test_formulas_within_the_limits_parse_differentiate_and_evaluate_without_recursion(formula):
    assert len(formula) <= MAX_LENGTH
    with shallow_stack():
        expression = Expression.parse(formula)
        second = expression.second_derivatives()
        values = evaluate_all([expression.tree, expression.d_w1, *second], 0.3, 0.2)
    step = 1e-6
    numeric = (expression.value(0.3 + step, 0.2) - expression.value(0.3 - step, 0.2)) / (2 * step)
    assert float(values[1]) == pytest.approx(float(numeric), rel=1e-5, abs=1e-9)


def test_a_derivative_is_a_graph_that_grows_with_the_formula_not_a_tree_that_doubles():
    def hessian_size(levels: int) -> int:
        formula = "tanh(" * levels + "w1*w2" + ")" * levels
        return size(*Expression.parse(formula).second_derivatives())

    # as a tree, each level of tanh multiplies the second derivative's size; as a graph, adds
    assert hessian_size(99) < 2.5 * hessian_size(50) < 6.25 * hessian_size(25)


def test_nesting_counts_nesting_not_the_length_of_a_chain():
    Expression.parse(" - ".join(["w1"] * 150) + " + w2")  # one level, however long
    Expression.parse(" * ".join(["w1"] * 150) + " / w2")
    deep = "(w1 + " * (MAX_DEPTH + 1) + "w2" + ")" * (MAX_DEPTH + 1)  # each sum inside the last
    with pytest.raises(SettingError, match="nested too deeply"):
        Expression.parse(deep)


def test_equal_nodes_are_one_node_and_minus_zero_is_not_zero():
    assert Expression.parse("sin(w1)*w2").tree is Expression.parse("sin(w1) * w2").tree
    assert Num(-0.0) is not Num(0.0) and math.copysign(1, Num(-0.0).value) < 0


_LEAVES = st.sampled_from(["w1", "w2", "1", "0.5", "2", "pi", "e", "0", "1e300", "-3"])


def _wrap(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}**{t[1]}"),
        st.tuples(
            st.sampled_from(["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs"]), inner
        ).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda x: f"-{x}"),
    )


_FORMULAS = st.recursive(_LEAVES, _wrap, max_leaves=40)


@st.composite
def _deep_formulas(draw) -> str:
    """A formula wrapped in up to a hundred and ten levels: at the limits and past them."""
    text = draw(_FORMULAS)
    for _ in range(draw(st.integers(0, MAX_DEPTH + 10))):
        name = draw(st.sampled_from(["tanh", "sin", "(1 + ", "(w2 * ", "1/(2 + "]))
        text = f"{name}({text})" if name.isalpha() else f"{name}{text})"
    return text


@settings(max_examples=150, deadline=None)
@given(formula=st.one_of(_FORMULAS, _deep_formulas()))
@example(formula="abs(w1)")  # its second derivative holds sign's derivative: once a KeyError
def test_any_formula_runs_everywhere_or_is_refused_with_a_message(formula):
    """Parse, gradient, both loops' code, the theory rows and a few steps: each works or
    says why in a SettingError (or 'too large to analyse'), never an exception of Python's."""
    try:
        expression = Expression.parse(formula)
    except SettingError as refused:
        assert refused.message
        return
    with np.errstate(all="ignore"):
        expression.value(0.3, -0.7)
        expression.gradient(np.linspace(-1, 1, 5), 0.2)
    plane_problem(expression)
    straight.source(("plane", expression), "adam")
    with contextlib.suppress(specialised.Unsupported):
        specialised.source(expression, "    pass")
    with contextlib.suppress(TooLarge):
        theory.curvature(custom(expression.text), (0.3, -0.7))
    try:
        run = edit(Experiment(), "expr", expression.text).plane_run()
    except SettingError as refused:  # f or its gradient not finite at the start
        assert refused.message
        return
    run.advance(3)

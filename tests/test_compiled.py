"""numba's loops: its opcodes and stop codes agree with the core's, and a formula's own compiled
loop (`specialised`) gives the interpreter's numbers bit for bit. Both loops against the Python
loop: `test_fast_loops.py`."""

import itertools
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from tui_gradients.core import fast
from tui_gradients.core.fast import specialised
from tui_gradients.core.fast.codes import OPCODES
from tui_gradients.core.network import chain
from tui_gradients.core.network.chain import ACTIVATIONS
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.functions import PRESETS
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, REGISTRY
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.run import Run
from tui_gradients.core.runs.settings import edit

pytest.importorskip("numba")
STEPS = fast.COMPILED_MIN_STEPS + 500


@pytest.fixture(scope="module", autouse=True)
def loaded():
    assert fast.warm_up()


def test_the_opcodes_agree_with_the_kernel():
    from tui_gradients.core.fast import _kernels

    for name, code in OPCODES.items():
        kernel_name = {"w1": "W1", "w2": "W2", "+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV"}
        kernel_name |= {"**": "POW", "neg": "NEG", "const": "CONST"}
        if name != "sign":  # the interpreter's last case: whatever is left
            assert getattr(_kernels, kernel_name.get(name, name.upper())) == code
    for name in OPTIMIZERS:  # each loop is compiled for one optimiser: how it steps
        recipe = REGISTRY[name]
        expected = _kernels.LBFGS if recipe.evaluates else _kernels.RULE
        if recipe.second_order:
            expected = _kernels.NEWTON_DIAG if name.endswith("diag") else _kernels.NEWTON
        assert _kernels.parts(name)["METHOD"] == expected
    for code, name in enumerate(ACTIVATIONS):  # the pass every loop runs numbers them so
        assert getattr(chain, name.upper()) == code
    assert _kernels.LAST_BINARY == _kernels.POW


# --- a formula's own loop (`specialised`) ---------------------------------------------------------


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache directory of this module's own, so the first compile of each formula is tested."""
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp("cache")
        patch.setenv("XDG_CACHE_HOME", str(root))
        yield root / "tui-gradients" / "formulas"


def _interpreted(run: Run) -> Run:
    """The same run on the interpreter, whether or not its formula has a loop of its own."""
    assert run.compiled is not None
    run.compiled = replace(run.compiled, expression=None)
    return run


def _identical(a: Run, b: Run) -> None:
    for name in ("params", "loss", "grads", "states"):
        np.testing.assert_array_equal(getattr(a.history, name), getattr(b.history, name))
    assert a.stop == b.stop


def _refuse_the_interpreter(monkeypatch) -> None:
    """The interpreter fails if called: a test passes only through a formula's own loop."""

    def refuse(*args):
        raise AssertionError("the interpreter ran")

    monkeypatch.setattr(fast, "_loaded", SimpleNamespace(loop=lambda optimizer: refuse))


@pytest.mark.parametrize(
    ("function", "optimizer"), list(zip(itertools.cycle(PRESETS), reversed(OPTIMIZERS)))
)
def test_a_presets_own_loop_gives_the_interpreters_numbers_bit_for_bit(function, optimizer, cache):
    """Every preset and every optimiser once: each compile takes seconds, and the loop's text
    differs between two optimisers only in the constant that picks the update."""
    experiment = edit(edit(Experiment(), "function", function), "optimizer", optimizer)
    assert fast.specialise(experiment.plane.objective.expression, optimizer)
    own, interpreted = experiment.plane_run(), _interpreted(experiment.plane_run())
    own.advance(STEPS)
    interpreted.advance(STEPS)
    _identical(own, interpreted)


def test_the_own_loop_is_the_one_that_runs(cache, monkeypatch):
    experiment = edit(Experiment(), "function", "rosenbrock")
    assert fast.specialise(experiment.plane.objective.expression, "gd")
    _refuse_the_interpreter(monkeypatch)
    with pytest.raises(AssertionError, match="the interpreter ran"):
        _interpreted(experiment.plane_run()).advance(STEPS)
    run = experiment.plane_run()
    assert run.advance(STEPS) == STEPS


def test_a_typed_formula_with_every_function_has_its_own_loop_with_the_same_numbers(cache):
    formula = "sin(w1)*cos(w2) + 0.1*w1**2 + 0.1*w2**2 + exp(-abs(w1)) + log(2 + tanh(w2))"
    formula += " + sqrt(1 + w1**2) + 0.01*tan(0.1*w2) + w1**3/(30 + w2**2) + (w1 - 1)**2.5 / 10"
    experiment = edit(edit(Experiment(), "expr", formula), "start", "1.3, 0.7")
    for optimizer in ("nesterov", "adam"):  # with and without a state to carry
        assert fast.specialise(experiment.plane.objective.expression, optimizer)
        chosen = edit(edit(experiment, "optimizer", optimizer), "lr", "0.01")
        own, interpreted = chosen.plane_run(), _interpreted(chosen.plane_run())
        own.advance(STEPS)
        interpreted.advance(STEPS)
        _identical(own, interpreted)


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": "1.5"},  # diverges
        {"function": "saddle", "optimizer": "adam", "lr": "0.5"},  # runs off
        {"optimizer": "adam"},  # converges
        {"function": "himmelblau", "steps": STEPS - 3},  # reaches the step limit
    ],
)
def test_the_own_loop_stops_where_the_interpreter_does(settings, cache):
    experiment = Experiment()
    for name, value in settings.items():
        if name != "steps":
            experiment = edit(experiment, name, value)
    optimizer = experiment.plane_run().optimizer.name
    assert fast.specialise(experiment.plane.objective.expression, optimizer)
    own, interpreted = experiment.plane_run(), _interpreted(experiment.plane_run())
    for run in (own, interpreted):
        run.max_steps = settings.get("steps", run.max_steps)
        run.advance(10**5)
    assert own.stop is not None
    _identical(own, interpreted)


def test_each_formula_is_written_once_into_the_cache(cache):
    formulas = ["w1**2 + 2.5*w2**2", "w1**2 + 2.5*w2**2", "w1**2 + 3.5*w2**2"]
    for formula in formulas:
        assert fast.specialise(Expression.parse(formula), "gd")
    assert fast.specialise(Expression.parse(formulas[0]), "adam")  # another optimiser: another loop
    written = sorted(cache.glob("*.py"))
    texts = [path.read_text() for path in written]
    assert sum(formula in text for text in texts for formula in formulas[1:]) == 3
    assert sum(formulas[0] in text and "parts('adam')" in text for text in texts) == 1
    assert all(path.name.startswith("formula_") for path in written)


def test_a_formula_that_cannot_be_written_as_code_is_left_to_the_interpreter(cache):
    expression = Expression.parse("w1*1e308*10 + w2**2")  # its derivative folds to inf
    with pytest.raises(specialised.Unsupported):
        specialised.source(expression, "")
    assert not fast.specialise(expression, "gd")
    assert not fast.is_specialised(expression, "gd")


def test_without_a_writable_cache_a_formula_stays_on_the_interpreter(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    formula = "w1**2 + 4.5*w2**2"
    assert not fast.specialise(Expression.parse(formula), "gd")
    assert not fast.is_specialised(Expression.parse(formula), "gd")
    experiment = edit(Experiment(), "expr", formula)
    run = experiment.plane_run()
    assert run.advance(STEPS) > 0


def test_shared_parts_of_f_and_its_gradient_are_computed_once():
    code = specialised.source(Expression.parse("sin(w1)*sin(w1) + w2**2"), "")
    assert code.count("np.sin(w1)") == 1
    assert code.count("np.cos(w1)") == 1
    assert "power(w2, 2.0)" in code

"""The fast loops against the Python loop they replace for long advances: the same numbers
(to 1e-9 relative; bit equality is not promised, see `fast`), the same stops with the same
messages, and a run that steps on in Python afterwards as if nothing had changed. Each test runs
on both fast loops: the straight-line Python one that every install has, and numba's."""

import numpy as np
import pytest

from tui_gradients.core import fast
from tui_gradients.core.fast import straight
from tui_gradients.core.network.chain import ACTIVATIONS, ChainSettings
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.functions import PRESETS, custom
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.run import Run
from tui_gradients.core.runs.settings import edit

STEPS = fast.COMPILED_MIN_STEPS + 500


@pytest.fixture(autouse=True, params=["straight", "numba"])
def fast_loop(request, monkeypatch):
    """Which fast loop `quick.advance` takes: numba's once loaded, else the straight one."""
    if request.param == "numba":
        pytest.importorskip("numba")
        assert fast.warm_up()
    else:
        monkeypatch.setattr(fast, "_loaded", None)
    return request.param


def _python_only(run: Run, steps: int) -> Run:
    """Advance in chunks too short for the compiled loop."""
    chunk = fast.COMPILED_MIN_STEPS - 1
    while steps > 0 and run.stop is None:
        steps -= run.advance(min(chunk, steps)) or steps
    return run


def _same_history(a: Run, b: Run, rtol: float = 1e-9) -> None:
    """Equal to `rtol` of each quantity's own scale over the run (a value passing near 0 is
    compared on that scale, not to its own tiny size)."""
    assert len(a.history) == len(b.history)
    for name in ("params", "loss", "grads", "states"):
        actual, desired = getattr(a.history, name), getattr(b.history, name)
        scale = float(np.max(np.abs(desired), initial=0.0))
        np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * scale)
    assert (a.stop is None) == (b.stop is None)
    if a.stop is not None:
        assert (a.stop.kind, a.stop.step, a.stop.message) == (
            b.stop.kind,
            b.stop.step,
            b.stop.message,
        )


def _evaluating(run: Run, value_and_grad, hyper: Hyperparameters) -> Run:
    """The run with f and ∇f from `value_and_grad`, for its steps and for LBFGS's own
    evaluations (its line search's, its iterations')."""
    run.evaluate = lambda params, _: value_and_grad(params)
    if hyper.optimizer == "lbfgs":
        run.optimizer = hyper.build(value_and_grad=value_and_grad)
    return run


def _as_the_fast_loop(run: Run, fast_loop: str, hyper: Hyperparameters) -> Run:
    """The run evaluating f and ∇f with the fast loop's own code. LBFGS turns a last-bit
    difference into another count of iterations or of pairs kept within a hundred steps on
    Rosenbrock or Beale, so it is held to the same evaluations and to the same numbers bit
    for bit: both loops run the one `lbfgs.iterate`."""
    problem = run.compiled
    assert problem is not None
    if fast_loop == "straight":
        evaluate = straight.evaluator(problem.straight)

        def value_and_grad(params):
            grads = [0.0] * params.size
            return evaluate(params.tolist(), grads), np.array(grads)
    else:
        data = (*problem.data, np.empty(problem.scratch))

        def value_and_grad(params):
            grads = np.empty(params.size)
            return fast._loaded.evaluate(data, params, grads, np.zeros(3)), grads

    return _evaluating(run, value_and_grad, hyper)


@pytest.mark.parametrize("function", list(PRESETS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_preset_and_optimiser_gives_the_python_loops_numbers(function, optimizer, fast_loop):
    """The Python loop here evaluates the preset's formula, as the fast loops do, not its
    hand-written gradient: the two differ in the last bit, and NAdam at lr 0.5 on the rotated
    bowl grows such a difference 10⁷-fold in 50 steps (the hand-written gradient's own
    agreement with the formula is tested in test_expression)."""
    experiment = edit(edit(Experiment(), "function", function), "optimizer", optimizer)
    quick, slow = experiment.plane_run(), experiment.plane_run()
    if optimizer == "lbfgs":
        _as_the_fast_loop(slow, fast_loop, experiment.hyper)
        rtol = 0.0
    else:
        _evaluating(
            slow, custom(experiment.plane.objective.formula).value_and_grad, experiment.hyper
        )
        rtol = 1e-9
    assert quick.advance(STEPS) == len(quick.history) - 1
    _same_history(quick, _python_only(slow, STEPS), rtol)


@pytest.mark.parametrize("function", ["quadratic", "rosenbrock"])
def test_lbfgs_in_the_fast_loops_keeps_to_the_python_loops_numbers_for_a_hundred_steps(function):
    """With its evaluations as numpy computes them (not the fast loop's), LBFGS's numbers stay
    within 1e-9 of the Python loop's over its first 100 steps, before a last-bit difference
    has changed any count of iterations."""
    experiment = edit(edit(Experiment(), "function", function), "optimizer", "lbfgs")
    quick, slow = experiment.plane_run(), experiment.plane_run()
    _evaluating(slow, custom(experiment.plane.objective.formula).value_and_grad, experiment.hyper)
    quick.advance(STEPS)
    _python_only(slow, STEPS)
    rows = min(101, len(slow.history))
    for name in ("params", "loss", "grads"):
        theirs, ours = getattr(slow.history, name)[:rows], getattr(quick.history, name)[:rows]
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_a_typed_formula_with_every_function_gives_the_same_numbers():
    formula = "sin(w1)*cos(w2) + 0.1*w1**2 + 0.1*w2**2 + exp(-abs(w1)) + log(2 + tanh(w2))"
    formula += " + sqrt(1 + w1**2) + 0.01*tan(0.1*w2) + w1**3/(30 + w2**2) + (w1 - 1)**2.5 / 10"
    experiment = edit(edit(Experiment(), "expr", formula), "start", "1.3, 0.7")
    for optimizer in OPTIMIZERS:
        chosen = edit(edit(experiment, "optimizer", optimizer), "lr", "0.01")
        quick, slow = chosen.plane_run(), chosen.plane_run()
        quick.advance(STEPS)
        _same_history(quick, _python_only(slow, STEPS), rtol=1e-7)


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        ({"lr": "1.5"}, "diverged"),  # w2 grows by |1 − 2·1.5| = 2 per step until it escapes
        ({"function": "saddle", "optimizer": "adam", "lr": "0.5"}, "diverged"),  # runs off
        ({"optimizer": "adam"}, "converged"),
    ],
)
def test_stops_come_at_the_same_step_with_the_same_words(settings, kind):
    experiment = Experiment()
    for name, value in settings.items():
        experiment = edit(experiment, name, value)
    quick, slow = experiment.plane_run(), experiment.plane_run()
    quick.advance(10**5)
    _python_only(slow, 10**5)
    assert quick.stop is not None and quick.stop.kind.value == kind
    _same_history(quick, slow)


def test_the_step_limit_stops_the_compiled_loop_too():
    experiment = Experiment()
    objective = experiment.plane.objective
    hyper = Hyperparameters(optimizer="adagrad", lr=0.5)
    problem = fast.plane_problem(objective.expression)
    runs = [
        Run(objective.value_and_grad, hyper.build(), [-40.0, 1.5], max_steps=STEPS, compiled=c)
        for c in (problem, None)
    ]
    runs[0].advance(10 * STEPS)
    _python_only(runs[1], 10 * STEPS)
    assert runs[0].stop.message == f"step limit {STEPS} reached"
    _same_history(*runs)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_run_steps_on_in_python_from_where_the_compiled_loop_left_it(optimizer, fast_loop):
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "optimizer", optimizer)
    mixed, slow = experiment.plane_run(), experiment.plane_run()
    if optimizer == "lbfgs":
        _as_the_fast_loop(mixed, fast_loop, experiment.hyper)
        _as_the_fast_loop(slow, fast_loop, experiment.hyper)
    mixed.advance(STEPS)
    mixed.advance(7)  # short: Python, from the optimiser state the compiled loop left
    _same_history(mixed, _python_only(slow, STEPS + 7))


def test_lbfgs_takes_its_steps_in_the_fast_loop_not_in_numpy(monkeypatch):
    """Rosenbrock at lr 0.001 without a line search: about 4000 steps before LBFGS stops, and
    the first thousand are the fast loop's alone (the Python loop is not handed one)."""
    handed = []
    python_loop = Run._advance_python
    monkeypatch.setattr(
        Run, "_advance_python", lambda run, n: handed.append(n) or python_loop(run, n)
    )
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "optimizer", "lbfgs")
    run = edit(experiment, "lr", "0.001").plane_run()
    assert run.advance(1000) == 1000 and run.stop is None
    assert handed == []


@pytest.mark.parametrize("line_search", ["none", "strong_wolfe"])
def test_lbfgs_on_the_chain_is_the_python_loops_bit_for_bit(fast_loop, line_search):
    chain = ChainSettings(depth=6, activation="sigmoid", init="normal", seed=3, y=0.4)
    hyper = Hyperparameters(optimizer="lbfgs", history_size=5, line_search=line_search != "none")
    experiment = Experiment(chain=chain, hyper=hyper, chain_lr=0.01)
    quick, slow = experiment.chain_run(), experiment.chain_run()
    for run in (quick, slow):
        _as_the_fast_loop(run, fast_loop, experiment.chain_hyper)
    quick.advance(STEPS)
    _same_history(quick, _python_only(slow, STEPS), rtol=0.0)
    assert len(quick.history) > 10  # steps the fast loop took, before LBFGS stopped


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_the_chain_gives_the_python_loops_numbers(activation, optimizer):
    chain = ChainSettings(depth=12, activation=activation, init="normal", seed=3, y=0.4)
    experiment = Experiment(chain=chain, hyper=Hyperparameters(optimizer=optimizer), chain_lr=0.05)
    quick, slow = experiment.chain_run(), experiment.chain_run()
    quick.advance(STEPS)
    _same_history(quick, _python_only(slow, STEPS))


def test_an_exploding_chain_stops_at_the_same_step_with_the_same_words():
    chain = ChainSettings(depth=10, activation="linear", weight=3.0)
    experiment = Experiment(chain=chain, chain_lr=0.5)
    quick, slow = experiment.chain_run(), experiment.chain_run()
    quick.advance(STEPS)
    _python_only(slow, STEPS)
    assert quick.stop is not None and quick.stop.kind.value == "diverged"
    _same_history(quick, slow)


@pytest.mark.parametrize("optimizer", ["newton", "newton_diag"])
def test_newtons_steps_are_the_fast_loops_own_and_match_the_closed_form(optimizer, monkeypatch):
    """Damped Newton on the bowl keeps (1 − lr)ᵏ of the distance, and not one step of a long
    advance goes through numpy."""
    experiment = edit(edit(Experiment(), "optimizer", optimizer), "lr", "0.01")
    run = experiment.plane_run()
    in_numpy = []
    real = Run._advance_python
    monkeypatch.setattr(Run, "_advance_python", lambda self, n: in_numpy.append(n) or real(self, n))
    assert run.advance(1000) == 1000 and not in_numpy
    start = np.array(experiment.plane.start_point)
    np.testing.assert_allclose(run.history.params[1000], start * 0.99**1000, rtol=1e-9)


SCHEDULE_ARGS = {
    "step": "step_size=50,gamma=0.5",
    "exponential": "gamma=0.995",
    "cosine": "T_max=200,eta_min=0.01",
    "onecycle": "total_steps=600",
    "linear": "total_iters=100",
    "plateau": "patience=3,factor=0.5,cooldown=2,threshold=0.5",
}


@pytest.mark.parametrize("schedule", list(SCHEDULE_ARGS))
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam", "newton"])
def test_a_scheduled_run_is_the_python_loops_step_for_step(schedule, optimizer, monkeypatch):
    """The straight-line loop calls the schedule's own formulas: the same lr at every step,
    the same plateau memory, the same path; and a long advance takes no step in numpy."""
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "optimizer", optimizer)
    experiment = edit(
        edit(experiment, "lr", "0.001" if optimizer != "newton" else "0.5"), "schedule", schedule
    )
    experiment = edit(experiment, "schedule_args", SCHEDULE_ARGS[schedule])
    quick, slow = experiment.plane_run(), experiment.plane_run()
    in_numpy = []
    real = Run._advance_python
    monkeypatch.setattr(Run, "_advance_python", lambda self, n: in_numpy.append(n) or real(self, n))
    quick.advance(STEPS)
    assert not in_numpy or quick.stop is not None
    monkeypatch.setattr(Run, "_advance_python", real)
    _same_history(quick, _python_only(slow, STEPS))
    lrs = quick.history.states[:, quick.optimizer.lr_row, 0]
    assert len(set(lrs.tolist())) > 2  # the schedule really moved the lr


def test_the_chain_under_a_schedule_is_the_python_loops_step_for_step():
    experiment = edit(edit(Experiment(), "optimizer", "adam"), "schedule", "cosine")
    experiment = edit(experiment, "schedule_args", "T_max=100")
    quick, slow = experiment.chain_run(), experiment.chain_run()
    quick.advance(STEPS)
    _same_history(quick, _python_only(slow, STEPS))


# --- the straight-line loop's own rules ---------------------------------------------------------


def test_a_step_python_cannot_take_goes_to_numpy_with_the_same_words(fast_loop):
    """log(w1) for w1 < 0: math.log raises where numpy gives nan, so the straight loop hands
    that step back and numpy words the stop, at the same step as the Python loop."""
    experiment = edit(edit(Experiment(), "expr", "log(w1) + w2**2"), "start", "0.5, 1")
    experiment = edit(experiment, "lr", "0.001")  # w1 ← w1 − lr/w1 crosses 0 after ~125 steps
    quick, slow = experiment.plane_run(), experiment.plane_run()
    quick.advance(STEPS)
    _python_only(slow, STEPS)
    assert quick.stop is not None and "the loss became non-finite" in quick.stop.message
    _same_history(quick, slow)


def test_after_a_handed_back_step_the_fast_loop_goes_on(fast_loop, monkeypatch):
    """The straight loop, made to stop short every 300 steps as if Python had raised: each
    time numpy takes one step, the fast loop takes the rest, and the run is the Python one."""
    if fast_loop != "straight":
        pytest.skip("only the straight-line loop hands steps back")
    real = straight.loop
    handed_back = []

    def stopping_short(problem, optimizer, *schedule):
        def steps(P, L, G, S, k, n, *hyper):
            short = min(n, 300 - k % 300)
            written = real(problem, optimizer, *schedule)(P, L, G, S, k, short, *hyper)
            handed_back.append(k + written)
            return written

        return steps

    monkeypatch.setattr(straight, "loop", stopping_short)
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "optimizer", "adam")
    quick, slow = experiment.plane_run(), experiment.plane_run()
    assert quick.advance(2 * STEPS) == 2 * STEPS
    assert len(handed_back) > 3
    _same_history(quick, _python_only(slow, 2 * STEPS))


def test_the_straight_loop_is_written_without_recursion_for_a_deeply_nested_formula():
    formula = "(" * 99 + "w1" + "+1)" * 99 + " + w2**2"
    text = straight.source(("plane", Expression.parse(formula)), "gd")
    assert text.count("+ 1.0") >= 99
    experiment = edit(edit(Experiment(), "expr", formula), "lr", "0.1")
    quick, slow = experiment.plane_run(), experiment.plane_run()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast, "_loaded", None)
        quick.advance(STEPS)
    _same_history(quick, _python_only(slow, STEPS))

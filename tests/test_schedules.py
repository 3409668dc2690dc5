"""Learning-rate schedules against their closed forms (torch's own numbers are in
test_torch_crosscheck), and their refusals."""

import math

import numpy as np
import pytest

from tui_gradients.core.errors import SettingError
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.optimisation.schedules import START, Schedule, parse_schedule
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.settings import edit


def _lrs(schedule: Schedule, lr: float, steps: int, losses=None) -> list[float]:
    """The lr of steps 1, 2, …: the first, then each scheduler step's."""
    rates, rate, memory = [schedule.first(lr)], schedule.first(lr), START
    for epoch in range(1, steps):
        loss = 1.0 if losses is None else losses[epoch - 1]
        rate, memory = schedule.next(rate, epoch, lr, loss, memory)
        rates.append(rate)
    return rates


def test_step_and_exponential_are_powers_of_gamma():
    step = _lrs(parse_schedule("step", "step_size=3,gamma=0.5"), 0.8, 10)
    np.testing.assert_allclose(step, [0.8 * 0.5 ** (t // 3) for t in range(10)])
    exponential = _lrs(parse_schedule("exponential", "gamma=0.9"), 0.8, 10)
    np.testing.assert_allclose(exponential, [0.8 * 0.9**t for t in range(10)], rtol=1e-14)


def test_cosine_follows_half_a_cosine_down_and_back_up():
    t_max, eta_min, base = 20, 0.01, 0.5
    rates = _lrs(parse_schedule("cosine", f"T_max={t_max},eta_min={eta_min}"), base, 41)
    closed = [
        eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2 for t in range(41)
    ]
    np.testing.assert_allclose(rates, closed, rtol=1e-9, atol=1e-12)
    assert rates[t_max] == pytest.approx(eta_min) and rates[2 * t_max] == pytest.approx(base)


def test_linear_warm_up_reaches_the_lr_and_stays():
    rates = _lrs(parse_schedule("linear", "start_factor=0.2,total_iters=4"), 1.0, 8)
    np.testing.assert_allclose(rates, [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0], rtol=1e-12)


def test_one_cycle_rises_to_the_lr_then_falls_far_below_it():
    schedule = parse_schedule("onecycle", "total_steps=100,pct_start=0.25")
    rates = _lrs(schedule, 1.0, 120)
    assert rates[0] == pytest.approx(1 / 25)
    assert max(rates) == pytest.approx(1.0) and int(np.argmax(rates)) == 24  # pct·total − 1
    assert rates[99] == pytest.approx(1 / 25 / 1e4)
    assert rates[119] == rates[100]  # held past total_steps (torch would raise)


def test_one_cycle_moves_the_momentum_against_the_lr_by_default():
    """torch's default cycle_momentum: max_momentum at the start, base_momentum where the lr
    peaks, max_momentum again at the end, cosine annealed between."""
    schedule = parse_schedule("onecycle", "total_steps=100,pct_start=0.25")
    assert schedule.cycles_momentum
    momenta = [schedule.momentum(step) for step in range(121)]
    assert momenta[0] == 0.95 and momenta[24] == pytest.approx(0.85)
    assert momenta[99] == pytest.approx(0.95) and momenta[120] == momenta[100]
    halfway = 0.85 + 0.1 / 2 * (math.cos(math.pi * 12 / 24) + 1)
    assert momenta[12] == pytest.approx(halfway, rel=1e-12)
    assert not parse_schedule("onecycle", "cycle_momentum=0").cycles_momentum


@pytest.mark.parametrize(("optimizer", "cycled"), [("gd", "momentum"), ("nadam", "beta1")])
def test_one_cycle_sets_each_steps_momentum_or_beta1(optimizer, cycled):
    """gd is torch's SGD at momentum 0, so OneCycleLR makes it SGD with momentum (the
    `momentum` rule); Adam's kind cycle β1. Each step reads the schedule's momentum."""
    hyper = Hyperparameters(optimizer=optimizer, lr=0.1, schedule=parse_schedule("onecycle", ""))
    assert hyper.rule == ("momentum" if optimizer == "gd" else optimizer)
    assert hyper.cycled == cycled
    plain = Hyperparameters(optimizer=optimizer, lr=0.1, schedule=Schedule("cosine"))
    assert plain.rule == optimizer


@pytest.mark.parametrize("optimizer", ["adagrad", "adadelta", "rmsprop", "newton"])
def test_one_cycle_refuses_to_cycle_what_an_optimiser_does_not_have(optimizer):
    with pytest.raises(SettingError) as caught:
        Hyperparameters(optimizer=optimizer, schedule=Schedule("onecycle"))
    assert "cycle_momentum=0" in caught.value.message
    quiet = Schedule("onecycle", (("cycle_momentum", 0.0),))
    assert Hyperparameters(optimizer=optimizer, schedule=quiet).schedule == quiet


def test_choosing_one_cycle_for_adagrad_starts_it_without_cycling():
    experiment = edit(edit(Experiment(), "optimizer", "adagrad"), "schedule", "onecycle")
    assert experiment.hyper.schedule.arguments["cycle_momentum"] == 0
    assert edit(Experiment(), "schedule", "onecycle").hyper.schedule.cycles_momentum


def test_plateau_cuts_the_lr_after_patience_steps_without_progress():
    schedule = parse_schedule("plateau", "patience=2,factor=0.5,cooldown=1")
    losses = [10.0, 9.0] + [9.0] * 10
    rates = _lrs(schedule, 1.0, 12, losses)
    # better at steps 1 and 2; bad at 3, 4, 5 (more than patience 2): cut; step 6 is the
    # cooldown's, not counted; bad again at 7, 8, 9: cut again
    assert rates == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]


def test_a_scheduled_run_keeps_its_lr_in_its_state_and_steps_back_through_it():
    experiment = edit(edit(Experiment(), "schedule", "step"), "schedule_args", "step_size=2")
    run = experiment.plane_run()
    run.advance(6)
    row = run.optimizer.lr_row
    np.testing.assert_allclose(
        run.history.states[:, row, 0], [0.5, 0.5, 0.05, 0.05, 5e-3, 5e-3, 5e-4]
    )
    moves = np.diff(run.history.params[:, 0])
    gradients = run.history.grads[:-1, 0]
    np.testing.assert_allclose(moves, -run.history.states[:-1, row, 0] * gradients)


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("sgdr", "", "unknown 'sgdr'"),
        ("cosine", "T_max=0", "T_max must be a whole number ≥ 1"),
        ("cosine", "gamma=0.5", "cosine takes T_max, eta_min, not 'gamma'"),
        ("step", "gamma=2", "gamma must be in (0, 1]"),
        ("step", "step_size", "is not NAME=VALUE"),
        ("none", "gamma=0.5", "no schedule takes them"),
        ("linear", "start_factor=0", "start_factor must be above 0"),
        ("onecycle", "cycle_momentum=0.5", "cycle_momentum must be 1 (on) or 0 (off)"),
        ("onecycle", "max_momentum=1", "max_momentum must be in [0, 1)"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(name, text, fragment):
    with pytest.raises(SettingError, match="schedule") as caught:
        parse_schedule(name, text)
    assert fragment in caught.value.message


@pytest.mark.parametrize("optimizer", ["rprop", "asgd"])
def test_optimisers_whose_lr_is_no_final_scale_take_no_schedule(optimizer):
    with pytest.raises(SettingError) as caught:
        Hyperparameters(optimizer=optimizer, schedule=Schedule("cosine"))
    assert caught.value.name == "schedule" and "takes no schedule" in caught.value.message


def test_a_new_schedule_starts_from_torchs_defaults():
    experiment = edit(edit(Experiment(), "schedule", "step"), "schedule_args", "gamma=0.5")
    changed = edit(experiment, "schedule", "exponential")
    assert changed.hyper.schedule == Schedule("exponential")

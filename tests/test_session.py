"""The session the app steps through, settings typed as text, and the trap flag."""

import contextlib
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.theory import steps_until_fraction
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import MAX_RIVALS, TUNABLE, Rival, format_rivals, parse_rivals
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import edit
from tui_gradients.core.runs.summary import TRAP_TOL, summarize


def test_runs_move_together_and_back_without_recomputing():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad"),))
    assert session.forward(25) == 25
    assert [run.cursor for run in session.runs] == [25, 25, 25]
    session.back(10)
    assert session.step == 15 and all(run.cursor == 15 for run in session.runs)
    assert all(run.last_step == 25 for run in session.runs)
    session.to_end()
    assert session.step == 25


def test_ghost_is_the_other_optimiser_from_the_same_start():
    session = Session(Experiment())
    assert session.next_ghost() == Rival("adagrad")
    session.forward(3)
    (ghost,) = session.rival_runs
    np.testing.assert_array_equal(ghost.history.params[0], session.plane.history.params[0])
    assert not np.array_equal(ghost.params, session.plane.params)
    seen = ["adagrad"]
    while (choice := session.next_ghost()) is not None:
        seen.append(choice.optimizer)
    assert "gd" not in seen and sorted(seen) == sorted(set(OPTIMIZERS) - {"gd"})
    assert session.rival_runs == []


def test_a_race_runs_every_optimiser_once_and_catches_up_to_the_step():
    session = Session(Experiment())
    session.forward(7)
    assert session.toggle_race() is True
    names = [name.removesuffix(" lr 0.5") for name, _ in session.plane_runs]
    assert sorted(names) == sorted(["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
    assert all(run.cursor == 7 for _, run in session.plane_runs)
    assert session.toggle_race() is False
    assert session.plane_runs == [("gd", session.plane)]


def test_a_rival_with_its_own_lr_keeps_it_when_the_main_lr_changes():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad", lr=5.0), Rival("adam")))
    session.apply(edit(session.experiment, "lr", "0.25"))
    session.go_to(0)
    session.forward(1)
    # The first step of both Adagrad and Adam moves each coordinate by lr, whatever the gradient.
    first_moves = [
        abs(run.history.params[1, 0] - run.history.params[0, 0]) for run in session.rival_runs
    ]
    np.testing.assert_allclose(first_moves, [5.0, 0.25], rtol=1e-6)
    names = [name for name, _ in session.plane_runs]
    assert names == ["gd lr 0.25", "adagrad lr 5", "adam lr 0.25"]


@pytest.mark.parametrize(
    "rivals",
    [
        tuple(Rival("adam") for _ in range(MAX_RIVALS + 1)),
        (Rival("adam"), Rival("sgd")),
        (Rival("adagrad", lr=-1.0),),
    ],
)
def test_refused_rivals_keep_the_old_race(rivals):
    session = Session(Experiment())
    session.set_rivals((Rival("adam"),))
    with pytest.raises(SettingError):
        session.set_rivals(rivals)
    assert session.rivals == (Rival("adam"),) and len(session.rival_runs) == 1


def test_arrival_is_the_first_step_within_one_percent_whatever_order_it_is_asked_in():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad", lr=5.0),))
    session.forward(120)
    gd, adagrad = (run for _, run in session.plane_runs)
    expected = steps_until_fraction(session.path(adagrad), [(0.0, 0.0)])
    assert expected is not None and expected < 100
    session.go_to(expected - 1)
    assert session.arrival(adagrad) is None
    session.go_to(120)
    assert session.arrival(adagrad) == expected
    session.go_to(expected)
    assert session.arrival(adagrad) == expected
    assert session.arrival(gd) is None  # gd needs thousands of steps at lr 0.5


def test_arrival_is_unknown_without_known_minima():
    session = Session(edit(Experiment(), "expr", "w1**2 + w2**2"))
    session.forward(50)
    assert session.arrival(session.plane) is None


def test_changing_lr_replays_to_the_same_step_with_the_new_value():
    session = Session(Experiment())
    session.forward(40)
    session.apply(edit(session.experiment, "lr", "0.25"))
    assert session.step == 40
    np.testing.assert_allclose(session.plane.params[0], -40 * (1 - 0.25 * 0.002) ** 40)


def test_a_diverged_run_stops_while_the_chain_goes_on():
    session = Session(edit(Experiment(), "lr", "1.5"))
    session.experiment = edit(session.experiment, "chain_lr", "0.5")
    session.forward(600)
    assert session.plane.stop.message.startswith("diverged at step")
    assert session.chain_run.cursor == 600
    assert [name for name, _ in session.stops()] == ["2-D"]
    session.go_to(5)
    assert session.plane.cursor == 5 and session.stops() == []


@pytest.mark.parametrize(
    ("name", "text", "check"),
    [
        ("lr", "0.1", lambda e: e.hyper.lr == 0.1),
        ("betas", "0.8, 0.99", lambda e: (e.hyper.beta1, e.hyper.beta2) == (0.8, 0.99)),
        ("eps", "default", lambda e: e.hyper.eps is None),
        ("start", "-10,2", lambda e: e.plane.start_point == (-10.0, 2.0)),
        ("expr", "w1**2 + 3*w2**2", lambda e: e.plane.objective.name == "custom"),
        ("function", "rosenbrock", lambda e: e.hyper.lr == 0.001),
        ("depth", "12", lambda e: e.chain.depth == 12),
        ("activation", "relu", lambda e: e.chain.activation == "relu"),
        ("chain_lr", "2", lambda e: e.chain_hyper.lr == 2 and e.hyper.lr == 0.5),
        ("optimizer", "adam", lambda e: e.chain_hyper.optimizer == "adam"),
    ],
)
def test_edit_accepts(name, text, check):
    assert check(edit(Experiment(), name, text))


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("lr", "", "not a number"),
        ("lr", "abc", "not a number"),
        ("lr", "0,5", "use a dot"),
        ("lr", "nan", "finite"),
        ("lr", "inf", "finite"),
        ("lr", "-0", "must be in"),
        ("lr", "1e308", "must be in"),
        ("momentum", "1", "must be in"),
        ("a", "-1", "(0, 1e6]"),
        ("start", "1", "two numbers"),
        ("start", "1e400,0", "finite"),
        ("depth", "2.5", "whole number"),
        ("depth", "0", "from 1 to 64"),
        ("expr", "w1.__class__", "attribute"),
        ("chain_lr", "-1", "must be in"),
        ("nonsense", "1", "unknown setting"),
    ],
)
def test_edit_refuses_with_a_reason_and_leaves_the_experiment(name, text, fragment):
    experiment = Experiment()
    with pytest.raises(SettingError) as caught:
        edit(experiment, name, text)
    assert fragment in caught.value.message
    assert experiment == Experiment()


def test_the_trap_is_flagged_where_a_loose_gradient_rule_would_stop():
    """gd, lr 0.5 from w1 = −40: ‖∇f‖ = 0.002·|w1| first drops below 1e-2 when |w1| < 5."""
    session = Session(Experiment())
    objective = session.experiment.plane.objective
    expected = math.ceil(math.log(TRAP_TOL / 0.002 / 40) / math.log(0.999))
    session.forward(expected - 1)
    before = summarize(objective, session.plane)
    assert before.grad_norm >= TRAP_TOL and not before.small_gradient_far_away
    session.forward(1)
    at = summarize(objective, session.plane)
    assert at.grad_norm < TRAP_TOL
    assert at.small_gradient_far_away
    assert at.distance == pytest.approx(5.0, abs=0.01)
    assert at.gap == pytest.approx(0.001 * 25, rel=0.01)


def test_no_flag_near_the_minimum_or_without_a_known_minimum():
    session = Session(edit(Experiment(), "start", "0.001,0"))
    assert not summarize(session.experiment.plane.objective, session.plane).small_gradient_far_away
    custom = Session(edit(Experiment(), "expr", "0.001*w1**2"))
    point = summarize(custom.experiment.plane.objective, custom.plane)
    assert point.distance is None and not point.small_gradient_far_away


def test_component_ratio_at_a_point_with_similar_coordinates_is_1000():
    session = Session(edit(Experiment(), "start", "1,1"))
    point = summarize(session.experiment.plane.objective, session.plane)
    assert point.component_ratio == pytest.approx(1000.0)


def test_a_deep_chain_keeps_its_history_within_the_memory_budget():
    from tui_gradients.core.runs.experiment import CHAIN_HISTORY_BYTES, LIMIT

    deep = edit(edit(edit(Experiment(), "depth", "64"), "optimizer", "adam"), "chain_lr", "0.01")
    run = deep.chain_run()
    per_step = run.history.nbytes / len(run.history._loss)  # the arrays hold this per row
    assert run.max_steps < LIMIT and run.max_steps * per_step <= CHAIN_HISTORY_BYTES
    assert Experiment().chain_run().max_steps == LIMIT  # the seed's depth-8 chain is not cut


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("adam", (Rival("adam"),)),
        (
            " adagrad , adagrad:5, rmsprop:0.01 ",
            (Rival("adagrad"), Rival("adagrad", 5.0), Rival("rmsprop", 0.01)),
        ),
        ("adam:0.1:beta2=0.99:beta1=0.8", (Rival("adam", 0.1, (("beta1", 0.8), ("beta2", 0.99))),)),
        ("rmsprop::eps=1e-06", (Rival("rmsprop", None, (("eps", 1e-6),)),)),
    ],
)
def test_rivals_are_typed_as_names_with_an_optional_lr(text, expected):
    from tui_gradients.core.runs.rivals import parse_rivals

    assert parse_rivals(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sgd", "unknown optimizer 'sgd'"),
        ("adam:-1", "adam: lr must be in (0, 1e+06]"),
        ("adam:x", "not a number"),
        ("adam:0.1:lr=2", "'lr=2' is not an lr or one of momentum"),
        ("adam:0.1:beta1=1.5", "adam: beta1 must be in [0, 1)"),
        ("adam:0.1:0.2", "'0.2' is not an lr"),
        ("adam,adam,adam,adam,adam,adam", "at most 5 rivals"),
        ("", "unknown optimizer ''"),
    ],
)
def test_refused_rivals_say_why(text, fragment):
    from tui_gradients.core.runs.rivals import parse_rivals

    with pytest.raises(SettingError) as caught:
        parse_rivals(text)
    assert caught.value.name == "race" and fragment in caught.value.message


@pytest.mark.parametrize("optimizer", ["gd", "adam"])  # adam's 2-D run converges on the way
def test_a_chain_left_behind_catches_up_to_where_it_would_have_been(optimizer):
    experiment = edit(Experiment(), "optimizer", optimizer)
    eager, lazy = Session(experiment), Session(experiment)
    eager.forward(600)
    lazy.forward(600, chain=False)
    assert lazy.chain_run.cursor == 0 and lazy.chain_target == 600
    assert lazy.plane.cursor == eager.plane.cursor
    lazy.catch_up_chain()
    assert lazy.chain_target is None
    assert lazy.step == eager.step == lazy.chain_run.cursor == 600
    np.testing.assert_array_equal(lazy.chain_run.history.params, eager.chain_run.history.params)
    lazy.catch_up_chain()  # nothing left to do
    assert lazy.step == 600


TUNED_VALUES = {name: st.floats(0.001, 0.999) for name in TUNABLE} | {
    "amsgrad": st.booleans(),
    "eta_plus": st.floats(1.001, 10.0),
    "step_min": st.floats(0.0, 1.0),
    "step_max": st.floats(1.0, 100.0),
}
"""A value each setting a rival may set accepts."""
TUNED = st.builds(
    Rival,
    st.sampled_from(OPTIMIZERS),
    st.none() | st.floats(1e-6, 1e3),
    st.fixed_dictionaries({}, optional=TUNED_VALUES).map(
        lambda tuned: tuple((name, tuned[name]) for name in TUNABLE if name in tuned)
    ),
)


@given(st.lists(TUNED, min_size=1, max_size=MAX_RIVALS))
def test_format_rivals_writes_what_parse_rivals_reads_back(rivals):
    """An export saves the rivals as text and --load reads them: tuned ones included."""
    valid = []
    for rival in rivals:
        with contextlib.suppress(SettingError):  # e.g. nesterov with dampening: never written
            valid.append(rival.hyper(Hyperparameters(optimizer=rival.optimizer)) and rival)
    assume(valid)
    rivals = tuple(valid)
    assert parse_rivals(format_rivals(rivals)) == rivals


def test_a_selected_rival_is_tuned_alone_and_replayed_to_the_step():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad"), Rival("adam")))
    session.forward(30)
    main_before = session.plane.history.params.copy()
    adagrad_before = session.rival_runs[0].history.params.copy()
    assert session.select(2) == 2 and session.selected_hyper.optimizer == "adam"
    session.edit("betas", "0.8,0.99")
    session.edit("lr", "0.1")
    assert session.rivals[1] == Rival("adam", 0.1, (("beta1", 0.8), ("beta2", 0.99)))
    assert session.experiment == Experiment()  # the main run's settings are untouched
    np.testing.assert_array_equal(session.plane.history.params, main_before)
    np.testing.assert_array_equal(session.rival_runs[0].history.params, adagrad_before)
    tuned = session.rival_runs[1]
    assert tuned.cursor == session.step == 30
    alone = Session(
        edit(edit(edit(Experiment(), "optimizer", "adam"), "lr", "0.1"), "betas", "0.8,0.99")
    )
    alone.forward(30)
    np.testing.assert_array_equal(tuned.history.params[:31], alone.plane.history.params[:31])
    assert [name for name, _ in session.plane_runs][2] == "adam lr 0.1"


def test_a_rival_follows_the_main_run_except_in_what_it_set_itself():
    session = Session(Experiment())
    session.set_rivals((Rival("rmsprop"),))
    session.select(1)
    session.edit("alpha", "0.9")
    session.edit("optimizer", "adam")  # its own optimiser, alpha kept for when it reads it
    session.select(0)
    session.edit("lr", "0.2")
    session.edit("betas", "0.5,0.9")
    hyper = session.rivals[0].hyper(session.experiment.hyper)
    assert (hyper.optimizer, hyper.lr, hyper.beta1, hyper.alpha) == ("adam", 0.2, 0.5, 0.9)
    assert session.experiment.hyper.optimizer == "gd"


def test_a_refused_rival_value_keeps_the_rival_and_its_run():
    session = Session(Experiment())
    session.set_rivals((Rival("adam"),))
    session.forward(5)
    session.select(1)
    run = session.rival_runs[0]
    with pytest.raises(SettingError, match="lr"):
        session.edit("lr", "-3")
    assert session.rivals == (Rival("adam"),) and session.rival_runs[0] is run


def test_the_selection_wraps_and_returns_to_the_main_run_when_its_rival_goes():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad"), Rival("adam")))
    assert [session.select(i) for i in (1, 2, 3)] == [1, 2, 0]
    session.select(2)
    session.drop_rival()
    assert session.selected == 0 and session.selected_hyper == session.experiment.hyper
    session.edit("steps_per_press", "5")  # not an optimiser setting: shared, whatever is selected
    assert session.experiment.steps_per_press == 5


@pytest.mark.parametrize(
    ("name", "text", "reached"),
    [
        ("lr", "0.3", {"plane"}),
        ("chain_lr", "0.3", {"chain"}),
        ("optimizer", "adam", {"plane", "chain"}),
        ("depth", "4", {"chain"}),
        ("function", "rosenbrock", {"plane"}),
        ("steps_per_press", "10", set()),
    ],
)
def test_a_change_reaches_only_the_runs_built_from_what_it_changed(name, text, reached):
    experiment = Experiment()
    assert experiment.reach(edit(experiment, name, text)) == reached


def test_an_edit_rebuilds_only_the_runs_it_reaches_and_replays_them():
    session = Session(Experiment())
    session.forward(300)
    chain, plane = session.chain_run, session.plane
    session.edit("lr", "0.3")
    assert session.chain_run is chain and session.plane is not plane
    assert session.step == 300 and session.plane.cursor == 300
    np.testing.assert_allclose(session.plane.params[0], -40 * (1 - 0.3 * 0.002) ** 300)
    session.edit("chain_lr", "0.2")
    assert session.chain_run is not chain and session.chain_run.cursor == 300


def test_a_session_that_replays_later_leaves_the_replay_to_its_owner():
    session = Session(Experiment(), replay_later=True)
    session.forward(300)
    chain = session.chain_run
    session.edit("lr", "0.3")
    assert session.step == 0 and session.behind == 300
    assert session.work_to(300) == 300  # the new 2-D run only: the chain's history is kept
    assert session.take_behind() == 300 and session.behind == 0
    session.forward(300)
    assert session.chain_run is chain and session.plane.cursor == 300


def test_a_successor_shares_the_runs_an_action_leaves_and_the_kept_session_resumes_exactly():
    from tui_gradients.core.runs.settings import edit
    from tui_gradients.core.runs.undo import UndoStack

    kept = Session(Experiment())
    kept.forward(10)
    path = kept.plane.history.params[:11].copy()
    following = kept.successor()
    following.apply(edit(kept.experiment, "lr", "0.25"))  # rebuilds the 2-D run alone
    assert following.plane is not kept.plane and following.chain_run is kept.chain_run
    following.forward(5)  # the shared chain moves on
    stack = UndoStack(depth=2)
    stack.push(kept, "the change of lr")
    undone = stack.pop()
    assert undone is not None and undone.session is kept
    kept.resume()
    assert kept.step == 10 and kept.chain_run.cursor == 10 and kept.plane.cursor == 10
    np.testing.assert_array_equal(kept.plane.history.params[:11], path)
    assert kept.experiment.hyper.lr == 0.5


def test_the_undo_stack_keeps_its_depth_and_lets_the_oldest_go():
    from tui_gradients.core.runs.undo import UndoStack

    stack = UndoStack(depth=3)
    sessions = [Session(Experiment()) for _ in range(5)]
    for number, session in enumerate(sessions):
        stack.push(session, f"action {number}")
    assert len(stack) == 3
    assert [stack.pop().action for _ in range(3)] == ["action 4", "action 3", "action 2"]
    assert stack.pop() is None

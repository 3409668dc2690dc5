"""The presenters, called on sessions directly: what the readout and status line say."""

import pytest

from tui_gradients.core.objectives import expression
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.tree import size
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import edit
from tui_gradients.ui import presenters
from tui_gradients.ui.format import number


def _keys(rows):
    return [row.key for row in rows]


def test_the_readout_shows_the_step_its_numbers_belong_to():
    session = Session(Experiment())
    session.forward(3)
    shown = presenters.readout_rows(session, theory=False, ascii_only=False)
    rows = {row.key: row for row in shown}
    assert rows["step"].value.startswith("3 ")
    assert rows["point"].value == ", ".join(number(float(v)) for v in session.plane.params)
    assert "ratio" in rows and "gap" in rows
    assert "f" not in rows  # f* = 0: f − f* is f, one row


def test_theory_goes_under_the_distance_and_makes_room():
    session = Session(Experiment())
    keys = _keys(presenters.readout_rows(session, theory=True, ascii_only=False))
    assert keys.index("eigen") == keys.index("to_min") + 1
    assert "f" not in keys and "ratio" not in keys
    gd = next(r for r in presenters.theory_rows(session, False) if r.key == "gd")
    assert gd.value.startswith("4603 steps")  # ln(0.01)/ln(0.999), the seed's bowl


def test_a_race_has_a_row_per_run_and_names_the_first_to_arrive():
    session = Session(Experiment())
    session.set_rivals((Rival("adagrad"), Rival("adam")))
    session.forward(200)
    rows = presenters.readout_rows(session, theory=False, ascii_only=True)
    keys = _keys(rows)
    assert keys[-4:] == ["run:0", "run:1", "run:2", "first"]
    assert [row.name for row in rows[-4:-1]] == ["@ gd", "% adagrad", "^ adam"]
    assert rows[-2].value.startswith("lr 0.5 ")  # each run's lr beside its name
    assert "gap" not in keys
    arrivals = {e.name: e.arrival for e in presenters.race_entries(session) if e.arrival}
    first = min(arrivals, key=arrivals.get)
    optimizer = first.partition(" lr ")[0]
    assert optimizer != "gd" and rows[-1].value.endswith(f" {optimizer}, step {arrivals[first]}")


def test_the_trap_row_appears_where_a_loose_rule_would_stop():
    session = Session(Experiment())
    session.forward(2079)  # the domain note's step: ‖∇f‖ < 1e-2 first, w1 ≈ −5
    keys = _keys(presenters.readout_rows(session, theory=False, ascii_only=False))
    assert "trap" in keys
    session.go_to(2078)
    assert "trap" not in _keys(presenters.readout_rows(session, theory=False, ascii_only=False))


def test_the_status_line_says_what_the_screen_knows():
    session = Session(edit(Experiment(), "lr", "5"))
    session.forward(50)
    status = presenters.Status(count="12", playing=10, message="hello", equal_scale=True)
    line = presenters.status_line(session, status, ascii_only=True, width=500)
    assert "count 12" in line and "> playing 10/s" in line and "hello" in line
    assert "2-D diverged at step" in line and line.endswith("equal scale")


def test_a_formula_past_the_analysis_budget_is_said_to_be_too_large(monkeypatch):
    formula = "tanh(" * 30 + "w1*w2" + ")" * 30
    session = Session(edit(Experiment(), "expr", formula))
    second = Expression.parse(formula).second_derivatives()
    monkeypatch.setattr(expression, "MAX_ANALYSED_NODES", size(*second) - 1)
    expression._second_derivatives.cache_clear()
    try:
        rows = presenters.theory_rows(session, ascii_only=False)
    finally:
        expression._second_derivatives.cache_clear()
    assert [row.key for row in rows] == ["eigen"]
    assert rows[0].value.startswith("too large to analyse")
    session.forward(1)  # and the run goes on
    assert session.step == 1


@pytest.mark.parametrize("width", [20, 40, 79, 158])
def test_a_status_line_is_one_row_cut_at_a_word_with_an_ellipsis(width):
    from tui_gradients.ui.format import fit

    parts = ["lr 5: the run diverged at step 3 (why: on this surface lr > 1 overshoots)"]
    parts += ["chain cost 0.08993", "axes scaled separately"]
    line = fit(parts, width, " · ", "… [@]")
    assert len(line) <= width
    if len(" · ".join(parts)) > width:
        assert line.endswith("… [@]") or "chain cost" not in line
    body = line.removesuffix("… [@]")
    words = {word.rstrip(":,") for word in " ".join(parts).split()}
    kept = [word.rstrip(":,") for word in body.split() if word != "·"]
    assert all(word in words for word in kept)  # whole words, numbers too


def test_zero_is_never_shown_with_a_sign_and_one_cell_is_singular():
    from tui_gradients.ui.format import number, unsigned_zero
    from tui_gradients.ui.presenters import iterate_row

    assert number(-0.0) == "0" and number(-1e-300, 3) == "-1e-300"
    assert [unsigned_zero(text) for text in ("-0.00e+00", "-0.000", "-0", "-0.5", "-1e-05")] == [
        "0.00e+00",
        "0.000",
        "0",
        "-0.5",
        "-1e-05",
    ]
    assert iterate_row(5, 1).value == "5 in view, 1 cell"

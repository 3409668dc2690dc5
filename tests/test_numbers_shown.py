"""Coherent numbers: the step shown is the step of the values shown, the table keeps one
format per column and never cuts a number, titles read as formulas, the update arrows' numbers
are the optimiser's own next step."""

import numpy as np
import pytest

from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.objectives.functions import make_objective
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import edit
from tui_gradients.core.runs.summary import next_update
from tui_gradients.ui import presenters
from tui_gradients.ui.widgets.layer_table import (
    COLUMNS,
    _layer_lines,
    chain_table,
    column_format,
    fitting_columns,
    table_width,
)


def _rows(session, **kwargs):
    rows = presenters.readout_rows(session, theory=False, ascii_only=False, **kwargs)
    return {row.key: row.value for row in rows}


def test_after_a_divergence_the_readout_shows_the_step_of_its_values():
    session = Session(Experiment(hyper=Hyperparameters(lr=5.0)))
    session.forward(50)
    rows = _rows(session)
    stopped_at = session.plane.cursor
    assert session.step == 50 and stopped_at < 10
    assert rows["step"].startswith(f"{stopped_at} ")
    assert "diverged at step" in rows["stopped"] and "count at 50" in rows["stopped"]
    assert rows["point"].startswith(f"{session.plane.params[0]:.6g}")


def test_a_run_going_on_has_no_stop_row():
    session = Session(Experiment())
    session.forward(5)
    assert "stopped" not in _rows(session)
    assert _rows(session)["step"].startswith("5 ")


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adagrad", "adam"])
def test_the_step_arrow_is_the_step_the_run_then_takes(optimizer):
    session = Session(Experiment(hyper=Hyperparameters(optimizer=optimizer)))
    session.forward(7)
    before = session.plane.params.copy()
    update = next_update(session.plane, session.experiment.hyper.lr)
    np.testing.assert_allclose(update.gradient_step, -0.5 * session.plane.grads)
    session.forward(1)
    np.testing.assert_allclose(update.step, session.plane.params - before, rtol=1e-12)
    rows = _rows(session, update=next_update(session.plane, 0.5))
    assert ("next_step" in rows) == (optimizer != "gd")


def test_titles_read_as_formulas():
    """The title is the parsed tree shown: coefficients rounded, no `**1`, no factor 1, and
    parentheses only where they change the meaning."""
    assert make_objective("rotated").expression.title == (
        "0.001*(0.7071*w1 + 0.7071*w2)**2 + (-0.7071*w1 + 0.7071*w2)**2"
    )
    assert "**1)" not in make_objective("beale").expression.title
    assert _title("w1**10 + 21.0*w2 + 1.5**1.5") == "w1**10 + 21*w2 + 1.5**1.5"
    assert _title("w1 + -2*w2 - (w1 - w2)/(2*w1)") == "w1 - 2*w2 - (w1 - w2)/(2*w1)"
    assert _title("(-w1)**2 + (w1**2)**3 - -w2 + sin(w1)**2") == (
        "(-w1)**2 + (w1**2)**3 - -w2 + sin(w1)**2"
    )


def _title(text: str) -> str:
    return Expression.parse(text).title


def test_each_column_has_one_format_and_every_cell_its_full_number():
    trace = Session(Experiment()).chain_trace()
    lines = _layer_lines(chain_table(trace), COLUMNS)
    for index, name in enumerate(COLUMNS[1:], start=1):
        cells = [line[index][0].strip() for line in lines]
        scientific = ["e" in cell for cell in cells]
        assert all(scientific) or not any(scientific), (name, cells)
        assert all(len(line[index][0]) == len(lines[0][index][0]) for line in lines)
    assert column_format("a", np.array([1.0, 0.999, -3e-3])) == ".2e"
    assert column_format("a", np.array([1.0, 0.999, 0.25])) == ".3f"


def test_narrow_tables_drop_whole_columns_never_digits():
    assert fitting_columns(table_width(COLUMNS)) == COLUMNS
    narrow = fitting_columns(70)
    assert table_width(narrow) <= 70
    assert {"l", "a", "gprime", "delta", "grad_weight"} <= set(narrow)
    assert "b" not in narrow


def test_the_next_step_is_read_from_the_history_or_asked_for_once_per_place(monkeypatch):
    """Behind the end of the history the step taken is the one shown; at the end, an LBFGS
    step (milliseconds) is asked for once however often the screen redraws."""
    from tui_gradients.core.optimisation.optimizers import Optimizer

    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "optimizer", "lbfgs")
    run = experiment.plane_run()
    run.forward(5)
    run.back(2)
    asked = []
    real = Optimizer.step
    monkeypatch.setattr(Optimizer, "step", lambda *a, **k: asked.append(1) or real(*a, **k))
    update = next_update(run, 0.001)
    assert update.step == tuple(run.history.params[4] - run.history.params[3]) and not asked
    run.forward(2)
    for _ in range(3):
        at_end = next_update(run, 0.001)
    assert len(asked) == 1
    run.forward(1)
    assert at_end.step == pytest.approx(tuple(run.history.params[6] - run.history.params[5]))

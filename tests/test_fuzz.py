"""A seeded fuzzer: random keys, typed values and resizes, with invariants after every action.

Keys go straight into the app's message queue, and each action waits until the app and every
widget on screen have handled what it caused (and any jump it started has been computed):
counting messages, not sleeping, so a seed replays the same actions on any machine, at any
speed. The default variants run a thousand actions each; the `fuzz` marker holds longer ones,
left out of the default command (`pytest -m fuzz` runs them). A failure prints its seed and
action number, which replay it exactly.
"""

import asyncio
import random

import numpy as np
import pytest
from textual.events import Key
from textual.widgets import Input

from tui_gradients.core import fast
from tui_gradients.ui import driver as driver_module
from tui_gradients.ui import raster
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.help import HelpScreen
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.layer_table import LayerTable

from .pilot_helpers import fields_ready

# Every binding but quit, play (a timer would make a seed's run depend on the machine's speed),
# screenshot and export (each writes the whole history; they have their own tests).
KEYS = [
    *("space", "n", "right", "N", "shift+right", "b", "left", "B", "shift+left"),
    *("g", "home", "G", "end", "plus", "minus", "r", "o", "enter", "f", "c", "z", "Z", "v"),
    *("equals_sign", "m", "u", "a", "A", "w", "at", "slash"),
    *("comma", "escape", "tab", "shift+tab", "question_mark", "up", "down", "pageup", "pagedown"),
    *("i", "C", "t", "right_square_bracket", "left_square_bracket"),
]
DIGITS = [*"0123456789", "²", "٣", "½"]
"""Counts: drawn less often, so that histories stay short enough to replay quickly; with
characters that `str.isdigit` or `isnumeric` takes and `int` does not."""
CHARACTERS = {
    "space": " ",
    "plus": "+",
    "minus": "-",
    "question_mark": "?",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "full_stop": ".",
    "comma": ",",
    "asterisk": "*",
    "slash": "/",
    "left_parenthesis": "(",
    "right_parenthesis": ")",
    "underscore": "_",
    "apostrophe": "'",
    "equals_sign": "=",
    "at": "@",
}
HISTORY_BUDGET = 4 * 2**20
"""A long count computes a few thousand steps at most (a jump still goes to its thread), so
that two thousand actions take a minute or two; and the histories are thinned often."""
VALUES = {
    "lr": ["0.5", "0.01", "1.5", "5", "-1", "0", "nan", "inf", "1e308", "abc", "", "0,5", "-0"],
    "momentum": ["0.9", "0", "0.99", "1", "-0.1", "x"],
    "betas": ["0.9,0.999", "0.5,0.5", "1,1", "0.9", "a,b"],
    "eps": ["default", "1e-8", "0", "-1", "1e9"],
    "a": ["0.001", "1", "0", "-5", "1e7", "nan"],
    "b": ["1", "100", "0", "inf"],
    "start": ["-40,1.5", "3,3", "1e6,1e6", "1e7,0", "nan,1", "5", ""],
    "expr": [
        "w1**2 + w2**2",
        "sin(w1)*cos(w2)",
        "exp(w1*w2)",
        "log(w1)",
        "1/w1",
        "w1.real",
        "9**9**9",
        "w1**10**10",
        "(" * 300 + "w1" + ")" * 300,
        "x" * 5000,
        "__import__('os')",
    ],
    "function": ["quadratic", "rotated", "rosenbrock", "himmelblau", "saddle", "beale", "nope"],
    "optimizer": ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"],
    "depth": ["1", "8", "64", "0", "65", "2.5", "-3"],
    "activation": ["sigmoid", "tanh", "relu", "linear", "softmax"],
    "init": ["constant", "normal", "xavier"],
    "weight": ["1", "10", "1e6", "nan", "-3"],
    "seed": ["0", "42", "-1", "1e3"],
    "chain_lr": ["0.5", "50", "-1", "x"],
    "steps_per_press": ["1", "100", "0", "1000000", "two"],
}


def check_invariants(app: GradientsApp) -> None:
    session = app.session
    assert session.step >= 0
    for run in session.runs:
        assert len(run.history) >= 1
        assert 0 <= run.cursor <= run.last_step
        assert np.all(np.isfinite(run.history.params[: run.cursor + 1]))
        assert np.all(np.isfinite(run.history.loss[: run.cursor + 1]))
    assert app.query_one(LayerTable).row_count == session.experiment.chain.depth
    plot = app.query_one(ContourPlot)
    styles = plot.overlay.styles
    assert styles.min(initial=0) >= 0 and styles.max(initial=0) <= raster.STEP_ARROW
    assert np.all(np.isfinite(session.path(session.plane)))


async def fuzz(seed: int, actions: int) -> None:
    rng = random.Random(seed)
    app = GradientsApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for action in range(actions):
            roll = rng.random()
            try:
                if roll < 0.05:
                    await press(pilot, rng.choice(DIGITS))
                elif roll < 0.8:
                    await press(pilot, rng.choice(KEYS))
                elif roll < 0.9:
                    field = rng.choice(list(VALUES))
                    app.main_screen.change_setting(field, rng.choice(VALUES[field]))
                elif roll < 0.95 and not isinstance(app.screen, HelpScreen):
                    await _type_into_a_field(pilot, app, rng)
                else:
                    await pilot.resize_terminal(rng.randint(20, 240), rng.randint(6, 70))
                await settle(pilot)
                check_invariants(app)
            except Exception as error:
                raise AssertionError(f"seed {seed}, action {action}: {error!r}") from error


async def _type_into_a_field(pilot, app: GradientsApp, rng: random.Random) -> None:
    await fields_ready(pilot)
    fields = [name for name in VALUES if app.query(f"Input#{name}")]
    field = app.query_one(f"#{rng.choice(fields)}", Input)
    field.focus()
    field.value = ""
    text = rng.choice(VALUES[field.id])[:40]
    for char in text:
        await press(pilot, char if char.isalnum() else NAMES[char])
    await press(pilot, "enter")


NAMES = {char: name for name, char in CHARACTERS.items()}


async def press(pilot, key: str) -> None:
    """A key as the terminal would send it, handled before this returns."""
    character = CHARACTERS.get(key, key if len(key) == 1 else None)
    pilot.app.post_message(Key(key, character))
    await settle(pilot)


async def settle(pilot) -> None:
    """Until the app, the screen and the focused widget have handled what was sent to them,
    twice over (what the first round handled may have sent more), any jump started has been
    computed, and the screen has been drawn once."""
    app = pilot.app
    for _ in range(2):
        for target in {app, app.screen, app.focused or app.screen}:
            handled = asyncio.Event()
            if target.call_later(handled.set):
                await handled.wait()
        if app.workers:
            await app.workers.wait_for_complete()
    await pilot.pause(0)  # yield once, and the screen is drawn with what changed


@pytest.fixture(autouse=True)
def short_jumps(monkeypatch):
    """Jumps of a few thousand steps, on the loops every install has: numba's compile in the
    background for seconds, a duration no seed can replay."""
    monkeypatch.setattr(driver_module, "HISTORY_BUDGET", HISTORY_BUDGET)
    monkeypatch.setattr(fast, "_loaded", None)
    monkeypatch.setattr(fast, "installed", lambda: False)


@pytest.mark.parametrize("seed", [1, 2])
async def test_fuzz(seed):
    """Two seeds of a thousand actions each, so that two workers share them."""
    await fuzz(seed, actions=1000)


@pytest.mark.fuzz
@pytest.mark.parametrize("seed", [11, 12])
async def test_fuzz_long(seed):
    await fuzz(seed, actions=5000)

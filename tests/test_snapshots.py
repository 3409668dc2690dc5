"""What the screen looks like, compared with stored SVG snapshots (pytest-textual-snapshot).

After an intended change of appearance: `pytest tests/test_snapshots.py --snapshot-update`,
then look at the new SVGs before committing them.
"""

import shlex

import pytest

from tui_gradients.arguments import parse
from tui_gradients.cli import app_options
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import parse_rivals
from tui_gradients.core.runs.settings import edit
from tui_gradients.ui.app import GradientsApp

from .pilot_helpers import fields_ready, until

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
STEPS = {"0": [], "1": ["n"], "10": ["N"]}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("steps", STEPS)
def test_default_screen(snap_compare, size, steps):
    app = GradientsApp()
    assert snap_compare(app, terminal_size=SIZES[size], press=STEPS[steps], run_before=fields_ready)


def test_help_screen(snap_compare):
    assert snap_compare(GradientsApp(), terminal_size=(100, 40), press=["question_mark"])


def test_comparison_and_ascii_markers(snap_compare):
    keys = ["c", "3", "0", "n", "m"]
    assert snap_compare(GradientsApp(), terminal_size=(120, 36), press=keys)


def test_refused_value_under_its_field(snap_compare):
    async def type_bad_lr(pilot):
        await fields_ready(pilot)
        field = pilot.app.query_one("#lr")
        field.focus()
        field.value = ""
        await pilot.press("-", "1", "enter")
        field.cursor_blink = False

    app = GradientsApp(edit(Experiment(), "depth", "4"))
    assert snap_compare(app, terminal_size=(160, 48), run_before=type_bad_lr)


def test_selected_rival_in_the_panel(snap_compare):
    """A race of three, the last rival selected and tuned: the panel edits its settings."""
    app = GradientsApp(rivals=parse_rivals("adagrad:5,adam:0.1:beta1=0.8"))
    keys = ["2", "0", "n", "w", "w"]
    assert snap_compare(app, terminal_size=(160, 48), press=keys, run_before=fields_ready)


def test_race_of_six_at_80x24(snap_compare):
    keys = ["C", "2", "0", "0", "n"]
    assert snap_compare(GradientsApp(), terminal_size=(80, 24), press=keys)


def test_lesson_first_page_at_80x24(snap_compare):
    assert snap_compare(GradientsApp(lesson_page=1), terminal_size=(80, 24), press=["n", "n"])


PICTURE_SCENARIOS = {
    "momentum-20": ("--optimizer momentum", ["2", "0", "n"]),
    "formula-50": ("--expr 'sin(w1)*cos(w2) + 0.1*w1**2' --start 1,2 --steps 50", []),
    "zoomed-30": ("", ["z", "z", "z", "3", "0", "n"]),
    "diverged-lr5": ("--lr 5", ["5", "0", "n"]),
    "saddle-shaded": ("--preset saddle", ["1", "0", "n", "d"]),
    "following-off": ("", ["V", "z", "z", "z", "l", "l", "l"]),
    "penguins-raw": ("--preset penguins", ["3", "0", "n"]),
    "penguins-standardised": ("--preset penguins --standardize x", ["n"]),
    "penguins-minibatch": ("--preset penguins --standardize x --batch-size 32 --lr 0.1", ["N"]),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scenario", PICTURE_SCENARIOS)
def test_picture_scenarios(snap_compare, scenario, size):
    """Issue 16's scenarios: the run in sight, iterates you can count, contours you can read."""
    flags, keys = PICTURE_SCENARIOS[scenario]
    args, experiment = parse(shlex.split(flags))
    app = GradientsApp(experiment, **app_options(args))
    assert snap_compare(app, terminal_size=SIZES[size], press=keys)


@pytest.mark.parametrize("theme", ["textual-light", "nord"])
def test_a_comparison_shaded_in_a_light_and_a_dark_theme(snap_compare, theme):
    async def use_theme(pilot):
        pilot.app.theme = theme
        await pilot.pause()

    keys = ["c", "3", "0", "n", "d"]
    assert snap_compare(GradientsApp(), terminal_size=(100, 30), press=keys, run_before=use_theme)


NETWORK_SCENARIOS = {
    "penguins-adam-30": ("net --app --optimizer adam --lr 0.01", ["3", "0", "n"]),
    "deep-sigmoid-update-data": (
        "net --app --depth 10 --width 16 --activation sigmoid --init normal",
        ["2", "0", "n", "x"],
    ),
    "spiral-inputs": ("net --app --data spiral --optimizer adam --lr 0.01", ["1", "0", "0", "n"]),
    "path-plane": ("net --app --plane pca --optimizer adam --lr 0.01 --steps 40", []),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scenario", NETWORK_SCENARIOS)
def test_network_screen(snap_compare, scenario, size):
    """The network screen after its keys, once what it computes after them (the charts, the
    input plane, the loss plane's fine grid) is in."""
    from tui_gradients.ui.network_screen import NetworkStart
    from tui_gradients.ui.widgets.input_plane import InputPlane
    from tui_gradients.ui.widgets.loss_plane import LossPlane

    flags, keys = NETWORK_SCENARIOS[scenario]
    args, experiment = parse(shlex.split(flags))
    start = NetworkStart(args.net, experiment.hyper, None, args.plane, args.plane_axes)
    app = GradientsApp(network=start, initial_steps=args.steps or 0)

    async def settled(pilot):
        await pilot.press(*keys)
        await pilot.pause()  # the screen composed, with no key to wait for
        screen = pilot.app.screen
        plane, inputs = screen.query_one(LossPlane), screen.query_one(InputPlane)

        def done() -> bool:
            fine = plane.landscape is not None and plane.landscape.u.size == 60
            return (not plane.display or fine) and (not inputs.display or inputs.image is not None)

        await until(pilot, done, "the network screen's threads")
        await pilot.pause(0.4)  # the charts' timer, and a last input-plane image

    assert snap_compare(app, terminal_size=SIZES[size], run_before=settled)

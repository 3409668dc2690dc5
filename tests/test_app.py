"""The app driven through Textual's Pilot: every key, every kind of typed value."""

import asyncio
import errno
import gc
import io
import json
import math
import os
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console
from textual.color import Color
from textual.events import Key
from textual.geometry import Region
from textual.widgets import Input, Static

from tui_gradients.arguments import parse
from tui_gradients.cli import app_options
from tui_gradients.core import fast
from tui_gradients.core.files.export import export_session
from tui_gradients.core.files.resume import Resume, SavedView
from tui_gradients.core.objectives.view import contains, usable
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.runs import lesson
from tui_gradients.core.runs.experiment import ESCAPE_FACTOR, LIMIT, Experiment
from tui_gradients.core.runs.rivals import Rival, others
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import edit
from tui_gradients.ui import app as app_module
from tui_gradients.ui import driver as driver_module
from tui_gradients.ui import raster
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.driver import JUMP_IN_THREAD
from tui_gradients.ui.format import ordinal
from tui_gradients.ui.help import HelpScreen
from tui_gradients.ui.marks import MARKS
from tui_gradients.ui.screen import MAX_SIZE, PLAY_RATES
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.layer_table import LayerTable
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.race_chart import RaceChart
from tui_gradients.ui.widgets.settings_panel import Field, field_values
from tui_gradients.ui.widgets.trend import Trends

from .pilot_helpers import fields_ready, until

WIDE = (160, 48)
SMALL = (80, 24)


def _plain(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be a Rich table)."""
    console = Console(width=1000, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def _status(app):
    return app.query_one("#status", Lines).text


def _readout(app):
    return app.query_one("#readout", Lines).text


async def test_default_screen_tells_the_seed_story():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        plane = app.session.plane
        await pilot.press("n")
        assert app.session.step == 1
        assert plane.params[1] == 0.0  # w2 solved in one step
        await pilot.press("n", "n", "n")
        np.testing.assert_allclose(plane.params[0], -40 * 0.999**4)
        table = app.query_one(LayerTable)
        assert table.row_count == 8
        first, last = app.session.chain_trace().delta[[0, -1]]
        assert abs(first) < abs(last) / 1000  # early layers' δ orders of magnitude smaller


@pytest.mark.parametrize(
    ("keys", "step"),
    [
        (["space"], 1),
        (["n"], 1),
        (["right"], 1),
        (["N"], 10),
        (["shift+right"], 10),
        (["2", "5", "n"], 25),
        (["n", "n", "n", "b"], 2),
        (["n", "n", "left"], 1),
        (["N", "N", "B"], 10),
        (["N", "shift+left"], 0),
        (["N", "g"], 0),
        (["N", "home"], 0),
        (["N", "g", "G"], 10),
        (["N", "home", "end"], 10),
    ],
)
async def test_stepping_keys(keys, step):
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*keys)
        assert app.session.step == step
        assert app.session.plane.cursor == step
        assert f"step      {step}" in _readout(app)


async def test_steps_per_key_field_scales_every_step_command():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        assert app.main_screen.change_setting("steps_per_press", "5")
        await pilot.press("n")
        assert app.session.step == 5
        await pilot.press("N")
        assert app.session.step == 55


async def test_play_pause_and_speed():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("plus", "plus", "plus")
        assert "60 steps/s" in _status(app)
        await pilot.press("p")
        await pilot.pause(0.4)
        await pilot.press("p")
        played = app.session.step
        assert played >= 3
        await pilot.pause(0.2)
        assert app.session.step == played  # paused
        await pilot.press(*["minus"] * 10)
        assert app.main_screen._rate_index == 0 and PLAY_RATES[0] == 1


async def test_reset_cycle_optimizer_and_function():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("N", "o", "enter")  # the list opens on the next optimiser
        assert app.session.experiment.hyper.optimizer == "momentum"
        assert app.session.step == 10  # replayed to the same step
        await pilot.press("r")
        assert app.session.step == 0
        await pilot.press("f")
        assert app.session.experiment.plane.function == "rotated"
        assert "its long axis no longer follows w1" in app.session.experiment.plane.objective.note
        assert app.query_one(ContourPlot).border_title.startswith("f = 0.001*(0.7071*w1")
        await pilot.press("f")
        assert app.session.experiment.plane.function == "rosenbrock"
        assert app.session.experiment.hyper.lr == 0.001
        await fields_ready(pilot)
        assert app.query_one("#lr", Input).value == "0.001"


async def test_undo_brings_back_each_discarded_session_exactly_several_levels_deep():
    """An optimiser changed at step 10, a reset, a new function, a click and a dropped rival,
    undone one by one: each time the runs come back as they were, history and all."""
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("N", "c", "n")
        first = app.session.plane.history.params[:12].copy()
        await pilot.press("o", "enter", "r", "f", "A")
        plot, col, row = _plot_middle(app)
        await pilot.click(ContourPlot, offset=(col + plot.gutter.left, row + plot.gutter.top))
        await pilot.pause()
        assert app.session.step == 0 and not app.session.rivals
        states = []
        for _ in range(6):
            await pilot.press("u")
            await pilot.pause()
            session = app.session
            states.append((session.experiment.plane.function, session.step, len(session.rivals)))
        assert states[:5] == [
            ("rotated", 0, 0),  # before the click
            ("rotated", 0, 1),  # before the rival was dropped
            ("quadratic", 0, 1),  # before f
            ("quadratic", 11, 1),  # before r: momentum's run at step 11
            ("quadratic", 11, 1),  # before o: gd's run
        ]
        assert app.session.experiment.hyper.optimizer == "gd"
        np.testing.assert_array_equal(app.session.plane.history.params[:12], first)
        assert "nothing to undo" in _status(app)


async def test_the_optimiser_list_chooses_any_optimiser_and_esc_keeps_the_current_one():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("o", "escape")
        assert app.session.experiment.hyper.optimizer == "gd"
        await pilot.press("o", "down", "down", "enter")
        after_next = OPTIMIZERS[OPTIMIZERS.index("gd") + 3]
        assert app.session.experiment.hyper.optimizer == after_next


async def test_the_message_log_keeps_every_message_in_full():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("c", "a", "at")
        await pilot.pause()
        from tui_gradients.ui.message_log import MessageLog

        assert isinstance(app.screen, MessageLog)
        shown = " ".join(str(widget.render()) for widget in app.screen.query(".message"))
        assert "comparing with adagrad" in shown and "drops the last" in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageLog)


async def test_compare_draws_a_ghost_with_its_own_markers():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("c")
        assert app.session.rivals == (Rival("adagrad"),)
        await pilot.press("N")
        (ghost,) = app.session.rival_runs
        assert ghost.cursor == 10
        assert "◆ adagrad" in _readout(app)
        assert "first to" not in _readout(app)  # two runs: the ✓ rows say it, in less room
        plot = app.query_one(ContourPlot)
        assert (plot.overlay.styles == raster.style_id(raster.CURRENT, 1)).sum() == 1  # the ghost
        assert not app.screen.has_class("-race")  # one comparison keeps the chain table
        for _ in range(len(others("gd")) - 1):  # through every other optimiser, then off
            await pilot.press("c")
            assert len(app.session.rivals) == 1
        await pilot.press("c")
        assert app.session.rivals == ()


async def test_race_marks_every_run_apart_and_names_the_first_to_arrive():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("C")
        assert len(app.session.rival_runs) == 5
        assert app.screen.has_class("-race")
        assert app.query_one(RaceChart).display and not app.query_one(LayerTable).display
        await pilot.press("2", "0", "0", "n")
        await pilot.pause(0.1)
        plot = app.query_one(ContourPlot)
        current = {int(code) for code in np.unique(plot.overlay.styles)} & {
            raster.style_id(raster.CURRENT, run) for run in range(6)
        }
        assert len(current) >= 4  # runs that share a cell hide each other; most are apart
        readout = " ".join(_readout(app).split())
        for mark, (_, run) in zip(MARKS, app.session.plane_runs, strict=True):
            assert f"{mark.glyph(False)} {run.optimizer.name} lr 0.5 " in readout
        # RMSprop and Adam have arrived by step 200 at lr 0.5; the session says which was first.
        arrivals = [app.session.arrival(run) for _, run in app.session.plane_runs]
        first = min((step, i) for i, step in enumerate(arrivals) if step is not None)
        run = app.session.plane_runs[first[1]][1]
        mark = MARKS[first[1]].glyph(False)
        assert f"first to 1% {mark} {run.optimizer.name}, step {first[0]}" in readout
        chart = app.query_one(RaceChart)
        legend = chart.border_title
        assert all(f" {run.optimizer.name}" in legend for _, run in app.session.plane_runs)
        assert "all at lr 0.5" in legend  # one lr for all: said once
        assert chart.border_title.endswith("log₁₀(f − f*)")
        await pilot.press("C")
        assert app.session.rivals == () and not app.screen.has_class("-race")
        assert app.query_one(LayerTable).display


async def test_view_keys():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        plot = app.query_one(ContourPlot)
        start = plot.window
        await pilot.press("z")
        zoomed = plot.window
        assert zoomed[1] - zoomed[0] == pytest.approx((start[1] - start[0]) / 2)
        await pilot.press("Z", "Z")
        assert plot.window[1] - plot.window[0] == pytest.approx(2 * (start[1] - start[0]))
        await pilot.press("v")
        assert plot.window == start
        await pilot.press("equals_sign")
        assert plot.equal_scale and "equal scale" in _status(app)
        x0, x1, y0, y1 = plot.window
        assert (x1 - x0) / (y1 - y0) == pytest.approx(
            plot._canvas.columns / (2 * plot._canvas.rows)
        )
        await pilot.press("m")
        assert plot.ascii_markers
        assert "@" in "".join(s.text for s in plot.render_line(_row_of_current(plot)))


def _row_of_current(plot):
    return int(np.argwhere(plot.overlay.styles == raster.style_id(raster.CURRENT, 0))[0][0])


async def test_help_screen_opens_and_closes():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_screenshot_and_export_share_one_naming_scheme_and_name_the_file_in_full(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("E", "E", "e")
        await pilot.pause()
        shots = sorted(tmp_path.glob("*.svg"))
        exports = sorted(tmp_path.glob("*.json"))
        assert len(shots) == 2 and len(exports) == 1  # two in one second: -2, not overwritten
        stems = [path.name.split(".")[0] for path in (*shots, *exports)]
        assert all(re.fullmatch(r"tui-gradients-\d{8}-\d{6}(-\d+)?", stem) for stem in stems)
        assert exports[0].name in _status(app)  # its name in the one row
        assert str(exports[0]) in app.main_screen.messages[-1][1]  # its path in the log


async def test_out_writes_into_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    args, experiment = parse(["--out", str(tmp_path / "out")])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("E", "e")
        await pilot.pause()
    assert len(list((tmp_path / "out").glob("tui-gradients-*"))) == 4  # svg, json, 2 csv
    assert not list(tmp_path.glob("tui-gradients-*"))


async def test_a_full_disk_leaves_no_file_and_the_failure_stays_until_esc(tmp_path, monkeypatch):
    """The disk fills as the export is written: no file is left, not even a partial one; the
    failure names the folder and stays in the status line through other keys until esc."""
    monkeypatch.chdir(tmp_path)

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert not list(tmp_path.iterdir())  # neither the files nor their temporaries
        assert "export failed, nothing written: No space left on device" in _status(app)
        await pilot.press("n", "n", "z")
        await pilot.pause()
        assert app.session.step == 2  # the app goes on
        assert "export failed" in _status(app)  # kept while the runs move on
        assert str(tmp_path) in app.main_screen.messages[-1][1]  # the folder, in the log
        await pilot.press("escape")
        assert "export failed" not in _status(app)


async def test_a_folder_that_cannot_be_written_is_said_and_nothing_breaks():
    app = GradientsApp(out_dir=Path("/sys"))  # read-only, even for root
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("E")
        await pilot.pause()
        assert "screenshot failed, nothing written" in _status(app)
        assert app.is_running


def test_out_must_be_a_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:
        parse(["--out", str(tmp_path / "missing")])
    assert refused.value.code == 2 and "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_asks_nothing(key):
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(key)
    assert app.return_code == 0


@pytest.mark.parametrize("resume", [True, False])
async def test_the_collector_resumes_after_the_first_frame_only_when_asked(resume):
    class Watched(GradientsApp):
        CSS_PATH = [Path(app_module.__file__).with_name(name) for name in GradientsApp.CSS_PATH]

        def on_ready(self) -> None:
            super().on_ready()
            ready.set()

    ready = asyncio.Event()
    gc.disable()  # as `cli.command_app` pauses it for start-up
    try:
        async with Watched(resume_collector=resume).run_test(size=WIDE):
            await ready.wait()  # the first frame is out and Ready handled: no timing involved
            assert gc.isenabled() is resume
            # what start-up built is kept out of the collector's passes, and only then
            assert (gc.get_freeze_count() > 0) is resume
    finally:
        gc.unfreeze()
        gc.enable()


async def test_panel_toggles_and_escape_returns_to_the_plot():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        panel = app.main_screen.panel
        assert not panel.display  # too narrow to show it by default
        await pilot.press("comma")  # at once: the fields are mounted after the first frame
        await fields_ready(pilot)
        assert panel.display and isinstance(app.focused, Input)
        await pilot.press("n")
        assert app.session.step == 0  # typed into the field
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("n")
        assert app.session.step == 1  # keys drive the plot again
        await pilot.press("comma")
        assert not panel.display


async def test_the_plots_rule_is_lit_while_keys_drive_it():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        plot = app.query_one(ContourPlot)
        accent = Color.parse(app.theme_variables["accent"])
        assert app.focused is None and plot.styles.border_top[1] == accent
        await fields_ready(pilot)
        app.query_one("#lr", Input).focus()
        await pilot.pause()
        assert plot.styles.border_top[1] != accent
        await pilot.press("escape")
        assert plot.styles.border_top[1] == accent


async def _type_into(pilot, app, field, text):
    await fields_ready(pilot)
    widget = app.query_one(f"#{field}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*list(text), "enter")
    await pilot.pause()


@pytest.mark.parametrize("bad", ["", "abc", "nan", "inf", "-0", "1e308", "-1", "0,5"])
async def test_bad_lr_shows_why_and_keeps_everything(bad):
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("N")
        history = app.session.plane.history.params.copy()
        await _type_into(pilot, app, "lr", bad)
        error = app.query_one("#lr-error", Static)
        assert error.has_class("visible")
        assert "still using the previous value" in _plain(error)
        assert app.session.experiment.hyper.lr == 0.5
        assert app.session.step == 10
        np.testing.assert_array_equal(app.session.plane.history.params, history)


async def test_good_value_after_a_bad_one_clears_the_error_and_replays():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("N")
        await _type_into(pilot, app, "lr", "abc")
        await _type_into(pilot, app, "lr", "0.25")
        assert not app.query_one("#lr-error", Static).has_class("visible")
        assert app.session.experiment.hyper.lr == 0.25
        assert app.session.step == 10


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("start", "5"),
        ("a", "0"),
        ("betas", "1,1"),
        ("expr", "__import__('os')"),
        ("depth", "100"),
        ("weight", "nan"),
        ("chain_lr", "-2"),
        ("steps_per_press", "0"),
        ("eps", "-1"),
    ],
)
async def test_every_field_refuses_bad_text(field, bad):
    app = GradientsApp(Experiment(hyper=Hyperparameters(optimizer="adam")))  # betas and eps shown
    async with app.run_test(size=WIDE) as pilot:
        before = app.session.experiment
        await _type_into(pilot, app, field, bad)
        assert app.query_one(f"#{field}-error", Static).has_class("visible")
        assert app.session.experiment == before


async def test_custom_expression_and_chain_depth_from_fields():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await _type_into(pilot, app, "expr", "w1**2 + 10*w2**2")
        assert app.session.experiment.plane.objective.name == "custom"
        assert "w1**2 + 10*w2**2" in app.query_one(ContourPlot).border_title
        await _type_into(pilot, app, "depth", "12")
        assert app.query_one(LayerTable).row_count == 12


async def test_divergence_is_a_status_message_and_keys_keep_working():
    app = GradientsApp(edit(Experiment(), "lr", "1.5"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("6", "0", "0", "n")
        here = tuple(float(v) for v in app.session.plane.params)
        assert contains(app.query_one(ContourPlot).window, here)  # followed to its last step
        escape = math.ceil(math.log2(ESCAPE_FACTOR * app.session.experiment.plane.scale / 1.5))
        assert f"diverged at step {escape}" in _status(app)
        assert app.session.plane.cursor == escape - 1
        assert "nan" not in _readout(app).lower()
        await pilot.press("b")
        assert app.session.step == 599  # the chain went on; the 2-D run shows its last step
        await pilot.press("g")
        assert app.session.step == 0 and "diverged" not in _status(app)


async def test_command_palette_offers_presets_optimisers_and_toggles():
    app = GradientsApp()
    async with app.run_test(size=SMALL):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Function: rosenbrock" in titles
        assert "Optimizer: adagrad" in titles
        assert "Toggle equal scale" in titles
        assert "Save SVG screenshot" in titles
        assert "Quit" in titles and "Keys" in titles  # Textual's own are kept


async def test_tab_cycles_focus_through_the_fields():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        assert app.focused is None
        seen = set()
        for _ in range(6):
            await pilot.press("tab")
            seen.add(app.focused.id)
        assert len(seen) >= 5


async def test_command_line_settings_survive_mounting():
    experiment = edit(edit(Experiment(), "function", "rosenbrock"), "lr", "0.002")
    app = GradientsApp(experiment, initial_steps=7)
    async with app.run_test(size=WIDE) as pilot:
        assert app.session.experiment == experiment
        # the steps asked for are taken after the first frame
        await until(pilot, lambda: app.session.step == 7, "7 steps taken")
        await fields_ready(pilot)
        assert app.query_one("#lr", Input).value == "0.002"


@pytest.mark.parametrize("size", [(40, 12), (71, 30), (100, 19)])
async def test_too_small_says_what_it_needs_and_recovers(size):
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        message = _plain(app.query_one("#too-small", Static))
        assert (
            "terminal too small: need 72x20" in message and f"have {size[0]}x{size[1]}" in message
        )
        assert not app.query_one("#main").display or app.query_one("#main").region.area == 0
        await pilot.press("n")  # keys still work underneath
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert app.session.step == 1


async def test_resizing_from_tiny_to_huge_never_crashes():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("c", "N")
        for size in [(40, 12), (300, 90), (72, 20), (81, 25), (240, 70), (20, 5), (160, 48)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.press("n")
        plot = app.query_one(ContourPlot)
        assert plot.overlay.styles.shape == (plot.size.height, plot.size.width)
        assert app.session.step == 17


async def test_ascii_is_chosen_by_itself_without_utf8(monkeypatch):
    monkeypatch.setenv("LANG", "C")
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        plot = app.query_one(ContourPlot)
        text = "".join(
            segment.text for y in range(plot.size.height) for segment in plot.render_line(y)
        )
        assert text.isascii()
        assert "@" in text and "X" in text
        assert "|grad f|" in _readout(app)


@pytest.fixture
def held_jump(monkeypatch):
    """Jumps that compute only once let go: `started` is set when one waits at its first
    chunk of the runs named in `hold` ("plane" or "chain"), `release` lets it go on."""
    started, release = threading.Event(), threading.Event()
    hold = {"plane"}
    original = Session.compute

    def held_back(session, target, runs, **options):
        kind = "chain" if runs == [session.chain_run] else "plane"
        if kind in hold:
            started.set()
            assert release.wait(10)
        return original(session, target, runs, **options)

    monkeypatch.setattr(Session, "compute", held_back)
    return SimpleNamespace(started=started, release=release, hold=hold)


def _without_numba(monkeypatch) -> None:
    monkeypatch.setattr(fast, "_loaded", None)
    monkeypatch.setattr(fast, "installed", lambda: False)


async def test_without_numba_a_long_jump_computes_in_a_thread_and_says_how_far(
    monkeypatch, held_jump
):
    _without_numba(monkeypatch)
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"100000", "n")
        assert held_jump.started.wait(5)
        assert app.session.step == 0  # nothing moves until the jump is computed
        assert "computing to step 100000: 0 % done" in _status(app)
        await pilot.press("b", "r", "o")  # would change the runs: they wait
        assert app.session.step == 0 and app.session.experiment.hyper.optimizer == "gd"
        assert not app.main_screen.change_setting("lr", "0.1")
        held_jump.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.step == 100000 and app.session.plane.cursor == 100000
        assert app.session.chain_run.cursor == 100000
        assert "computing" not in _status(app)
        assert _readout(app).split()[:2] == ["step", "100000"]
        await pilot.press("b")  # keys change the runs again
        assert app.session.step == 99999


def _esc_after_a_few_chunks(monkeypatch, app, *, chain_only: bool) -> None:
    """esc arrives three chunks into a computation (of the chain alone, with `chain_only`)."""
    original = Session.compute

    def slowly(session, target, runs, *, cancelled, progress):
        calls = []

        def after_a_few_chunks():
            calls.append(None)
            if len(calls) == 3 and (runs == [session.chain_run] or not chain_only):
                app.call_from_thread(app.main_screen.action_leave_field)
            return cancelled()

        return original(session, target, runs, cancelled=after_a_few_chunks, progress=progress)

    monkeypatch.setattr(Session, "compute", slowly)


async def _stopped_short_of(pilot, target: int) -> int:
    """Once the work is done: every run at one step short of `target`, and the status line
    saying where it stopped; that step."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    step = app.session.step
    assert 0 < step < target
    assert all(run.cursor == step for run in app.session.runs)
    assert f"stopped at step {step}" in _status(app)
    return step


async def test_esc_stops_a_jump_at_a_step_every_run_has_reached(monkeypatch, held_jump):
    _without_numba(monkeypatch)
    held_jump.hold.clear()
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    _esc_after_a_few_chunks(monkeypatch, app, chain_only=True)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("c", *"200000", "n")
        step = await _stopped_short_of(pilot, 200000)
        await pilot.press("n")
        assert app.session.step == step + 1


async def test_q_ends_the_app_while_a_jump_computes(monkeypatch):
    _without_numba(monkeypatch)
    chunks = []
    original = Session.compute

    def counted(session, target, runs, *, cancelled, progress):
        def check():
            chunks.append(None)
            return cancelled()

        return original(session, target, runs, cancelled=check, progress=progress)

    monkeypatch.setattr(Session, "compute", counted)
    app = GradientsApp(edit(Experiment(), "depth", "64"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"900000", "n")
        await pilot.press("q")
    await app.workers.wait_for_complete()
    assert app.session.chain_run.last_step < 900000  # abandoned, not finished first


async def test_once_numbas_loops_load_a_key_jumps_up_to_the_run_limit():
    pytest.importorskip("numba")
    app = GradientsApp()
    loaded_before = fast.ready()  # by an earlier test in this process, perhaps
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"50000", "n")  # the first long jump loads the loops in a thread
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fast.ready()
        assert loaded_before or "numba's loops ready" in _status(app)
        assert fast.is_specialised(app.session.experiment.plane.objective.expression, "gd")
        await pilot.press(*"9999999", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.chain_run.cursor == LIMIT  # the 2-D run converged long before
        assert f"at most {LIMIT} steps per key" in _status(app)


async def test_a_long_jump_on_a_new_formula_compiles_its_own_loop_meanwhile():
    pytest.importorskip("numba")
    assert fast.warm_up()
    formula = "w1**2 + 7.25*w2**2"
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        assert app.main_screen.change_setting("expr", formula)
        await pilot.press("c")  # a comparison run: its optimiser gets a loop of its own too
        await pilot.press(*"50000", "n")  # on the interpreter, while its own loops compile
        await app.workers.wait_for_complete()
        assert app.session.step == 50000 or app.session.plane.stop is not None
        optimizers = {run.optimizer.name for _, run in app.session.plane_runs}
        assert len(optimizers) == 2
        expression = app.session.experiment.plane.objective.expression
        assert expression.text == formula
        assert all(fast.is_specialised(expression, name) for name in optimizers)
        assert "loading" not in _status(app)  # the loops were loaded already: nothing to say


async def test_a_long_jump_draws_the_2d_runs_while_the_chain_catches_up(held_jump):
    held_jump.hold.clear()
    held_jump.hold.add("chain")
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press(*"5000", "n")
        assert held_jump.started.wait(5)
        await pilot.pause()
        assert _readout(app).split()[:2] == ["step", "5000"]  # the 2-D run is drawn at once
        assert "catching up to step 5000" in app.query_one(LayerTable).border_title
        held_jump.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "catching up" not in app.query_one(LayerTable).border_title
        await pilot.press("b")
        assert app.session.step == 4999 and app.session.chain_run.cursor == 4999
        assert _readout(app).split()[:2] == ["step", "4999"]


async def test_a_short_count_is_computed_in_its_own_frame():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*str(JUMP_IN_THREAD // 2 - 1), "n")  # half of it for the chain
        assert app.main_screen.driver.jump is None
        assert app.session.step == JUMP_IN_THREAD // 2 - 1


async def test_exploding_chain_stops_with_a_reason_and_keeps_its_last_values():
    experiment = edit(
        edit(edit(Experiment(), "activation", "linear"), "weight", "10"), "depth", "40"
    )
    app = GradientsApp(experiment)
    async with app.run_test(size=WIDE) as pilot:
        view = app.query_one(ContourPlot).window
        await pilot.press("5", "n")
        assert "chain diverged at step 1" in _status(app)
        trace = app.session.chain_trace()
        assert np.all(np.isfinite(trace.delta)) and abs(trace.delta[0]) > 1e30  # exploded
        assert app.query_one(ContourPlot).window == view
        await pilot.press("b")
        assert app.session.step == 4


async def test_theory_beside_the_run_agrees_with_it():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("i")
        readout = _readout(app)
        assert "κ 1000" in readout and "0.999, 0; lr < 1" in readout
        assert "4603 steps; seen —" in readout
        await pilot.press("5", "0", "0", "0", "n")
        assert "4603 steps; seen 4603" in _readout(app)
        await pilot.press("i")
        assert "κ" not in _readout(app) and "f − f*    " in _readout(app)


async def test_theory_on_a_curved_surface_is_the_hessian_here():
    app = GradientsApp(edit(Experiment(), "function", "rosenbrock"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")
        readout = _readout(app)
        assert "here; κ" in readout and "gd to" not in readout


def _bars(app) -> list[int]:
    return [line.count("█") for line in app.query_one(LayerTable).text.splitlines()[1:]]


async def test_trends_and_delta_bars_follow_the_steps_where_there_is_room():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3", "0", "0", "n")
        await pilot.pause(0.3)  # the trends are redrawn at most ten times a second
        loss, cost = app.query_one(Trends).heights
        assert len(loss) > 10 and loss[0] > loss[-1]  # f − f* falls
        assert len(cost) > 10 and cost[0] > cost[-1]  # so does the chain's cost
        bars = _bars(app)
        assert len(bars) == 8 and bars[0] < bars[-1]  # δ vanishes towards the input
        await pilot.resize_terminal(*SMALL)
        await pilot.pause(0.3)
        assert not app.query_one("#trends").region.height
        assert not any(_bars(app))  # no room for bars at 80 columns


async def test_plain_ascii_means_every_character_of_the_numbers_too():
    """Unknown distance ('—' in Unicode) and theory rows: nothing outside ASCII in LANG=C."""
    app = GradientsApp(edit(Experiment(), "expr", "w1**2 + 10*w2**2"), ascii_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i", "n")
        readout, table = _readout(app), app.query_one(LayerTable).text
        assert "to min   -" in readout and readout.isascii() and table.isascii()


def _lesson_text(app):
    from textual.widgets import Markdown

    return " ".join(app.query_one("#lesson").query_one(Markdown).source.split())


async def test_lesson_pages_set_up_the_app_and_give_the_session_back_when_closed():
    app = GradientsApp(edit(Experiment(), "lr", "0.1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "0", "n", "c", "z")  # the user's own work: 40 steps, a rival, a zoom
        await pilot.pause()
        before = (
            app.session,
            app.session.step,
            app.session.rivals,
            app.main_screen.plot_view.window,
        )
        readout_before = _readout(app)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.has_class("-lesson") and app.main_screen.theory
        assert f"lesson 1/{lesson.page_count()}: ] [ pages" in app.query_one("#status", Lines).text
        assert app.session.experiment == Experiment()  # page 1 is the seed's bowl at lr 0.5
        assert "by **0.999**" in _lesson_text(app)
        await pilot.press("N", "right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert app.session.step == 0  # a page starts its example afresh
        assert [r.label(app.session.experiment.hyper) for r in app.session.rivals] == [
            "adagrad lr 0.5",
            "adagrad lr 5",
            "rmsprop lr 0.5",
            "adam lr 0.5",
        ]
        assert not app.query_one(RaceChart).display  # the lesson has that room
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.screen.has_class("-lesson-chain")
        assert not app.query_one("#top").display and app.query_one(LayerTable).display
        pages = lesson.page_count()
        await pilot.press(*["right_square_bracket"] * (pages - 4 + 1))  # past the last page
        assert f"pages 1 to {pages}" in app.query_one("#status", Lines).text
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.query_one("#lesson").border_title.startswith(f"lesson {pages - 1}/{pages}")
        await pilot.press("n", "t")
        await pilot.pause()
        assert not app.screen.has_class("-lesson") and not app.screen.has_class("-lesson-chain")
        assert app.query_one("#top").display and not app.main_screen.theory
        session = app.session
        assert (session, session.step, session.rivals, app.main_screen.plot_view.window) == before
        assert _readout(app) == readout_before
        assert app.query_one("#lr", Input).value == "0.1"
        assert "your session is back at step 40" in app.query_one("#status", Lines).text


async def test_lesson_opens_at_a_page_and_scrolls_with_page_down():
    app = GradientsApp(lesson_page=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one("#lesson")
        assert panel.border_title.startswith(f"lesson 3/{lesson.page_count()}")
        assert "adagrad, lr 5: **" in _lesson_text(app)
        assert panel.max_scroll_y > 0  # at 80×24 this page is longer than its room
        await pilot.press("pagedown")
        await pilot.pause()
        assert panel.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert panel.scroll_y == 0


async def test_page_keys_outside_the_lesson_say_how_to_open_it():
    app = GradientsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right_square_bracket")
        assert "l opens the lesson" in app.query_one("#status", Lines).text
        assert app.session.rivals == ()


def _screen_text(app) -> str:
    """Every character on screen, read from the SVG export (one <text> per run of cells)."""
    import html
    import re

    svg = app.export_screenshot()
    runs = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return "".join(html.unescape(run) for run in runs).replace("\xa0", " ")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_screen_is_plain_ascii_in_ascii_mode(size):
    """Walk every screen the keys reach, as LANG=C would show it: the main screen with theory,
    a race and its chart, the settings panel, the optimiser list, the message log, every
    lesson page, and the help (all of its text, not only the part in view)."""
    from tui_gradients.core.runs.lesson import page_count
    from tui_gradients.ui.help import HelpScreen

    app = GradientsApp(ascii_only=True)
    seen: dict[str, str] = {}
    async with app.run_test(size=size) as pilot:
        for name, keys in [
            ("start", ["2", "0", "n"]),
            ("theory", ["i"]),
            ("race", ["C", "1", "0", "n"]),
            ("selected", ["w"]),
            ("panel", ["comma"]),
            ("optimiser list", ["escape", "o"]),
            ("message log", ["escape", "at"]),
            ("lesson", ["escape", "escape", "t"]),  # the log closed, the keys off the fields
            *((f"lesson page {n}", ["right_square_bracket"]) for n in range(2, page_count() + 1)),
            ("lesson closed", ["t", "Z", "Z"]),
            ("help", ["escape", "question_mark"]),
            ("help search", ["slash", "a", "d"]),
        ]:
            await pilot.press(*keys)
            await pilot.pause()
            seen[name] = _screen_text(app)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        seen["help, all of it"] = help_screen.document
    bad = {name: sorted({c for c in text if not c.isascii()}) for name, text in seen.items()}
    assert not any(bad.values()), {name: chars for name, chars in bad.items() if chars}


async def test_a_race_given_at_start_is_drawn_from_the_first_frame():
    rivals = (Rival("adam"), Rival("adagrad", 5.0))
    app = GradientsApp(rivals=rivals, initial_steps=20)
    async with app.run_test(size=WIDE) as pilot:
        # the steps asked for are taken after the first frame
        await until(pilot, lambda: app.session.step == 20, "20 steps taken")
        names = [name for name, _ in app.session.plane_runs]
        assert names == ["gd lr 0.5", "adam lr 0.5", "adagrad lr 5"]
        assert all(run.cursor == 20 for _, run in app.session.plane_runs)
        assert app.screen.has_class("-race")
        for _ in range(50):  # the readout is redrawn behind the queued change
            if re.match(r"step +20 ", _readout(app)):
                break
            await pilot.pause()
        assert re.search(r"▲ adagrad +lr 5 +0\.\d", _readout(app)), _readout(app)


async def test_all_histories_stay_within_one_budget_thinned_past_it(monkeypatch):
    """A race of six and a deep adam chain, stepped on and on: the histories together never
    hold more than the budget; past it the oldest steps are kept every k-th, the readout says
    so, and the numbers at the current step are those of a run never thinned."""
    budget = 24 * 2**20
    monkeypatch.setattr(driver_module, "HISTORY_BUDGET", budget)
    experiment = edit(edit(Experiment(), "depth", "32"), "chain_lr", "0.01")
    app = GradientsApp(edit(experiment, "optimizer", "adam"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("C")
        per_step = app.session.bytes_per_step()
        for _ in range(3):
            await pilot.press(*str(budget // per_step // 2), "n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.session.history_bytes() <= budget
        assert app.session.thinned() is not None
        stride, _ = app.session.thinned()
        assert re.search(rf"history +every {ordinal(stride)} step kept", _readout(app))
        step = app.session.step
        assert step > budget // per_step  # more steps than would fit unthinned
        fresh = Session(app.session.experiment)
        fresh.set_rivals(app.session.rivals)
        fresh.forward(step)
        pairs = zip(app.session.runs, fresh.runs, strict=True)
        for thinned, whole in pairs:  # numba, Python and numpy may differ in a last bit
            np.testing.assert_allclose(thinned.params, whole.params, rtol=1e-9)
        await pilot.press("b")  # back one step: onto a kept one
        await pilot.pause()
        assert app.session.plane.cursor < step


async def test_the_bars_and_headers_follow_a_change_of_theme():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        trend, table = app.query_one(Trends), app.query_one(LayerTable)
        before = trend.component_style("trends--bars")
        app.theme = "nord"
        await pilot.pause()
        await pilot.press("n")
        after = trend.component_style("trends--bars")
        assert after != before
        assert after == trend.get_component_rich_style("trends--bars", partial=True)
        header = table.component_style("layer-table--header")
        assert header == table.get_component_rich_style("layer-table--header", partial=True)


async def test_only_a_new_surface_fits_the_view_again():
    """A zoom survives a change to the chain or the optimiser; a new surface is framed anew."""
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("z")
        zoomed = app.main_screen.plot_view.window
        assert app.main_screen.change_setting("depth", "3")
        assert app.main_screen.change_setting("lr", "0.25")
        await pilot.pause()
        assert app.main_screen.plot_view.window == zoomed
        assert app.main_screen.change_setting("a", "0.002")
        await pilot.pause()
        assert app.main_screen.plot_view.window != zoomed


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (160, 48), (240, 70)])
@pytest.mark.parametrize("how", ["locale", "m key"])
async def test_plain_ascii_is_complete_at_every_width(size, how):
    """Panel borders, its choice arrows, its labels (w1²), the race chart's frame: nothing on
    screen outside ASCII, whether the locale asked for it or `m` did (on its next frame)."""
    race = (Rival("adam"), Rival("adagrad", 5.0))
    app = GradientsApp(ascii_only=how == "locale", rivals=race)
    async with app.run_test(size=size) as pilot:
        await pilot.press("i", "5", "n", *(["m"] if how == "m key" else []))
        await pilot.pause()
        if size[0] >= 140:
            assert app.query_one("#settings").region.width  # the panel is on screen
        screen = _screen_text(app)
    assert screen.isascii(), sorted({c for c in screen if not c.isascii()})


def _picture(app) -> tuple:
    """What the screen shows of the session: the plot's characters and styles, the readout,
    the chain table, and the view's switches."""
    plot = app.query_one(ContourPlot)
    cells = [[(s.text, s.style) for s in plot.render_line(y)] for y in range(plot.size.height)]
    screen = app.main_screen
    return cells, _readout(app), app.query_one(LayerTable).text, screen.saved_view()


async def test_load_opens_the_app_where_its_export_left_it(tmp_path, monkeypatch):
    """Export at step 50 with a rival, zoomed, panned, theory and equal scale on; --load of
    that file shows the same picture and numbers."""
    monkeypatch.chdir(tmp_path)
    args, experiment = parse(["--preset", "himmelblau"])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("5", "0", "n", "c", "z", "h", "i", "equals_sign", "d")
        await pilot.pause()
        saved = _picture(app)
        await pilot.press("e")
        await pilot.pause()
    export = next(tmp_path.glob("*.json"))
    args, experiment = parse(["--load", str(export)])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.session.step == 50, "the saved 50 steps taken")
        assert app.session.rivals == (Rival("adagrad"),)
        assert _picture(app) == saved


async def test_load_of_an_export_made_in_the_lesson_opens_that_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = GradientsApp(lesson_page=2)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3", "n", "e")
        await pilot.pause()
    args, experiment = parse(["--load", str(next(tmp_path.glob("*.json")))])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.session.step == 3, "the saved 3 steps taken")
        assert app.main_screen.lesson.is_open and app.main_screen.lesson.page == 2


async def test_an_export_made_in_the_lesson_keeps_the_users_own_session_beneath_it(
    tmp_path, monkeypatch
):
    """A race at step 30, the lesson opened and stepped on its second page, exported: the
    file reopens on that page at its step, and closing the lesson there gives back the race
    at step 30, as closing it before the export would have."""
    monkeypatch.chdir(tmp_path)
    args, experiment = parse(["--race", "adagrad,adam"])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3", "0", "n", "t", "right_square_bracket", "5", "n", "e")
        await pilot.pause()
        lesson_page = app.main_screen.lesson.page
    args, experiment = parse(["--load", str(next(tmp_path.glob("*.json")))])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.session.step == 5, "the page's 5 steps taken")
        assert app.main_screen.lesson.is_open and app.main_screen.lesson.page == lesson_page
        await pilot.press("t")
        await until(pilot, lambda: app.session.step == 30, "the race back at step 30")
        assert app.session.rivals == (Rival("adagrad"), Rival("adam"))
        assert "your session is back at step 30" in _status(app)


async def test_a_burst_of_keys_is_drawn_once_on_its_last_step(monkeypatch):
    """500 `n` arriving together (a paste, a held key on a slow link) are 500 steps and a few
    redraws, not 500: the screen is not frozen until the last is drawn."""
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        drawn = []
        original = app.main_screen.refresh_views
        monkeypatch.setattr(app.main_screen, "refresh_views", lambda: drawn.append(1) or original())
        for _ in range(500):
            app.post_message(Key("n", "n"))
        await pilot.pause()
        assert app.session.step == 500
        assert _readout(app).startswith("step      500 ")
        assert len(drawn) <= 5


async def test_a_crash_is_the_apps_exit_status(monkeypatch):
    """`tui-gradients` exits with the app's return code: 1 after a crash, never 0."""
    app = GradientsApp()
    monkeypatch.setattr(app.main_screen, "action_toggle_theory", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=SMALL) as pilot:
            await pilot.press("i")
            await pilot.pause()
    assert app.return_code == 1


async def test_the_footer_shows_the_keys_that_matter_even_at_80_columns():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        # the footer fills in its keys after the first frame
        await until(pilot, lambda: app.screen.query("FooterKey"), "the footer's keys shown")
        keys = {key.description: key for key in app.screen.query("FooterKey")}
        for label in ("Step", "Back", "Play", "Compare", "Race", "Lesson", "Help", "Quit"):
            assert label in keys, sorted(keys)
            assert keys[label].region.right <= SMALL[0]  # on screen, not cut off


async def test_a_field_with_the_keys_shows_how_to_apply_and_leave_it():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        app.query_one("#lr", Input).focus()
        await pilot.pause()
        shown = {key.description for key in app.screen.query("FooterKey")}
        assert {"Apply", "Back to plot", "Next field"} <= shown


async def test_help_is_built_once_and_says_how_to_close_it():
    from textual.widgets import Markdown

    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        first = app.screen
        assert "closes this help" in first.query_one(Markdown).source
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert app.screen is first  # shown again, not built again
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen


async def test_lr_keys_halve_and_double_and_replay_to_the_same_step():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("5", "n", "less_than_sign", "right_curly_bracket")
        await pilot.pause()
        experiment = app.session.experiment
        assert experiment.hyper.lr == 0.25 and experiment.chain_lr == 1.0
        assert app.session.step == 5
        fresh = Session(experiment)
        fresh.forward(5)
        assert np.array_equal(app.session.plane.params, fresh.plane.params)
        assert "chain: lr doubled to 1, replayed to step 5" in _status(app)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.session.experiment.hyper.lr == 0.5


def _plot_middle(app) -> tuple[ContourPlot, int, int]:
    plot = app.query_one(ContourPlot)
    canvas = plot.canvas
    return plot, canvas.left + canvas.columns // 3, canvas.height - 1 - canvas.bottom - 2


async def test_a_click_on_the_plot_starts_every_run_there():
    app = GradientsApp(rivals=(Rival("adagrad"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("9", "n")
        await pilot.pause()
        plot, col, row = _plot_middle(app)
        w1, w2 = plot.canvas.point_at(row, col)  # the canvas counts from the content's corner
        await pilot.click(ContourPlot, offset=(col + plot.gutter.left, row + plot.gutter.top))
        await pilot.pause()
        start = app.session.experiment.plane.start_point
        assert start == pytest.approx((w1, w2), rel=1e-3)
        assert app.session.step == 0
        assert all(np.array_equal(run.params, start) for _, run in app.session.plane_runs)
        assert "start set by a click" in _status(app)
        assert f"{start[0]:g}" in app.query_one("#start", Input).value


async def test_dragging_pans_and_the_wheel_zooms_about_the_pointer():
    from textual import events

    app = GradientsApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        plot, col, row = _plot_middle(app)
        canvas, before = plot.canvas, app.main_screen.plot_view.window
        await pilot.mouse_down(ContourPlot, offset=(col, row))
        await pilot.hover(ContourPlot, offset=(col + 6, row - 3))
        await pilot.mouse_up(ContourPlot, offset=(col + 6, row - 3))
        await pilot.pause()
        after = app.main_screen.plot_view.window
        width, height = before[1] - before[0], before[3] - before[2]
        assert after[0] - before[0] == pytest.approx(-6 / canvas.columns * width)  # with it
        assert after[2] - before[2] == pytest.approx(-3 / canvas.rows * height)
        assert app.session.experiment.plane.start_point == (-40.0, 1.5)  # a drag is no click
        plot, col, row = _plot_middle(app)
        pointer = plot.canvas.point_at(row, col)
        plot.post_message(events.MouseScrollUp(plot, col, row, 0, 0, 0, False, False, False))
        await pilot.pause()
        zoomed = app.main_screen.plot_view.window
        assert zoomed[1] - zoomed[0] == pytest.approx(0.8 * (after[1] - after[0]))
        # the point under the pointer stays where it was in the view
        share = (pointer[0] - after[0]) / (after[1] - after[0])
        assert (pointer[0] - zoomed[0]) / (zoomed[1] - zoomed[0]) == pytest.approx(share)


async def test_play_stops_by_itself_once_every_2d_run_has_stopped_and_says_why():
    app = GradientsApp(edit(Experiment(), "lr", "5"), rivals=(Rival("gd", 3.0),))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p")
        screen = app.main_screen
        for _ in range(20):  # ticks by hand: the count, not the clock, decides
            if screen._player is None:
                break
            screen._play_tick()
            await pilot.pause()
        assert screen._player is None
        assert "play stopped: every 2-D run has stopped" in _status(app)
        assert "diverged at step" in _readout(app)
        stopped_at = app.session.step
        await pilot.pause(0.3)
        assert app.session.step == stopped_at


async def test_rivals_are_added_and_dropped_one_at_a_time_without_the_command_line():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("2", "0", "n", "a", "a")
        await pilot.pause()
        names = [name for name, _ in app.session.plane_runs]
        assert names == ["gd lr 0.5", "adagrad lr 0.5", "rmsprop lr 0.5"]
        assert app.screen.has_class("-race")
        assert all(run.cursor == 20 for _, run in app.session.plane_runs)  # caught up
        assert "added rmsprop lr 0.5 (▲)" in _status(app)
        await pilot.press(*"aaaa")
        await pilot.pause()
        assert len(app.session.rivals) == 5
        assert "every optimiser is on the plot already" in _status(app)
        await pilot.press(*"AAAAA", "A")
        await pilot.pause()
        assert app.session.rivals == () and "no rival to drop" in _status(app)


def _line_of(widget: Lines, start: str) -> int:
    """The row (from the widget's top edge) of its first line that begins with `start`."""
    lines = widget.text.splitlines()
    line = next(y for y, text in enumerate(lines) if text.startswith(start))
    return widget.content_region.y - widget.region.y + line


async def test_a_selected_rival_is_tuned_in_the_panel_and_by_the_lr_keys():
    app = GradientsApp(rivals=(Rival("adagrad"), Rival("adam")))
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        await pilot.press("1", "0", "n", "w", "w")
        await pilot.pause()
        panel = app.main_screen.panel
        assert app.session.selected == 2
        assert "Optimiser: ▲ adam lr 0.5" in str(panel.query_one("#optimizer-section").content)
        assert panel.query_one("#optimizer", Input).value == "adam"
        assert panel.query_one("#eps", Input).value == "1e-08"  # adam's own, not gd's
        assert "selected ▲ adam lr 0.5" in _status(app)
        await _type_into(pilot, app, "betas", "0.8,0.99")
        await pilot.press("escape")
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.session.rivals[1] == Rival("adam", 1.0, (("beta1", 0.8), ("beta2", 0.99)))
        assert app.session.experiment == Experiment()  # the main run's settings untouched
        assert panel.query_one("#lr", Input).value == "1"
        assert "▲ adam: lr doubled to 1, replayed to step 10" in _status(app)
        assert re.search(r"▲ adam +lr 1 ", _readout(app))  # its lr beside its name
        assert "[▲ adam lr 1]" in app.query_one(RaceChart).border_title
        alone = edit(edit(edit(Experiment(), "optimizer", "adam"), "lr", "1"), "betas", "0.8,0.99")
        fresh = Session(alone)
        fresh.forward(10)
        np.testing.assert_array_equal(app.session.rival_runs[1].params, fresh.plane.params)
        await pilot.press("w", "o", "enter")  # back to the main run: o changes its optimiser
        await pilot.pause()
        assert app.session.selected == 0 and app.session.experiment.hyper.optimizer == "momentum"
        assert str(panel.query_one("#optimizer-section").content) == "Optimiser: ● momentum lr 0.5"


async def test_a_click_on_a_readout_row_or_the_legend_selects_that_run():
    app = GradientsApp(rivals=(Rival("adagrad", 5.0), Rival("adam")))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("5", "n")
        await pilot.pause()
        readout = app.query_one("#readout", Lines)
        await pilot.click("#readout", offset=(3, _line_of(readout, "◆ adagrad")))
        await pilot.pause()
        assert app.session.selected == 1 and app.session.selected_hyper.lr == 5.0
        chart = app.query_one(RaceChart)
        legend_column = 1 + chart.border_title.index("▲ adam")
        await pilot.click(RaceChart, offset=(legend_column + 2, 0))
        await pilot.pause()
        assert app.session.selected == 2
        await pilot.click(RaceChart, offset=(legend_column + 2, 3))  # inside the chart: nothing
        await pilot.click("#readout", offset=(3, _line_of(readout, "step")))  # not a run's row
        await pilot.pause()
        assert app.session.selected == 2
        await pilot.click("#readout", offset=(3, _line_of(readout, "● gd")))
        await pilot.pause()
        assert app.session.selected == 0


async def test_with_one_run_there_is_nothing_to_select():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert app.session.selected == 0 and "only one run on the plot" in _status(app)


async def test_a_schedule_shows_the_lr_in_force_and_its_trend():
    experiment = edit(edit(Experiment(), "schedule", "step"), "schedule_args", "step_size=3")
    app = GradientsApp(experiment)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("7", "n")
        await pilot.pause(0.1)
        assert re.search(r"lr now +0\.005 \(step\)", _readout(app))  # 0.5·0.1² after 3 and 6
        assert re.search(r"−lr·∇f → +0\.000398", _readout(app))  # gd's step at that lr
        trends = app.query_one(Trends)
        assert "lr (step): log₁₀ -2.3 … -0.3" in trends.text
        lrs, _ = trends.heights[2], None
        assert lrs[0] > lrs[-1]
        await pilot.press("b", "b")
        await pilot.pause()
        assert re.search(r"lr now +0\.05 \(step\)", _readout(app))  # back at step 5


async def test_the_panel_shows_only_what_the_optimiser_reads():
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        await pilot.pause()
        panel = app.main_screen.panel

        def shown() -> set[str]:
            return {field.id for field in panel.query(Field) if field.display}

        assert {"lr", "weight_decay"} <= shown() and not {"momentum", "betas", "etas"} & shown()
        await _type_into(pilot, app, "lr", "0.01")
        app.main_screen.change_setting("optimizer", "rprop")
        await pilot.pause()
        assert {"etas", "step_sizes", "lr"} <= shown() and "weight_decay" not in shown()
        assert app.session.experiment.hyper.lr == 0.01  # hidden or shown, values are kept


async def test_a_quit_while_the_panel_mounts_waits_for_it(monkeypatch):
    """A hang-up in the instant after the first frame used to close the screen while the
    settings panel's Selects were still mounting: a crash report, exit status 1."""
    from tui_gradients.ui.screen import MainScreen

    fill = MainScreen._fill_panel

    async def quit_mid_mount(self) -> None:
        self.app.exit()  # as SIGHUP would, between the first frame and the panel's fields
        await fill(self)

    monkeypatch.setattr(MainScreen, "_fill_panel", quit_mid_mount)
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
    assert app.return_code == 0 and app.main_screen.panel.filled


@pytest.mark.parametrize(
    ("function", "optimizer", "words"),
    [
        ("saddle", "newton", "H is indefinite here"),
        ("quadratic", "lbfgs", "converged at step"),
    ],
)
async def test_second_order_and_lbfgs_runs_stop_with_their_reason_on_screen(
    function, optimizer, words
):
    experiment = edit(edit(Experiment(), "function", function), "optimizer", optimizer)
    if optimizer == "lbfgs":
        experiment = edit(experiment, "line_search", "strong_wolfe")
    app = GradientsApp(experiment)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("5", "n")
        await pilot.pause()
        assert words in _status(app) or words in _readout(app)
        assert app.return_code is None  # no crash drawing a refused next step


async def test_a_race_of_six_at_80x24_shows_every_run_in_the_readout():
    """The update's arrows and the iterates count give way to the runs' own rows."""
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("C", "5", "0", "n")
        await pilot.pause()
        text = _readout(app)
        for name, _ in app.session.plane_runs:
            assert name.split(" lr ")[0] in text, text
        assert "first to 1%" in text and "iterates" not in text
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:  # with room, nothing is left out
        await pilot.press("C", "5", "0", "n")
        await pilot.pause()
        assert "iterates" in _readout(app) and "first to 1%" in _readout(app)


async def test_a_choice_steps_through_its_options_completes_a_name_and_refuses_others():
    """↓ and ↑ step through the optimisers, enter applies the one shown; a few letters
    complete to an option (→ takes it); a name that is none of them is refused under the
    field, with the options, and nothing changes."""
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        choice = app.query_one("#optimizer", Input)
        choice.focus()
        await pilot.press("down", "down", "up", "enter")
        await pilot.pause()
        assert app.session.experiment.hyper.optimizer == "momentum"
        choice.value = ""
        await pilot.press("a", "d", "a", "right", "enter")
        await pilot.pause()
        assert app.session.experiment.hyper.optimizer == "adagrad"
        choice.value = ""
        await pilot.press("s", "g", "d", "enter")
        await pilot.pause()
        error = app.query_one("#optimizer-error", Static)
        assert error.has_class("visible") and "choose from gd, momentum" in _plain(error)
        assert app.session.experiment.hyper.optimizer == "adagrad"


async def test_a_field_draws_its_label_before_its_value_in_either_alphabet():
    """A field is one widget: its label sits in its left padding, drawn by the field, whole or
    cut as the compositor asks for the line."""
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        await pilot.pause()
        field = app.main_screen.panel.query_one("#a", Field)
        width = field.size.width

        def line(x: int = 0) -> str:
            return field.render_lines(Region(x, 0, width - x, 1))[0].text

        assert line().startswith("a (w1²)    0.001")
        assert line(3).startswith("w1²)    0.001")
        await pilot.press("m")
        await pilot.pause()
        assert line().startswith("a (w1^2)   0.001")


async def test_the_plot_is_drawn_once_at_start(monkeypatch):
    """The settings panel holds its room from the first frame: the contours are computed for
    the plot's own width once, not first for the whole width and again when the panel came."""
    draws = []
    draw = ContourPlot._draw_base
    monkeypatch.setattr(
        ContourPlot, "_draw_base", lambda self, scene: draws.append(scene) or draw(self, scene)
    )
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        await pilot.pause()
        assert len(draws) == 1
        assert draws[0].width == app.query_one(ContourPlot).size.width


async def test_settings_changed_while_the_fields_mount_are_shown_once_they_are_in(monkeypatch):
    """The fields are made, then mounted (an await): a change of optimiser or of a value in
    that instant must not leave them showing what was in force before."""
    from textual.containers import VerticalScroll

    mount_all = VerticalScroll.mount_all
    changed = edit(edit(Experiment(), "optimizer", "rprop"), "lr", "0.03")

    def mount_while_settings_change(self, widgets, **kwargs):
        panel = app.main_screen.panel
        panel.show_only({"optimizer", "lr", "etas", "step_sizes"})
        panel.load(field_values(changed))
        return mount_all(self, widgets, **kwargs)

    monkeypatch.setattr(VerticalScroll, "mount_all", mount_while_settings_change)
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await fields_ready(pilot)
        await pilot.pause()
        panel = app.main_screen.panel
        shown = {field.id for field in panel.query(Field) if field.display}
        assert {"etas", "step_sizes"} <= shown and "weight_decay" not in shown
        assert panel.query_one("#lr", Field).value == "0.03"
        assert panel.query_one("#optimizer", Field).value == "rprop"


async def test_an_lr_edit_far_on_replays_the_2d_runs_as_a_jump_and_leaves_the_chain(
    monkeypatch, held_jump
):
    """At step 20 000, a new 2-D lr rebuilds the 2-D run alone: its replay goes through the
    jump's thread with its progress line (and esc), while the chain keeps its history."""
    _without_numba(monkeypatch)
    held_jump.hold.clear()
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"20000", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        session = app.session
        chain, plane, chain_steps = session.chain_run, session.plane, session.chain_run.last_step
        assert session.step == 20000
        held_jump.hold.add("plane")
        assert app.main_screen.change_setting("lr", "0.004")
        await pilot.pause()
        assert held_jump.started.wait(5)
        session = app.session  # the edit's successor; the session before it is kept for undo
        assert session.plane is not plane and session.chain_run is chain
        assert "replaying to step 20000: 0 % done; esc stops" in _status(app)
        held_jump.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert session.step == 20000 and session.plane.cursor == 20000
        assert session.plane.optimizer.vector.lr == 0.004
        assert session.chain_run is chain and chain.last_step == chain_steps
        assert "lr set" in _status(app) and "replaying" not in _status(app)


async def test_esc_stops_a_replay_where_the_rebuilt_run_got_to(monkeypatch):
    _without_numba(monkeypatch)
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"20000", "n")
        await app.workers.wait_for_complete()
        _esc_after_a_few_chunks(monkeypatch, app, chain_only=False)
        assert app.main_screen.change_setting("chain_lr", "0.3")
        await _stopped_short_of(pilot, 20000)


async def test_zoom_stops_where_the_numbers_end_and_says_so():
    """z held (the window once shrank to nothing and plotext divided by zero) and x held (it
    grew past the doubles): the view stops at its limit, the app keeps its session."""
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*"5n")
        for key in ("z", "x"):
            for _ in range(30):  # 2³⁰ each way: far past the limit of 10⁶
                await pilot.press(key)
            await pilot.pause()
            window = app.main_screen.plot_view.window
            fitted = app.main_screen.plot_view.fitted
            assert usable(window, fitted) is None
            assert "the view stays: zoomed" in _status(app)
        assert app.session.step == 5 and app.is_running


def test_load_refuses_a_saved_view_that_cannot_be_drawn(tmp_path, capsys):
    view = SavedView((-50.0, 10.0, -1.0, 2.0))
    written = export_session(Session(Experiment()), tmp_path, "saved", Resume(0, (), view))
    export = json.loads(written[0].read_text())
    for window in ([0, 5e-324, 0, 5e-324], [-1e308, 1e308, -1, 1]):
        export["resume"]["view"]["window"] = window
        path = tmp_path / "edited.json"
        path.write_text(json.dumps(export))
        with pytest.raises(SystemExit):
            parse(["--load", str(path)])
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "argument --load: resume.view.window:" in err


async def test_a_count_past_what_the_histories_hold_at_once_is_reached_in_parts(monkeypatch):
    """An export reopened at its step (`initial_steps`), or a long count: past the histories'
    memory budget the jump goes on in parts, thinning them each time, to the step asked for
    (it once stopped at the first part: 214 760 of 10⁶ for a race with a depth-64 chain)."""
    monkeypatch.setattr(driver_module, "HISTORY_BUDGET", 8 << 20)
    app = GradientsApp(initial_steps=120_000)
    async with app.run_test(size=SMALL) as pilot:
        driver = app.main_screen.driver
        for _ in range(2400):  # jumps in threads, one after another: wait for the last
            if driver.jump is None and app.session.step == 120_000:
                break
            await pilot.pause(0.05)
        assert app.session.step == 120_000, _status(app)
        assert app.session.chain_run.cursor == 120_000
        assert "steps per key" not in _status(app)


async def test_a_huge_terminal_is_drawn_in_a_bounded_part_of_it():
    """COLUMNS=3000 LINES=3000, or a browser tab asking for as much through serve: the app
    draws in MAX_SIZE of it and says so (it once took 4.7 GB and ignored q for 10 s)."""
    app = GradientsApp()
    async with app.run_test(size=(3000, 3000)) as pilot:
        await pilot.pause()
        assert "terminal 3000x3000: the app draws in 400x200 of it" in _status(app)
        await pilot.press("n")
        await pilot.pause()
        main = app.screen.query_one("#main")
        assert (main.size.width, main.size.height) == MAX_SIZE == (400, 200)
        assert app.session.step == 1


async def test_the_panel_opened_at_80x24_takes_the_readouts_room_not_the_plots():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        plot = app.query_one(ContourPlot)
        before = plot.size.width
        await pilot.press("comma")
        await pilot.pause()
        assert app.main_screen.panel.display
        assert plot.size.width >= before - 40 and plot.size.width >= 30
        assert not app.query_one("#readout").display
        await pilot.press("escape", "comma")
        await pilot.pause()
        assert app.query_one("#readout").display and plot.size.width == before


async def test_a_deep_chain_table_scrolls_by_keys_and_wheel_and_names_the_layers_shown():
    """Depth 64 at 160×48: the header says which layers are shown; pgdn and the wheel bring
    the output side into view, and the rows shown are those layers' numbers."""
    from textual import events

    args, experiment = parse(["--chain-depth", "64"])
    app = GradientsApp(experiment, **app_options(args))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.query_one(LayerTable)
        first = re.search(r"layers 1–(\d+) of 64", table.text)
        assert first, table.text
        room = int(first.group(1))
        await pilot.press(*["pagedown"] * 10)
        await pilot.pause()
        assert f"layers {65 - room}–64 of 64" in table.text
        last_row = next(line for line in table.text.splitlines() if line.strip().startswith("64"))
        assert last_row
        table.post_message(events.MouseScrollUp(table, 2, 2, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert f"layers {62 - room}–61 of 64" in table.text


async def test_a_message_goes_once_it_stops_being_true():
    """'following off' is not left standing once v has turned following on again, and what a
    click said is gone once the runs are moved on by a key."""
    app = GradientsApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("V")
        assert "following off" in _status(app)
        await pilot.press("v")
        assert "following off" not in _status(app) and "following on" in _status(app)
        plot, col, row = _plot_middle(app)
        await pilot.click(ContourPlot, offset=(col + plot.gutter.left, row + plot.gutter.top))
        await pilot.pause()
        assert "start set by a click" in _status(app)
        await pilot.press("G", "N")
        assert "start set by a click" not in _status(app)


async def test_every_builtin_theme_keeps_the_apps_own_colours_readable():
    """Light themes included: each run's colour, the contours, the minimum and the gradient
    arrow have a contrast of at least 3 with the theme's background, and a new theme redraws
    the plot in them."""
    from tui_gradients.ui.colours import contrast
    from tui_gradients.ui.marks import MARKS
    from tui_gradients.ui.widgets.contour_plot import CONTOUR_RGB, GRADIENT_ARROW_RGB, MINIMUM_RGB

    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        for name in app.available_themes:
            app.theme = name
            await pilot.pause()
            colours = app.main_screen.colours
            assert app.query_one(ContourPlot).colours == colours
            drawn = (CONTOUR_RGB, GRADIENT_ARROW_RGB, MINIMUM_RGB)
            for rgb in (*(mark.rgb for mark in MARKS), *drawn):
                assert contrast(colours.ink(rgb), colours.background) >= 3, (name, rgb)


async def test_the_chain_table_drops_whole_columns_rather_than_cut_a_number_beside_the_panel():
    app = GradientsApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        table = app.query_one(LayerTable)
        rows = [line for line in table.text.splitlines() if line.strip()[:1].isdigit()]
        assert rows and all(len(row) <= table.size.width for row in rows)
        assert "δ" in table.text.splitlines()[0]

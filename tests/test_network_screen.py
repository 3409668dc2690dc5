"""The network screen: what it shows is the run's numbers, read back from the screen; keys
move the run, long work runs in a thread that `esc` stops, and the layout holds at 80×24 and
in ASCII."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tui_gradients.core.network.datasets import DataSettings
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.training import train
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.network_screen import NetworkScreen, NetworkStart
from tui_gradients.ui.widgets.input_plane import InputPlane
from tui_gradients.ui.widgets.layer_chart import LayerChart
from tui_gradients.ui.widgets.layer_table import LayerTable
from tui_gradients.ui.widgets.lines import Lines
from tui_gradients.ui.widgets.loss_plane import LossPlane

from .pilot_helpers import until

SETTINGS = NetSettings(depth=3, width=8)
HYPER = Hyperparameters(optimizer="adam", lr=0.01)


def app_for(
    settings: NetSettings = SETTINGS, hyper: Hyperparameters = HYPER, **kwargs
) -> GradientsApp:
    return GradientsApp(network=NetworkStart(settings, hyper), **kwargs)


def table_rows(app) -> dict[str, list[str]]:
    """The rendered table's cells by layer label."""
    rows = {}
    for line in app.screen.query_one(LayerTable).text.splitlines()[1:]:
        cells = line.split()
        if cells and (cells[0].isdigit() or cells[0] == "out"):
            rows[cells[0]] = cells[1:]
    return rows


def status(app) -> str:
    return app.screen.query_one("#net-status", Lines).text


def straight(settings: NetSettings, hyper: Hyperparameters, steps: int):
    network = settings.network()
    params = settings.initial_params(network.architecture)
    return network, list(itertools.islice(train(network, hyper.build(), params), steps + 2))


async def test_the_table_shows_the_runs_numbers_at_each_step():
    network, steps = straight(SETTINGS, HYPER, 5)
    app = app_for()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("5", "n")
        await until(pilot, lambda: "step 5 " in status(app), "five steps")
        expected = steps[5].health(network, steps[6].params)
        rows = table_rows(app)
        assert list(rows) == ["1", "2", "3", "out"]
        for row in expected:
            cells = rows["out" if row.layer == 4 else str(row.layer)]
            assert f"{row.delta_rms:.2e}" in cells
            assert f"{row.grad_w_norm:.2e}" in cells
            assert f"{row.update_data:.3f}" in cells
        assert f"loss {steps[5].loss:.5g}" in status(app)
        await pilot.press("b", "b")
        await until(pilot, lambda: "step 3 " in status(app), "two steps back")
        again = steps[3].health(network, steps[4].params)
        assert f"{again[0].delta_rms:.2e}" in table_rows(app)["1"]


async def test_a_long_jump_runs_in_a_thread_and_esc_stops_it():
    app = app_for(NetSettings(depth=8, width=64))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"50000", "n")
        screen = app.screen
        assert isinstance(screen, NetworkScreen)
        await until(
            pilot, lambda: "% done" in app.screen.query_one("#net-message", Lines).text, "progress"
        )
        await pilot.press("o")  # a key that changes the runs waits: nothing opens
        assert app.screen is screen
        await pilot.press("escape")
        await until(pilot, lambda: screen._jump is None, "the jump to stop")
        assert "stopped at step" in screen.query_one("#net-message", Lines).text
        assert 0 < screen.run.cursor < 50000
        await pilot.press("n")
        await until(pilot, lambda: f"step {screen.run.last_step}" in status(app), "a step after")


async def test_the_optimiser_and_lr_make_a_new_run_to_the_same_step():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4", "n")
        await until(pilot, lambda: "step 4 " in status(app), "four steps")
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")  # the next optimiser after adam
        await until(pilot, lambda: "adamw" in status(app), "adamw")
        assert "step 4 " in status(app)
        await pilot.press("less_than_sign")
        await until(pilot, lambda: "lr 0.005" in status(app), "lr halved")
        _, steps = straight(SETTINGS, Hyperparameters(optimizer="adamw", lr=0.005), 4)
        assert f"loss {steps[4].loss:.5g}" in status(app)


async def test_charts_cycle_and_show_the_layers():
    app = app_for(NetSettings(depth=10, width=8))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "n")
        chart = app.screen.query_one(LayerChart)
        await until(pilot, lambda: "loss" in str(chart.border_title), "the loss chart")
        await pilot.press("x")
        await until(pilot, lambda: "update:data" in str(chart.border_title), "update:data")
        title = str(chart.border_title)
        assert "1" in title and "out" in title and title.count("  ") >= 4  # six layers of 11
        await pilot.press("x")
        await until(pilot, lambda: "∂C/∂W" in str(chart.border_title), "gradient norms")
        await pilot.press("x")  # the loss plane, in the chart's place
        landscape = app.screen.query_one("#net-landscape")
        assert landscape.display and not chart.display
        await pilot.press("x")
        await until(pilot, lambda: "loss" in str(chart.border_title), "back to the loss")
        assert chart.display and not landscape.display


async def test_the_input_plane_draws_each_point_where_it_is_with_its_class():
    settings = NetSettings(depth=2, width=8, data=DataSettings(source="gaussian"))
    app = app_for(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.screen.query_one(InputPlane).display  # narrow: a key away
        await pilot.press("x", "x", "x")
        plane = app.screen.query_one(InputPlane)
        await until(pilot, lambda: plane.display and plane.image is not None, "the plane")
        await pilot.pause(0.2)
        image = plane.image
        network = app.screen.network
        (x1_low, x1_high), (x2_low, x2_high) = image.ranges
        rows, columns = image.kind.shape
        lines = ["".join(s.text for s in plane.render_line(y)) for y in range(rows)]
        glyphs = {0: "●", 1: "◆"}
        cells = {}
        for (u, v), label in zip(network.x, network.target.astype(int), strict=True):
            column = min(int((u - x1_low) / (x1_high - x1_low) * columns), columns - 1)
            row = min(int((x2_high - v) / (x2_high - x2_low) * rows), rows - 1)
            cells[row, column] = label  # a later point in the same cell is drawn over
        for (row, column), label in cells.items():
            assert lines[row][column] == glyphs[label], (row, column)
        marked = sum(character in "●◆" for line in lines for character in line)
        assert marked == len(cells)
        assert "x1" in str(plane.border_title) and "x2" in str(plane.border_title)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_layer_fits_and_ascii_is_ascii(size):
    app = app_for(NetSettings(depth=3, width=8, norm="layer", residual=True), ascii_only=True)
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: "step 1 " in status(app), "a step")
        assert list(table_rows(app)) == ["1", "2", "3", "out"]
        for _ in range(4):  # each chart
            await pilot.pause(0.1)
            table = app.screen.query_one(LayerTable)
            chart_widget = app.screen.query_one(LayerChart)
            texts = [
                table.text,
                str(table.border_title),
                status(app),
                app.screen.query_one("#net-message", Lines).text,
                str(chart_widget.border_title),
                str(chart_widget.render()),
            ]
            plane = app.screen.query_one(LossPlane)
            if plane.display:
                await until(pilot, lambda p=plane: p.landscape is not None, "the loss plane")
                await pilot.pause(0.1)
                texts.append(str(plane.border_title))
                texts += [
                    "".join(s.text for s in plane.render_line(y)) for y in range(plane.size.height)
                ]
            for text in texts:
                assert text.isascii(), text
            await pilot.press("x")
        await pilot.press("t")  # the lesson's pages, each measured, in ASCII
        lesson = app.screen.query_one("#net-lesson-text")
        for page in range(1, 5):
            await until(
                pilot,
                lambda page=page: (
                    f"page {page} of 4" in lesson.source and "measuring" not in lesson.source
                ),
                f"page {page}",
            )
            assert lesson.source.isascii(), lesson.source
            await pilot.press("right_square_bracket")


async def test_help_describes_the_columns_and_q_quits():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        document = app.screen.document
        assert "update:data" in document and "saturated" in document
        for column in ("rms δ", "‖∂C/∂W‖", "grad:data", "log₁₀ u:d", "σ(a)", "mean a", "σ(W)"):
            assert column in document  # every header the table shows is explained
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_rivals_race_from_the_same_weights_and_step_together():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("C")
        screen = app.screen
        assert len(screen.runs) == 6
        await pilot.press("1", "0", "n")
        await until(pilot, lambda: all(run.cursor == 10 for run in screen.runs), "ten steps each")
        for hyper, run in screen.rivals:
            _, steps = straight(SETTINGS, hyper, 10)
            np.testing.assert_array_equal(run.current.params, steps[10].params)
        chart = screen.query_one(LayerChart)
        await until(pilot, lambda: "adam lr 0.01" in str(chart.border_title), "the race's legend")
        assert "gd lr 0.5" in str(chart.border_title)
        await pilot.press("A", "A")
        assert len(screen.runs) == 4
        await pilot.press("b")
        await until(pilot, lambda: all(run.cursor == 9 for run in screen.runs), "a step back")
        await pilot.press("c")
        assert len(screen.runs) == 2 and screen.rivals[0][0].optimizer == "gd"  # main is adam
        await pilot.press("a", "a", "a", "a", "a")
        assert len(screen.runs) == 6
        assert "at most 6 runs" in screen.query_one("#net-message", Lines).text


async def test_the_help_in_ascii_names_the_columns_as_the_ascii_table_does():
    app = app_for(ascii_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        document = app.screen.document
        assert document.isascii()
        assert "std(a)" in document and "std(W)" in document and "sigmoid(a)" not in document


async def test_a_refused_learning_rate_keeps_the_run():
    app = app_for(hyper=Hyperparameters(optimizer="adam", lr=4e5))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3", "n")
        await until(pilot, lambda: "step 3 " in status(app), "three steps")
        screen = app.screen
        await pilot.press("greater_than_sign")  # 8e5: a new run, trained to step 3
        kept = screen.run
        await pilot.press("greater_than_sign")  # 1.6e6: refused
        assert "lr: must be in" in screen.query_one("#net-message", Lines).text
        assert screen.hyper.lr == 8e5 and screen.run is kept and kept.cursor == 3


async def test_d_shades_the_loss_plane():
    app = GradientsApp(network=NetworkStart(SETTINGS, HYPER, plane="weights"))
    async with app.run_test(size=(100, 30)) as pilot:
        plane = app.screen.query_one(LossPlane)
        await until(pilot, lambda: plane.landscape is not None, "the loss plane")
        await pilot.press("d")
        assert plane.shading
        await pilot.pause(0.1)
        backgrounds = {
            segment.style.bgcolor
            for y in range(plane.size.height)
            for segment in plane.render_line(y)
            if segment.style is not None and segment.style.bgcolor is not None
        }
        assert len(backgrounds) > 3  # a shade per band


async def test_on_a_wide_screen_the_loss_plane_gets_the_room_below_table_and_inputs():
    settings = NetSettings(depth=3, width=8, data=DataSettings(source="xor"))
    app = GradientsApp(network=NetworkStart(settings, HYPER, plane="weights"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = app.screen
        table, inputs = screen.query_one(LayerTable), screen.query_one(InputPlane)
        plane = screen.query_one(LossPlane)
        assert inputs.display and plane.display
        assert inputs.region.height == table.region.height
        assert plane.region.y >= table.region.bottom and plane.region.height >= 30

"""The picture agrees with the numbers: read the plot back from the rendered screen, map the
current point's marker through the plot's own tick labels, and compare with the readout."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pytest

from tui_gradients.arguments import parse
from tui_gradients.cli import app_options
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.marks import MARKS
from tui_gradients.ui.widgets.contour_plot import ContourPlot
from tui_gradients.ui.widgets.lines import Lines

SIZES = [(80, 24), (160, 48)]
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _app(flags: str) -> GradientsApp:
    args, experiment = parse(shlex.split(flags))
    return GradientsApp(experiment, **app_options(args))


def _screen_cells(plot: ContourPlot) -> list[list[tuple[str, object]]]:
    """The plot as the terminal gets it: (character, style) per cell, row by row."""
    rows = []
    for y in range(plot.size.height):
        cells = []
        for segment in plot.render_line(y):
            cells += [(char, segment.style) for char in segment.text]
        rows.append(cells)
    return rows


def _ticks(rows: list[list[tuple[str, object]]]):
    """(column → w1) and (row → w2) as the axis labels print them: a straight line through
    every labelled tick; and the rows and columns inside the frame."""
    lines = ["".join(char for char, _ in row) for row in rows]
    y_ticks = []
    for y, line in enumerate(lines):
        match = re.match(r"^\s*(-?[\d.]+(?:e[+-]?\d+)?)[┤+]", line)
        if match:
            y_ticks.append((y, float(match.group(1))))
    # the frame's bottom line (in ASCII the top one looks the same: take the last)
    bottom = [y for y, line in enumerate(lines) if re.search(r"[└+][─┬+-]{5,}", line)][-1]
    if "└" in lines[bottom]:
        tick_cols = [x for x, char in enumerate(lines[bottom]) if char == "┬"]
    else:  # in ASCII the corners are '+' too
        tick_cols = [x for x, char in enumerate(lines[bottom]) if char == "+"][1:-1]
    labels = [
        (m.start() + len(m.group()) / 2, float(m.group()))
        for m in NUMBER.finditer(lines[bottom + 1])
    ]
    x_ticks = [(min(tick_cols, key=lambda c: abs(c - centre)), value) for centre, value in labels]
    assert len(x_ticks) >= 2 and len(y_ticks) >= 2
    fit_x = np.polyfit([c for c, _ in x_ticks], [v for _, v in x_ticks], 1)
    fit_y = np.polyfit([r for r, _ in y_ticks], [v for _, v in y_ticks], 1)
    frame_lines = [y for y, line in enumerate(lines) if re.search(r"[┌└+][─┬+-]{5,}", line)]
    top = frame_lines[-2] if len(frame_lines) > 1 else frame_lines[0]
    corners = [x for x, char in enumerate(lines[bottom]) if char in "└┘+"]
    # the data area: inside the frame's box (the ticks need not reach its edges)
    return fit_x, fit_y, (top + 1, bottom - 1), (corners[0] + 1, corners[-1] - 1)


def _current_cells(rows, glyph):
    """Cells showing `glyph` in reverse video: a run's current point."""
    return [
        (y, x)
        for y, row in enumerate(rows)
        for x, (char, style) in enumerate(row)
        if char == glyph and style is not None and style.reverse
    ]


def _readout_points(app) -> list[tuple[float, float]]:
    text = app.query_one("#readout", Lines).text
    match = re.search(r"w1, w2\s+(\S+), (\S+)", text)
    assert match, text
    return [(float(match.group(1)), float(match.group(2)))]


def _assert_marker_agrees(rows, glyph, point, fit_x, fit_y, y_span, x_span):
    cells = _current_cells(rows, glyph)
    assert len(cells) == 1, f"{glyph} shown {len(cells)} times"
    y, x = cells[0]
    assert y_span[0] <= y <= y_span[1] and x_span[0] <= x <= x_span[1], "marker off the plot"
    # the readout's numbers mapped through the ticks to a cell, against the marker's cell
    col = (point[0] - fit_x[1]) / fit_x[0]
    row = (point[1] - fit_y[1]) / fit_y[0]
    assert abs(col - x) <= 1.5 and abs(row - y) <= 1.5, (point, (row, col), (y, x))


SCENARIOS = [
    ("--optimizer momentum", ["2", "0", "n"]),
    ("--expr 'sin(w1)*cos(w2) + 0.1*w1**2' --start 1,2 --steps 50", []),
    ("", ["z", "z", "z", "3", "0", "n"]),
    ("--lr 5", ["5", "0", "n"]),
    ("--preset rosenbrock --optimizer adam --lr 0.05", ["4", "0", "n"]),
    ("--preset penguins", ["3", "0", "n"]),  # axes in the tens and the thousands
    ("--preset penguins --standardize x --batch-size 32 --lr 0.1", ["1", "5", "n"]),
]


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("flags", "keys"), SCENARIOS)
async def test_the_current_point_is_where_the_readout_says(flags, keys, size, ascii_only):
    app = _app(flags)
    async with app.run_test(size=size) as pilot:
        if ascii_only:
            await pilot.press("m")
        await pilot.press(*keys)
        await pilot.pause()
        plot = app.query_one(ContourPlot)
        rows = _screen_cells(plot)
        ticks = _ticks(rows)
        (point,) = _readout_points(app)
        _assert_marker_agrees(rows, MARKS[0].glyph(ascii_only), point, *ticks)


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("size", SIZES)
async def test_every_runner_of_a_race_is_where_its_run_is(size, ascii_only):
    app = _app("--race adagrad,adam,momentum")
    async with app.run_test(size=size) as pilot:
        if ascii_only:
            await pilot.press("m")
        await pilot.press("3", "0", "n")
        await pilot.pause()
        rows = _screen_cells(app.query_one(ContourPlot))
        ticks = _ticks(rows)
        runs = app.session.surface_runs
        seen = 0
        for mark, run in zip(MARKS, runs, strict=False):
            point = (float(run.params[0]), float(run.params[1]))
            cells = _current_cells(rows, mark.glyph(ascii_only))
            if not cells:  # hidden under a run drawn over it, in the same cell
                continue
            _assert_marker_agrees(rows, mark.glyph(ascii_only), point, *ticks)
            seen += 1
        assert seen >= 3


async def test_turning_following_off_leaves_a_pointer_at_the_edge():
    app = _app("")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("V", "z", "z", "z", "l", "l", "l")
        await pilot.pause()
        rows = _screen_cells(app.query_one(ContourPlot))
        assert not _current_cells(rows, MARKS[0].glyph(False))
        pointers = [char for row in rows for char, style in row if char in "▸◥▴◤◂◣▾◢"]
        assert len(pointers) == 1
        await pilot.press("v")  # fit everything brings it back, with following on
        await pilot.pause()
        rows = _screen_cells(app.query_one(ContourPlot))
        assert len(_current_cells(rows, MARKS[0].glyph(False))) == 1
        assert app.main_screen.plot_view.following


@pytest.mark.parametrize("size", SIZES)
async def test_a_click_starts_the_runs_in_the_cell_clicked_and_the_view_holds(size):
    """The cell where the minimum's star is drawn, clicked: the new start's marker is drawn in
    that very cell, on the same axes."""
    app = _app("")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.query_one(ContourPlot)
        rows = _screen_cells(plot)
        star = MARKS[0].glyph(False)
        *_, (top, bottom), (left, right) = _ticks(rows)
        (target,) = [  # the minimum's star, not the legend's
            (y, x)
            for y, row in enumerate(rows)
            for x, (char, _) in enumerate(row)
            if char == "★" and top <= y <= bottom and left <= x <= right
        ]
        window = app.main_screen.plot_view.window
        content = plot.content_region.offset
        await pilot.click(offset=(content.x + target[1], content.y + target[0]))
        await pilot.pause()
        assert app.session.experiment.plane.start_point != (-40.0, 1.5)
        assert app.main_screen.plot_view.window == window
        assert _current_cells(_screen_cells(plot), star) == [target]

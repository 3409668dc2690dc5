"""Contour levels, contour pixels, and the cell mapping the trajectory overlay relies on."""

import math

import numpy as np
import pytest
from rich.style import Style
from rich.text import Text

from tui_gradients.core.contours import (
    RATIO,
    contour_mask,
    contour_pixels,
    geometric_levels,
    grid,
)
from tui_gradients.core.functions import custom, make_objective, quadratic
from tui_gradients.ui import raster
from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.widgets.contour_plot import (
    CONTOUR_STYLE,
    ContourPlot,
    Scene,
    _figure,
    _measure,
)


def test_levels_are_geometric_and_start_at_the_top_of_the_view():
    values = np.linspace(2.0, 102.0, 50)
    floor, heights = geometric_levels(values, levels=8)
    assert floor == 2.0
    np.testing.assert_allclose(heights[1:] / heights[:-1], RATIO)
    assert heights[0] == pytest.approx(100.0 * RATIO)


def test_contour_pixels_lie_on_the_levels_of_a_round_bowl():
    objective = custom("w1**2 + w2**2")
    window = (-2.0, 2.0, -2.0, 2.0)
    columns = rows = 400
    xs, ys = grid(window, columns, rows)
    values = xs**2 + ys**2
    floor, heights = geometric_levels(values)
    mask = contour_pixels(objective, window, columns, rows)
    px, py = xs[mask], ys[mask]
    assert len(px) > 100
    pixel = 4.0 / (columns - 1)
    f = px**2 + py**2 - floor
    gradient = 2 * np.hypot(px, py)
    distance_to_level = np.min(np.abs(f[:, None] - heights[None, :]), axis=1)
    assert np.all(distance_to_level <= gradient * pixel * 1.01 + 1e-12)


def test_ill_conditioned_bowl_keeps_nested_rings_near_the_floor():
    """Even spacing would leave the floor of 0.001·w1² + w2² blank; geometric levels do not."""
    window = (-46.0, 6.0, -0.3, 1.8)
    xs, ys = grid(window, 200, 120)
    mask = contour_mask(quadratic().value(xs, ys))
    axis_row = np.argmin(np.abs(ys[:, 0]))  # the row through w2 = 0, where gd crawls
    crossings = np.count_nonzero(mask[axis_row])
    assert crossings >= 6


def test_non_finite_values_draw_no_contour_and_raise_nothing():
    objective = custom("log(w1)")
    window = (-1.0, 1.0, -1.0, 1.0)
    xs, _ = grid(window, 50, 50)
    mask = contour_pixels(objective, window, 50, 50)
    assert mask.any() and np.all(xs[mask] > 0)


@pytest.mark.parametrize(("width", "height"), [(60, 20), (124, 36), (45, 12)])
def test_overlay_cells_match_where_plotext_draws(width, height):
    window = (-46.0, 6.0, -0.225, 1.725)
    points = np.array([[-40.0, 1.5], [0.0, 0.0], [5.0, -0.2], [-45.0, 1.7], [-20.0, 0.9]])
    canvas, _ = _measure(width, height, window)
    plot = _figure(width, height, window)
    plot.scatter(points[:, 0], points[:, 1], marker="X")
    lines = Text.from_ansi(plot.build()).plain.split("\n")
    rows, cols = raster.point_cells(canvas, points)
    assert len(rows) == len(points)
    for row, col in zip(rows, cols, strict=True):
        assert lines[row][col] == "X"


@pytest.mark.parametrize("ascii_markers", [False, True])
@pytest.mark.parametrize(
    ("function", "width", "height", "equal"),
    [
        ("quadratic", 104, 36, False),
        ("rosenbrock", 60, 20, False),
        ("himmelblau", 45, 12, True),
        ("beale", 150, 50, False),
        ("saddle", 12, 5, False),
    ],
)
def test_contour_layer_is_plotexts_own_scatter_of_the_contour_pixels(
    function, width, height, equal, ascii_markers
):
    """The contour glyphs are put in from the mask; plotext drawing the same pixels as a
    scatter (as the layer was once drawn) gives the same characters in the same styles."""
    objective = make_objective(function)
    scene = Scene(objective, (-2.0, 3.0, -1.5, 2.5), width, height, ascii_markers, equal)
    base, canvas = ContourPlot(objective, scene.window)._draw_base(scene)
    per_cell = (1, 1) if ascii_markers else (2, 4)
    columns, rows = canvas.columns * per_cell[0], canvas.rows * per_cell[1]
    xs, ys = grid(canvas.window, columns, rows)
    mask = contour_pixels(objective, canvas.window, columns, rows)
    plot = _figure(width, height, canvas.window)
    marker = "." if ascii_markers else "braille"
    plot.scatter(xs[mask], ys[mask], marker=marker, color=CONTOUR_STYLE.color.triplet)
    text = plot.build()
    expected = _plain_cells(text.translate(BOX_TO_ASCII) if ascii_markers else text)
    assert mask.any()
    assert [[(char, style) for char, style in row] for row in base] == [
        row[:width] + [(" ", Style())] * (width - len(row)) for row in expected[:height]
    ]


def _plain_cells(text: str) -> list[list[tuple[str, Style]]]:
    """plotext's ANSI output as (character, style) per cell."""
    cells = []
    for line in Text.from_ansi(text).split("\n"):
        styles = [Style()] * len(line.plain)
        for span in line.spans:
            for index in range(span.start, min(span.end, len(styles))):
                styles[index] = styles[index] + span.style
        cells.append(list(zip(line.plain, styles, strict=True)))
    return cells


def test_braille_cells_set_unicodes_dot_bits():
    pixels = np.zeros((8, 4), dtype=bool)
    pixels[3, 0] = True  # top left dot of the bottom left cell: dot 1
    pixels[0, 1] = True  # its bottom right: dot 8
    pixels[4:8, 2:4] = True  # every dot of the top right cell
    codes = raster.braille(pixels)
    assert codes.shape == (2, 2)
    assert chr(codes[0, 0]) == "\u2881"  # dots 1 and 8
    assert codes[0, 1] == codes[1, 0] == 0  # no dot: no glyph
    assert chr(codes[1, 1]) == "\u28ff"


def _canvas(columns=40, rows=20):
    return raster.Canvas(
        width=columns + 6,
        height=rows + 3,
        left=5,
        bottom=2,
        columns=columns,
        rows=rows,
        window=(0.0, 1.0, 0.0, 1.0),
    )


def test_a_path_is_drawn_without_gaps():
    canvas = _canvas()
    rows, cols = raster.path_cells(canvas, np.array([[0.0, 0.5], [1.0, 0.5]]))
    assert set(rows) == {rows[0]}
    assert sorted(cols) == list(range(canvas.left, canvas.left + canvas.columns))


def test_long_oscillating_history_is_decimated_to_the_grid():
    canvas = _canvas()
    k = np.arange(100_000)
    points = np.stack([0.5 + 0.4 * (-1.0) ** k, 0.5 + 0.0 * k], axis=1)
    rows, cols = raster.path_cells(canvas, points)
    # the 99 999 segments are two distinct ones (there and back): a few cells each, not 10⁵
    assert len(rows) <= 2 * canvas.columns
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) <= canvas.columns


def test_points_far_outside_are_clipped_not_drawn():
    canvas = _canvas()
    rows, _ = raster.point_cells(canvas, np.array([[1e300, 0.5], [math.nan, 0.5]]))
    assert len(rows) == 0


def test_current_point_is_drawn_over_paths_and_minimum():
    canvas = _canvas()
    path = np.array([[0.1, 0.1], [0.5, 0.5]])
    ghost = np.array([[0.1, 0.1], [0.5, 0.5]])
    masks = [raster.PathMask(canvas) for _ in range(2)]
    masks[0].update(path)
    masks[1].update(ghost)
    codes = raster.overlay(canvas, masks[0], masks[1:], ((0.5, 0.5),))
    row, col = (int(v[0]) for v in canvas.cells(path[-1:]))
    assert codes[row, col] == raster.CURRENT
    assert np.count_nonzero(codes == raster.RIVAL_CURRENT) == 0  # hidden under the main point


def test_each_rival_keeps_its_own_code_and_paths_never_hide_a_current_point():
    canvas = _canvas()
    main = raster.PathMask(canvas)
    main.update(np.array([[0.0, 0.0], [0.05, 0.05]]))
    rivals = [raster.PathMask(canvas) for _ in range(3)]
    ends = [[0.9, 0.1], [0.1, 0.9], [0.9, 0.9]]
    for rival, end in zip(rivals, ends, strict=True):
        rival.update(np.array([[0.5, 0.5], end]))
    codes = raster.overlay(canvas, main, rivals, ())
    for index, end in enumerate(ends):
        row, col = (int(v[0]) for v in canvas.cells(np.array([end])))
        assert codes[row, col] == raster.RIVAL_CURRENT + index
    shared_start = tuple(int(v[0]) for v in canvas.cells(np.array([[0.5, 0.5]])))
    assert codes[shared_start] == raster.RIVAL_PATH + 2  # the last rival drawn on top
    assert set(np.unique(codes)) >= {raster.RIVAL_PATH, raster.RIVAL_PATH + 1, raster.PATH}


def test_levels_spread_over_huge_ranges_so_the_middle_still_has_rings():
    objective = custom("exp(w1*w2)")  # from e^-100 to e^100 in view
    window = (-10.0, 10.0, -10.0, 10.0)
    mask = contour_pixels(objective, window, 200, 200)
    xs, ys = (values[mask] for values in grid(window, 200, 200))
    assert len(xs) > 0
    assert np.any(np.abs(xs * ys) < 10)  # rings where the values are ordinary, not only in corners


def test_values_that_overflow_in_part_of_the_view_leave_finite_levels():
    objective = custom("exp(w1**2)")  # inf beyond |w1| ≈ 26.6
    xs, ys = grid((-40.0, 40.0, -1.0, 1.0), 300, 20)
    floor, heights = geometric_levels(objective.value(xs, ys))
    assert np.isfinite(floor) and np.all(np.isfinite(heights)) and len(heights) > 0


@pytest.mark.parametrize("seed", range(5))
def test_a_growing_path_is_drawn_as_if_drawn_whole(seed):
    """Step forward, back, onto another branch: the mask kept up to date point by point equals
    the mask drawn from the whole path each time."""
    canvas = _canvas()
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 0.05, (300, 2)), axis=0) + 0.5
    other = walk.copy()
    other[150:] += 0.2  # the same start, then a different branch
    moved = walk.copy()  # the same history after it grew into a larger buffer
    kept = raster.PathMask(canvas)
    paths = [walk[:k] for k in range(1, 200)] + [walk[:120], other[:300], walk[:50]]
    for path in [*paths, moved[:80], walk[:90], moved[:260]]:
        fresh = raster.PathMask(canvas)
        fresh.update(path)
        kept.update(path)
        np.testing.assert_array_equal(kept.mask, fresh.mask)
        np.testing.assert_array_equal(kept.last, path[-1:])


def test_a_step_is_reported_as_a_change_exactly_when_the_drawing_changes():
    """The plot skips its redraw when `update` says nothing changed, so the answer must agree
    with comparing what is drawn: the covered cells and the current point's cell."""
    canvas = _canvas()
    crawl = np.column_stack([0.2 + 0.6 * 0.999 ** np.arange(400), np.full(400, 0.5)])
    jumps = np.cumsum(np.random.default_rng(1).normal(0, 0.1, (60, 2)), axis=0) + 0.5
    for walk in (crawl, jumps):
        kept, answers = raster.PathMask(canvas), []
        before = (kept.mask.copy(), None)
        for k in range(1, len(walk) + 1):
            answers.append(kept.update(walk[:k]))
            after = (kept.mask.copy(), tuple(int(v[0]) for v in canvas.cells(walk[k - 1 : k])))
            assert answers[-1] == (not np.array_equal(after[0], before[0]) or after[1] != before[1])
            before = after
        assert True in answers and False in answers  # both cases really happen
    kept.update(jumps[:10])  # a step back starts again: always a change
    assert kept.update(jumps[:10]) is False
    assert kept.update(jumps[:5]) is True


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_path_cells_do_not_depend_on_how_the_points_are_chunked(monkeypatch, chunk):
    """Long paths are mapped to cells chunk by chunk; a repeated cell that straddles two
    chunks must be dropped just as inside one."""
    canvas = _canvas()
    crawl = np.column_stack([0.2 + 0.6 * 0.999 ** np.arange(500), np.full(500, 0.5)])
    walk = np.cumsum(np.random.default_rng(4).normal(0, 0.05, (500, 2)), axis=0) + 0.5
    paths = (crawl, walk, np.vstack([walk[:3], np.full((40, 2), np.nan), walk[3:9]]))
    whole = [raster.path_cells(canvas, path) for path in paths]  # one chunk: CHUNK > 500
    monkeypatch.setattr(raster, "CHUNK", chunk)
    for path, (rows, cols) in zip(paths, whole, strict=True):
        chunked_rows, chunked_cols = raster.path_cells(canvas, path)
        np.testing.assert_array_equal(chunked_rows, rows)
        np.testing.assert_array_equal(chunked_cols, cols)

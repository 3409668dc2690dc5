"""Contour levels, contour pixels, and the cell mapping the trajectory overlay relies on."""

import math

import numpy as np
import pytest
from rich.style import Style
from rich.text import Text

from tui_gradients.core.objectives.contours import (
    RATIO,
    choose_levels,
    contour_mask,
    contour_pixels,
    geometric_levels,
    grid,
    values_on,
)
from tui_gradients.core.objectives.functions import custom, make_objective, quadratic
from tui_gradients.ui import raster
from tui_gradients.ui.glyphs import BOX_TO_ASCII
from tui_gradients.ui.widgets.contour_plot import (
    CONTOUR_RGB,
    UNICODE_GLYPHS,
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
    mask, levels = contour_pixels(objective, window, columns, rows)
    px, py = xs[mask], ys[mask]
    assert len(px) > 100 and len(levels) >= 6
    pixel = 4.0 / (columns - 1)
    f = px**2 + py**2
    gradient = 2 * np.hypot(px, py)
    distance_to_level = np.min(np.abs(f[:, None] - levels[None, :]), axis=1)
    assert np.all(distance_to_level <= gradient * pixel * 1.01 + 1e-12)


def test_ill_conditioned_bowl_keeps_nested_rings_near_the_floor():
    """Even spacing would leave the floor of 0.001·w1² + w2² blank; geometric levels do not."""
    window = (-46.0, 6.0, -0.3, 1.8)
    xs, ys = grid(window, 200, 120)
    values = quadratic().value(xs, ys)
    mask = contour_mask(values, choose_levels(values, 0.0))
    axis_row = np.argmin(np.abs(ys[:, 0]))  # the row through w2 = 0, where gd crawls
    crossings = np.count_nonzero(mask[axis_row])
    assert crossings >= 6


def test_non_finite_values_draw_no_contour_and_raise_nothing():
    objective = custom("log(w1)")
    window = (-1.0, 1.0, -1.0, 1.0)
    xs, _ = grid(window, 50, 50)
    mask, _ = contour_pixels(objective, window, 50, 50)
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
    extent = (2, 2) if ascii_markers else (8, 4)
    mask, _ = contour_pixels(objective, canvas.window, columns, rows, min_extent=extent)
    plot = _figure(width, height, canvas.window)
    marker = "." if ascii_markers else "braille"
    plot.scatter(xs[mask], ys[mask], marker=marker, color=CONTOUR_RGB)
    text = plot.build()
    expected = _plain_cells(text.translate(BOX_TO_ASCII) if ascii_markers else text)
    assert mask.any()
    # the last line also holds the contours' legend, which plotext does not draw
    assert [[(char, style) for char, style in row] for row in base[:-1]] == [
        row[:width] + [(" ", Style())] * (width - len(row)) for row in expected[: height - 1]
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


def _path_cells(canvas, points):
    """The cells the polyline through `points` crosses inside the data area."""
    rows, cols, _, _ = raster.polyline(canvas.cells, points)
    keep = canvas.inside(rows, cols)
    return rows[keep], cols[keep]


def test_a_path_is_drawn_without_gaps():
    canvas = _canvas()
    rows, cols = _path_cells(canvas, np.array([[0.0, 0.5], [1.0, 0.5]]))
    assert set(rows) == {rows[0]}
    assert sorted(cols) == list(range(canvas.left, canvas.left + canvas.columns))


def test_long_oscillating_history_is_decimated_to_the_grid():
    canvas = _canvas()
    k = np.arange(100_000)
    points = np.stack([0.5 + 0.4 * (-1.0) ** k, 0.5 + 0.0 * k], axis=1)
    rows, cols = _path_cells(canvas, points)
    # the 99 999 segments are two distinct ones (there and back): a few cells each, not 10⁵
    assert len(rows) <= 2 * canvas.columns
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) <= canvas.columns


def test_points_far_outside_are_clipped_not_drawn():
    canvas = _canvas()
    rows, _ = raster.point_cells(canvas, np.array([[1e300, 0.5], [math.nan, 0.5]]))
    assert len(rows) == 0


GLYPHS = UNICODE_GLYPHS


def _trails(canvas, *paths):
    trails = [raster.Trail(canvas, ascii_only=False) for _ in paths]
    for trail, path in zip(trails, paths, strict=True):
        trail.update(np.asarray(path, dtype=float))
    return trails


def _cell(canvas, point):
    return tuple(int(v[0]) for v in canvas.cells(np.array([point], dtype=float)))


def test_current_point_is_drawn_over_paths_and_minimum():
    canvas = _canvas()
    path = [[0.1, 0.1], [0.5, 0.5]]
    out = raster.overlay(canvas, _trails(canvas, path, path), ((0.5, 0.5),), GLYPHS)
    at = _cell(canvas, path[-1])
    assert out.styles[at] == raster.style_id(raster.CURRENT, 0)
    assert chr(out.chars[at]) == "●"
    # the rival's current point is in the same cell, hidden under the main run's
    assert np.count_nonzero(out.styles == raster.style_id(raster.CURRENT, 1)) == 0


def test_each_rival_keeps_its_own_mark_and_paths_never_hide_a_current_point():
    canvas = _canvas()
    ends = [[0.9, 0.1], [0.1, 0.9], [0.9, 0.9]]
    trails = _trails(canvas, [[0.0, 0.0], [0.05, 0.05]], *([[0.5, 0.5], end] for end in ends))
    out = raster.overlay(canvas, trails, (), GLYPHS)
    for index, end in enumerate(ends, start=1):
        assert out.styles[_cell(canvas, end)] == raster.style_id(raster.CURRENT, index)
        assert chr(out.chars[_cell(canvas, end)]) == GLYPHS.runs[index]
    # the shared start is an iterate of every rival: the first rival is drawn over the others
    assert out.styles[_cell(canvas, [0.5, 0.5])] == raster.style_id(raster.RECENT_ITERATE, 1)
    segments = {raster.style_id(raster.SEGMENT, run) for run in range(4)}
    assert segments <= set(np.unique(out.styles))


def test_iterates_are_marks_and_segments_are_braille_between_them():
    """gd's first step on the bowl (w2 from 1.5 to 0 in one step) is two marks joined by a
    line, not a column of marks: a reader must count one step."""
    canvas = _canvas()
    (trail,) = _trails(canvas, [[0.5, 0.9], [0.5, 0.1]])
    out = raster.overlay(canvas, [trail], (), GLYPHS)
    marks = np.isin(out.chars, [ord(glyph) for glyph in GLYPHS.runs])
    assert np.count_nonzero(marks) == 2
    between = out.chars[_cell(canvas, [0.5, 0.5])]
    assert 0x2800 < between <= 0x28FF  # a braille line, not a mark
    assert trail.iterates_in_view() == (2, 2)


def test_iterates_closer_than_a_cell_are_counted_not_drawn_as_extra_marks():
    canvas = _canvas()
    crawl = np.column_stack([0.5 + 0.001 * np.arange(50), np.full(50, 0.5)])
    (trail,) = _trails(canvas, crawl)
    iterates, cells = trail.iterates_in_view()
    assert iterates == 50 and cells < 5


def test_the_last_iterates_are_brighter_than_the_older_ones():
    canvas = _canvas()
    zigzag = [[0.05 + 0.08 * k, 0.2 if k % 2 else 0.8] for k in range(12)]
    out = raster.overlay(canvas, _trails(canvas, zigzag), (), GLYPHS)
    styles = [int(out.styles[_cell(canvas, point)]) for point in zigzag]
    recent = raster.RECENT
    assert styles[-1] == raster.style_id(raster.CURRENT, 0)
    assert styles[-1 - recent : -1] == [raster.style_id(raster.RECENT_ITERATE, 0)] * recent
    assert set(styles[: -1 - recent]) == {raster.style_id(raster.OLD, 0)}


def test_a_current_point_out_of_view_gets_a_pointer_on_the_border():
    canvas = _canvas()
    (trail,) = _trails(canvas, [[0.5, 0.5], [3.0, 0.5]])
    out = raster.overlay(canvas, [trail], (), GLYPHS)
    pointers = np.argwhere(out.styles == raster.style_id(raster.EDGE, 0))
    assert len(pointers) == 1
    row, col = pointers[0]
    assert col == canvas.left + canvas.columns - 1 and row == _cell(canvas, [0.5, 0.5])[0]
    assert chr(out.chars[row, col]) == GLYPHS.edges["e"]


def test_arrows_end_in_a_head_pointing_their_way():
    canvas = _canvas()
    (trail,) = _trails(canvas, [[0.2, 0.5]])
    arrows = [
        raster.Arrow((0.2, 0.5), (0.5, 0.0), raster.GRADIENT_ARROW),
        raster.Arrow((0.2, 0.5), (0.0, 0.4), raster.STEP_ARROW),
    ]
    out = raster.overlay(canvas, [trail], (), GLYPHS, arrows)
    assert chr(out.chars[_cell(canvas, [0.7, 0.5])]) == GLYPHS.heads["e"]
    assert chr(out.chars[_cell(canvas, [0.2, 0.9])]) == GLYPHS.step_heads["n"]
    assert out.styles[_cell(canvas, [0.2, 0.5])] == raster.style_id(raster.CURRENT, 0)


def test_levels_spread_over_huge_ranges_so_the_middle_still_has_rings():
    objective = custom("exp(w1*w2)")  # from e^-100 to e^100 in view
    window = (-10.0, 10.0, -10.0, 10.0)
    mask, _ = contour_pixels(objective, window, 200, 200)
    xs, ys = (values[mask] for values in grid(window, 200, 200))
    assert len(xs) > 0
    assert np.any(np.abs(xs * ys) < 10)  # rings where the values are ordinary, not only in corners


def test_values_that_overflow_in_part_of_the_view_leave_finite_levels():
    objective = custom("exp(w1**2)")  # inf beyond |w1| ≈ 26.6
    xs, ys = grid((-40.0, 40.0, -1.0, 1.0), 300, 20)
    floor, heights = geometric_levels(objective.value(xs, ys))
    assert np.isfinite(floor) and np.all(np.isfinite(heights)) and len(heights) > 0


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_a_growing_path_is_drawn_as_if_drawn_whole(seed, ascii_only):
    """Step forward, back, onto another branch: the trail kept up to date point by point
    equals the trail drawn from the whole path each time."""
    canvas = _canvas()
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 0.05, (300, 2)), axis=0) + 0.5
    other = walk.copy()
    other[150:] += 0.2  # the same start, then a different branch
    moved = walk.copy()  # the same history after it grew into a larger buffer
    kept = raster.Trail(canvas, ascii_only)
    paths = [walk[:k] for k in range(1, 200)] + [walk[:120], other[:300], walk[:50]]
    for path in [*paths, moved[:80], walk[:90], moved[:260]]:
        fresh = raster.Trail(canvas, ascii_only)
        fresh.update(path)
        kept.update(path)
        np.testing.assert_array_equal(kept.ink.glyphs, fresh.ink.glyphs)
        np.testing.assert_array_equal(kept.counts, fresh.counts)
        np.testing.assert_array_equal(kept.recent, path[-raster.RECENT - 1 :])


def test_a_step_is_reported_as_a_change_exactly_when_the_drawing_changes():
    """The plot skips its redraw when `update` says nothing changed, so the answer must agree
    with comparing what is drawn: the ink, the cells holding iterates, the recent cells."""
    canvas = _canvas()
    crawl = np.column_stack([0.2 + 0.6 * 0.999 ** np.arange(400), np.full(400, 0.5)])
    jumps = np.cumsum(np.random.default_rng(1).normal(0, 0.1, (60, 2)), axis=0) + 0.5

    def drawing(trail, path):
        recent = path[-raster.RECENT - 1 :]
        return trail.ink.glyphs.copy(), trail.counts > 0, canvas.cells(recent)

    def same(a, b):
        return all(np.array_equal(x, y) for x, y in zip(a[:2], b[:2], strict=True)) and all(
            np.array_equal(x, y) for x, y in zip(a[2], b[2], strict=True)
        )

    unchanged = 0
    for walk in (crawl, jumps):
        kept, answers = raster.Trail(canvas, ascii_only=False), []
        kept.update(walk[:1])
        before = drawing(kept, walk[:1])
        for k in range(2, len(walk) + 1):
            answers.append(kept.update(walk[:k]))
            after = drawing(kept, walk[:k])
            assert answers[-1] == (not same(after, before))
            before = after
        assert True in answers
        unchanged += answers.count(False)
    assert unchanged > 0  # the crawl's steps inside one cell really happen
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
    whole = [_path_cells(canvas, path) for path in paths]  # one chunk: CHUNK > 500
    monkeypatch.setattr(raster, "CHUNK", chunk)
    for path, (rows, cols) in zip(paths, whole, strict=True):
        chunked_rows, chunked_cols = _path_cells(canvas, path)
        np.testing.assert_array_equal(chunked_rows, rows)
        np.testing.assert_array_equal(chunked_cols, cols)


def test_a_saddle_shows_both_families_of_level_sets():
    """w1² − w2² once showed only its f < 0 sets: it looked like a channel."""
    saddle = make_objective("saddle")
    xs, ys = grid(saddle.window, 160, 160)
    values = saddle.value(xs, ys)
    levels = choose_levels(values, saddle.f_star)
    assert np.any(levels > 0) and np.any(levels < 0)
    mask = contour_mask(values, levels)
    f = values[mask]
    assert np.any(f > 0.1) and np.any(f < -0.1)


def test_rings_around_the_minimum_are_thinned_before_they_merge():
    """The bowl's innermost rings once drew as a braille blob around the minimum."""
    bowl = quadratic()
    window = (-46.0, 11.5, -0.43, 1.725)
    columns, rows = 80, 32  # the plot at 80×24, in braille pixels
    values = values_on(bowl, window, columns, rows)
    levels = choose_levels(values, 0.0)
    innermost = values < levels[-1]
    assert np.count_nonzero(innermost.any(axis=1)) >= 8  # at least two cells tall
    assert np.count_nonzero(innermost.any(axis=0)) >= 4
    roomy = choose_levels(values_on(bowl, window, 640, 256), 0.0)
    assert len(roomy) > len(levels)  # more room, more rings

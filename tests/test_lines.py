"""The line widget redraws only the cells of a line that changed: what Textual writes for a
step is that span, so the span must cover every changed cell and the line drawn must be new."""

from hypothesis import given
from hypothesis import strategies as st
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region

from tui_gradients.ui.widgets.lines import Lines, _changed_span, plain

BOLD = Style(bold=True)


def test_a_changed_value_refreshes_its_cells_alone():
    old = (("f − f*    ", BOLD), ("1.58724", None))
    new = (("f − f*    ", BOLD), ("1.57301", None))
    assert _changed_span(old, new, 4, 30) == Region(13, 4, 4, 1)  # "8724" → "7301"


def test_a_style_change_without_a_text_change_is_a_change():
    assert _changed_span((("ab", None),), (("ab", BOLD),), 0, 10) == Region(0, 0, 2, 1)


def test_a_shorter_line_refreshes_up_to_the_end_of_the_old_text():
    assert _changed_span(plain("w 12345"), plain("w 12"), 2, 20) == Region(4, 2, 3, 1)


def test_a_wide_character_refreshes_the_whole_line():
    assert _changed_span(plain("a 好"), plain("a 好b"), 1, 20) == Region(0, 1, 20, 1)


def test_a_change_past_the_edge_refreshes_nothing():
    assert _changed_span(plain("abcdef"), plain("abcdeX"), 0, 4).area == 0


def _span_cell_by_cell(old, new, y, width):
    """The span by its definition: every cell as (character, style), padded with blanks."""
    blank = [(" ", None)] * width
    before = ([(c, style) for text, style in old for c in text] + blank)[:width]
    after = ([(c, style) for text, style in new for c in text] + blank)[:width]
    differing = [x for x in range(width) if before[x] != after[x]]
    if not differing:
        return Region(0, y, 0, 1)
    return Region(differing[0], y, differing[-1] - differing[0] + 1, 1)


_runs = st.lists(
    st.tuples(st.text("ab 1", max_size=6), st.sampled_from([None, BOLD, Style(italic=True)])),
    max_size=5,
).map(tuple)


@given(_runs, _runs, st.integers(1, 24))
def test_the_span_is_every_changed_cell_from_first_to_last(old, new, width):
    """Lines that fit: exactly the cells that differ. A line shortened with an ellipsis (its
    cut may move to another word): the whole row, or nothing if no shown cell differs."""
    span = _changed_span(old, new, 3, width)
    if max(sum(len(text) for text, _ in line) for line in (old, new)) <= width:
        assert span == _span_cell_by_cell(old, new, 3, width)
    elif _span_cell_by_cell(old, new, 3, width).area:
        assert span == Region(0, 3, width, 1)


class _OneLines(App[None]):
    def compose(self) -> ComposeResult:
        yield Lines(id="lines")


async def test_a_step_refreshes_the_changed_span_and_draws_the_new_line(monkeypatch):
    app = _OneLines()
    async with app.run_test(size=(40, 5)) as pilot:
        lines = app.query_one(Lines)
        lines.set_lines(["step   10", "w1     -40.0"])
        await pilot.pause()
        assert lines.render_line(1).text.rstrip() == "w1     -40.0"
        refreshed = []
        monkeypatch.setattr(lines, "refresh", lambda *regions, **_: refreshed.extend(regions))
        lines.set_lines(["step   11", "w1     -39.96"])
        assert refreshed == [Region(8, 0, 1, 1), Region(8, 1, 5, 1)]  # "0" and "40.0 "
        assert lines.render_line(1).text.rstrip() == "w1     -39.96"


async def test_a_line_more_or_less_redraws_the_rows_that_moved_and_clears_the_last(monkeypatch):
    """A value that wraps onto one more line (or one fewer) moves the lines below it: each row
    is compared with what it showed, and a row left empty is cleared."""
    app = _OneLines()
    async with app.run_test(size=(40, 5)) as pilot:
        lines = app.query_one(Lines)
        lines.styles.height = 4  # a fixed height, as the readout's
        lines.set_lines(["w1, w2  -26.8128,", "        1.28805e-174", "f       0.718925"])
        await pilot.pause()
        refreshed = []
        monkeypatch.setattr(lines, "refresh", lambda *regions, **_: refreshed.extend(regions))
        lines.set_lines(["w1, w2  -26.8127, 1.2829e-174", "f       0.718919"])
        assert [region.y for region in refreshed] == [0, 1, 2]
        assert lines.render_line(1).text.rstrip() == "f       0.718919"
        assert lines.render_line(2).text.strip() == ""


async def test_a_line_wider_than_the_widget_ends_at_a_word_with_an_ellipsis():
    from textual.app import App

    from tui_gradients.ui.widgets.lines import Lines

    class Narrow(App):
        CSS = "Lines { width: 30; }"

        def compose(self):
            yield Lines()

    app = Narrow()
    async with app.run_test(size=(40, 5)) as pilot:
        lines = app.query_one(Lines)
        lines.set_lines(["layers 7-8 not shown: the terminal is too short", "fits"])
        await pilot.pause()
        first = "".join(segment.text for segment in lines.render_line(0))
        assert first.rstrip() == "layers 7-8 not shown: the…"
        lines.add_class("-ascii")
        await pilot.pause()
        first = "".join(segment.text for segment in lines.render_line(0))
        assert first.rstrip() == "layers 7-8 not shown: the..."
        assert len(first) == 30

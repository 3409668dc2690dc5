"""Choosing between Unicode and plain ASCII from the environment."""

import pytest

from tui_gradients.ui.glyphs import BOX_TO_ASCII, LABELS, unicode_terminal


@pytest.mark.parametrize(
    ("environ", "unicode"),
    [
        ({"LANG": "en_US.UTF-8", "TERM": "xterm-256color"}, True),
        ({"LANG": "C.utf8", "TERM": "xterm"}, True),
        ({"LANG": "C", "TERM": "xterm-256color"}, False),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "C", "TERM": "xterm"}, False),
        ({"LANG": "C", "LC_CTYPE": "en_US.UTF-8", "TERM": "xterm"}, True),
        ({"LANG": "en_US.UTF-8", "TERM": "dumb"}, False),
        ({"LANG": "en_US.UTF-8", "TERM": "vt100"}, False),
        ({"TERM": "xterm"}, False),
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8", "TERM": "xterm"}, False),  # Python's own coercion
        ({"LC_CTYPE": "C.UTF-8", "TERM": "xterm"}, False),
    ],
)
def test_unicode_terminal(environ, unicode):
    assert unicode_terminal(environ) is unicode


def test_ascii_stand_ins_are_ascii():
    assert all(ascii_text.isascii() for _, ascii_text in LABELS.values())
    box = "┌─┬┐│├┼┤└┴┘"
    assert box.translate(BOX_TO_ASCII).isascii()

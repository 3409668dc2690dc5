"""One key table: the bindings, the help screen and the README all come from `keys.KEYS`."""

from pathlib import Path

from tui_gradients.ui.help import HELP
from tui_gradients.ui.keys import KEYS, WHILE_COMPUTING, bindings, markdown_table
from tui_gradients.ui.screen import MainScreen

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_shows_the_key_table():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- keys")
    table = text[text.index("\n", start) + 1 : text.index("<!-- /keys -->")]
    assert table.strip() == markdown_table()


def test_the_help_screen_shows_the_key_table():
    assert markdown_table() in HELP


def test_every_key_is_bound_to_an_action_the_screen_has():
    assert [b.key for b in bindings()] == [key.keys for key in KEYS]
    for key in KEYS:
        name = key.action.partition("(")[0]
        if not name.startswith("app."):
            assert hasattr(MainScreen, f"action_{name}"), key.action


def test_what_may_run_during_a_jump_only_looks():
    assert {"zoom", "help", "leave_field"} <= WHILE_COMPUTING
    assert not {"step", "back", "reset", "cycle_optimizer", "race"} & WHILE_COMPUTING

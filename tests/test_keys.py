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


def test_a_letter_and_its_capital_do_related_things_as_docs_keys_md_says():
    """Every letter bound in both cases is a pair docs/keys.md lists, with the actions the
    table binds; no other letter has its capital bound."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "keys.md").read_text()
    section = doc.split("## One rule for case", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z])` .*? \| `([A-Z])` ", section, re.M))
    letters = {
        name for key in KEYS for name in key.keys.split(",") if len(name) == 1 and name.isalpha()
    }
    pairs = {(name, name.upper()) for name in letters if name.islower() and name.upper() in letters}
    assert pairs == documented

"""Text from outside reaches the terminal inert: a CSV header, a formula, a --load file or a typed
value holding escape sequences is shown with them escaped, on stderr, on the screen and in a
screenshot, and never retitles or clears the terminal."""

import json
import subprocess
import sys

import pytest

from tui_gradients.arguments import parse
from tui_gradients.core.text import inert
from tui_gradients.ui.app import GradientsApp

from .pilot_helpers import fields_ready

ATTACK = "\x1b]2;PWNED\x07\x1b[2J\x9b31m"
"""Retitle the window, clear the screen, and a C1 control sequence introducer."""


def test_inert_escapes_every_control_character_and_keeps_the_rest():
    assert inert(f"red{ATTACK}") == "red\\x1b]2;PWNED\\x07\\x1b[2J\\x9b31m"
    assert inert("w1\tw2 ∂f/∂w1 ★ é") == "w1 w2 ∂f/∂w1 ★ é"
    assert inert("\x00\x7f\n") == "\\x00\\x7f\\x0a"


def _esc_csv(tmp_path):
    path = tmp_path / "esc.csv"
    path.write_text(f"x,{ATTACK}red\n1,2\n2,3\n3,5\n")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--data", "{csv}", "--x", "nope"],  # the header's names in the refusal
        ["run", "--expr", f"w1 + {ATTACK}"],  # a formula quoted in its refusal
        ["run", "--optimizer", ATTACK],  # a value argparse quotes
        ["run", "--load", "{json}"],  # a --load file's string quoted in its refusal
    ],
    ids=["csv header", "formula", "argument", "load"],
)
def test_refusals_on_stderr_quote_outside_text_inert(tmp_path, argv):
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps({"version": 2, "values": {"expr": f"w1 {ATTACK}"}}))
    argv = [a.format(csv=_esc_csv(tmp_path), json=hostile) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "tui_gradients", *argv], capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr


async def test_a_hostile_column_name_is_shown_inert_on_screen_and_in_screenshots(tmp_path):
    _, experiment = parse(["--data", str(_esc_csv(tmp_path))])
    app = GradientsApp(experiment)
    async with app.run_test(size=(160, 48)) as pilot:
        await fields_ready(pilot)
        await pilot.press("n")
        await pilot.pause()
        svg = app.export_screenshot()
        shown = "".join(str(widget.render()) for widget in app.screen.query("Lines, Static, Input"))
    for text in (svg, shown):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "\\x1b" in svg.replace("&#160;", " ")

"""Preferences kept between sessions: read, refused in one line, applied, and kept as they
change."""

from __future__ import annotations

import pytest

from tui_gradients.arguments import parse
from tui_gradients.cli import preferred
from tui_gradients.core.files import preferences
from tui_gradients.core.files.preferences import KINDS, Preferences
from tui_gradients.ui.app import GradientsApp


def test_the_schema_names_every_preference():
    assert list(KINDS) == [name for name in Preferences.__dataclass_fields__]


def test_preferences_read_back_as_written(tmp_path):
    path = tmp_path / "deep" / "config.toml"
    kept = Preferences(theme='odd "name"', ascii=True, panel=False, steps_per_key=5)
    preferences.write(path, kept)
    assert preferences.read(path) == (kept, None)
    assert preferences.read(tmp_path / "absent.toml") == (Preferences(), None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("theme = ", "not TOML"),
        ("colour = 'red'", "unknown key 'colour'"),
        ("ascii = 'yes'", "ascii: expected bool"),
        ("steps_per_key = true", "steps_per_key: expected int"),
        ("function = 'nowhere'", "function:"),
        ("steps_per_key = 0", "steps_per_press:"),
    ],
)
def test_a_bad_file_is_one_line_and_the_defaults(tmp_path, capsys, text, problem):
    path = tmp_path / "config.toml"
    path.write_text(text)
    kept, _, opened = preferred(["--config", str(path)])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err and "using the defaults" in err
    assert kept == Preferences() and opened is None


def test_the_preferred_surface_and_steps_open_the_app_and_typed_flags_win(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text('function = "rosenbrock"\nsteps_per_key = 3\n')
    kept, found, opened = preferred([f"--config={path}"])
    assert found == path and kept.function == "rosenbrock" and not capsys.readouterr().err
    _, experiment = parse(["--config", str(path)], opened=opened)
    assert experiment.plane.function == "rosenbrock" and experiment.steps_per_press == 3
    _, typed = parse(["--preset", "himmelblau", "--steps-per-press", "2"], opened=opened)
    assert typed.plane.function == "himmelblau" and typed.steps_per_press == 2
    _, headless = parse(["run", "--steps", "1"], opened=opened)
    assert headless.plane.function == "quadratic"  # preferences are the app's alone


async def test_the_app_opens_as_preferred_and_keeps_what_the_user_changes(tmp_path):
    path = tmp_path / "config.toml"
    kept = Preferences(theme="textual-light", panel=False)
    app = GradientsApp(preferences=kept, config_path=path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"
        assert not app.main_screen.panel.display  # wide enough, yet hidden as preferred
        await pilot.press("m")
        app.theme = "nord"
        await pilot.pause()
        await pilot.press("comma")
    assert preferences.read(path) == (Preferences(theme="nord", ascii=True, panel=True), None)


async def test_a_config_that_cannot_be_written_is_said_and_the_app_goes_on(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    app = GradientsApp(config_path=blocked / "config.toml")  # a folder that is a file
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m", "n")
        assert app.session.step == 1
        assert "preferences not kept" in app.main_screen.messages[-1][1]


def test_the_config_flag_is_read_as_the_parser_reads_it(tmp_path):
    """An abbreviation the parser takes (`--conf`) names the file as `--config` does."""
    path = tmp_path / "config.toml"
    path.write_text('function = "rosenbrock"\n')
    _, found, opened = preferred(["--conf", str(path), "--lr", "0.1"])
    assert found == path and opened is not None and opened.plane.function == "rosenbrock"

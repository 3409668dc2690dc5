"""Run by `.ci/install-check` with an installed wheel's Python: the app starts headless, takes
keys, and opens the screens that read files shipped beside the code (styles, lesson, help), and
the CLI runs. Not collected by pytest: it must import the installed package, not the checkout.
"""

import asyncio
import subprocess
import sys
from pathlib import Path

import tui_gradients
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.help import HelpScreen


async def drive_the_app() -> None:
    app = GradientsApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"1500", "n")  # a jump: in a thread, on the straight-line loops
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.step == 1500, app.session.step
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.has_class("-lesson"), "the lesson did not open"
        await pilot.press("t", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen), "the help screen did not open"


def run_the_cli() -> None:
    rows = subprocess.run(
        [Path(sys.executable).with_name("tui-gradients"), "run", "--steps", "3"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert rows[0] == "step,w1,w2,loss,grad_w1,grad_w2,lr" and len(rows) == 5, rows


if __name__ == "__main__":
    checkout = Path(__file__).resolve().parents[1]
    assert checkout not in Path(tui_gradients.__file__).resolve().parents, "not the wheel"
    asyncio.run(drive_the_app())
    run_the_cli()
    print(f"installed wheel works on Python {sys.version.split()[0]}")

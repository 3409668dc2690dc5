"""Regenerate the SVG screenshots in this folder from the real app.

    python screenshots/generate.py [--png]

Each state is reached by pressing keys through Textual's Pilot, exactly as a user would.
With --png, each SVG is also converted with rsvg-convert (if installed), for a quick look.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from tui_gradients.core.network.chain import ChainSettings
from tui_gradients.core.network.datasets import DataSettings
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.init import Init
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.settings import edit
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.network_screen import NetworkStart

HERE = Path(__file__).parent
SIZE = (160, 48)

# name: (experiment, keys to press, terminal size)
STATES: dict[str, tuple[Experiment, list[str], tuple[int, int]]] = {
    "default": (Experiment(), [], SIZE),
    "after-50-steps": (Experiment(), list("50n"), SIZE),
    "momentum-zigzag": (Experiment(hyper=Hyperparameters(optimizer="momentum")), list("20n"), SIZE),
    "saddle-shaded": (
        Experiment(plane=PlaneSettings(function="saddle"), hyper=Hyperparameters(lr=0.1)),
        [*list("10n"), "d"],
        SIZE,
    ),
    "gd-vs-adagrad": (Experiment(), ["c", *list("50n")], SIZE),
    "deep-sigmoid-chain": (Experiment(chain=ChainSettings(depth=16)), list("20n"), SIZE),
    "help": (Experiment(), ["question_mark"], SIZE),
    "small-terminal": (Experiment(), list("10n"), (80, 24)),
    "race": (Experiment(), ["C", *list("300n")], SIZE),
    "lesson-bowl": (Experiment(), ["t", "n", "n"], (120, 36)),
    "lesson-per-coordinate": (
        Experiment(),
        ["t", *["right_square_bracket"] * 2, *list("100n")],
        (120, 36),
    ),
    "lesson-vanishing": (
        Experiment(),
        ["t", *["right_square_bracket"] * 3, *list("10n")],
        (120, 36),
    ),
    "lesson-newton": (
        Experiment(),
        ["t", *["right_square_bracket"] * 5, "n"],
        (120, 36),
    ),
    "tuned-rival": (Experiment(), ["a", "a", *list("20n"), "w", "w", "greater_than_sign"], SIZE),
    "penguins-unscaled": (
        edit(Experiment(), "function", "penguins"),
        ["c", "i", *list("30n")],
        SIZE,
    ),
    "light-theme": (Experiment(), ["c", *list("30n"), "d"], SIZE),
    "lesson-scaling": (
        Experiment(),
        ["t", *["right_square_bracket"] * 6, *list("5n")],
        (120, 36),
    ),
}


NETWORK_STATES: dict[str, tuple[NetSettings, Hyperparameters, list[str], tuple[int, int]]] = {
    "network-penguins": (
        NetSettings(),
        Hyperparameters(optimizer="adam", lr=0.01),
        list("50n"),
        SIZE,
    ),
    "network-deep-sigmoid": (
        NetSettings(depth=10, width=32, activation="sigmoid", init=Init.parse("normal")),
        Hyperparameters(lr=0.5),
        [*list("20n"), "x"],
        SIZE,
    ),
    "network-spiral-plane": (
        NetSettings(data=DataSettings(source="spiral")),
        Hyperparameters(optimizer="adam", lr=0.01),
        list("300n"),
        SIZE,
    ),
    "network-small-terminal": (NetSettings(), Hyperparameters(), list("30n"), (80, 24)),
    "network-loss-plane": (
        NetSettings(depth=6, width=16, activation="sigmoid", init=Init.parse("xavier_normal")),
        Hyperparameters(optimizer="adam", lr=0.01),
        [*list("100n"), *["x"] * 3, "w", "w"],
        SIZE,
    ),
    "network-lesson-bridge": (
        NetSettings(),
        Hyperparameters(),
        ["t", "right_square_bracket", "right_square_bracket"],
        (120, 36),
    ),
}
"""The network screen (`net --app`), reached the same way."""
NETWORK_SETTLE = 3.0
"""Seconds for what the network screen computes after a key (charts, the plane, a lesson's
measurements) to land before the picture is taken."""

THEMES = {"light-theme": "textual-light"}
"""States drawn in another theme than the default (the app's colours follow the theme)."""


async def capture(
    name: str, experiment: Experiment, keys: list[str], size: tuple[int, int]
) -> Path:
    app = GradientsApp(experiment)
    async with app.run_test(size=size) as pilot:
        app.theme = THEMES.get(name, app.theme)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        path = app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    return Path(path)


async def capture_network(
    name: str, settings: NetSettings, hyper: Hyperparameters, keys: list[str], size: tuple[int, int]
) -> Path:
    app = GradientsApp(network=NetworkStart(settings, hyper))
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await pilot.press(key)
        await pilot.pause(NETWORK_SETTLE)
        path = app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    return Path(path)


async def main(png: bool) -> None:
    shots = [capture(name, *state) for name, state in STATES.items()]
    shots += [capture_network(name, *state) for name, state in NETWORK_STATES.items()]
    for shot in shots:
        svg = await shot
        print(svg)
        if png and shutil.which("rsvg-convert"):
            subprocess.run(
                ["rsvg-convert", str(svg), "-o", str(svg.with_suffix(".png"))], check=True
            )


if __name__ == "__main__":
    asyncio.run(main("--png" in sys.argv))

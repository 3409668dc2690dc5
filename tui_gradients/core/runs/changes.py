"""How each setting changes an experiment: from typed text to a new, validated copy (the
table of settings, `settings.SETTINGS`, names them). Each raises a SettingError naming what was
wrong, and never touches the experiment it is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.data import header
from tui_gradients.core.objectives.regression import NeedsStandardising
from tui_gradients.core.optimisation.schedules import Schedule, parse_schedule
from tui_gradients.core.parsing import parse_number, parse_pair, parse_whole
from tui_gradients.core.runs.experiment import DATA, Experiment, PlaneSettings

SWITCH = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False}
MAX_STEPS_PER_PRESS = 20_000
"""The steps-per-key field's upper end: playing at 60 ticks a second, more would have each tick
compute more than a second's worth."""


def preset(experiment: Experiment, text: str) -> Experiment:
    old = experiment.plane
    if text == DATA:
        if old.data is None:
            raise SettingError("function", "type the path of a CSV file in the data field")
        return new_surface(experiment, replace(old, function=DATA, expr=None, start=None))
    return new_surface(experiment, PlaneSettings(function=text, a=old.a, b=old.b))


def new_surface(experiment: Experiment, plane: PlaneSettings) -> Experiment:
    """A new surface comes with its own start and a learning rate that suits it."""
    hyper = experiment.hyper.with_changes(lr=plane.objective.suggested_lr)
    return replace(experiment, plane=plane, hyper=hyper)


def data(experiment: Experiment, text: str) -> Experiment:
    """A CSV file to fit (empty: back to the bowl). Its columns stay chosen where the file has
    them; otherwise its first and last columns of numbers."""
    old = experiment.plane
    if not text:
        return experiment if old.data is None else preset(experiment, "quadratic")
    path = os.path.abspath(os.path.expanduser(text))  # an export reloads from anywhere
    names = header(path) if old.fitted else []
    keep = old.x_column in names and old.y_column in names
    chosen: dict[str, Any] = dict(
        function=DATA,
        data=path,
        x_column=old.x_column if keep else "",
        y_column=old.y_column if keep else "",
        start=None,
    )
    base = old if old.fitted else PlaneSettings()
    try:
        plane = replace(base, **chosen)
    except NeedsStandardising:  # values past what squares hold: standardised, they fit
        scale = "xy" if base.model == "linear" else "x"
        plane = replace(base, **chosen, standardize=scale)
    return new_surface(experiment, plane)


def fitted_field(name: str) -> Callable[[Experiment, str], Experiment]:
    """A setting of the model fitted to data: a new surface, with its own start and lr."""

    def change(experiment: Experiment, text: str) -> Experiment:
        old = experiment.plane
        if not old.fitted:
            raise SettingError(name, "no data loaded: choose penguins, or type a CSV file path")
        fields: dict[str, Any] = {name: text}
        return new_surface(experiment, replace(old, start=None, **fields))

    return change


def sampling(name: str) -> Callable[[Experiment, str], Experiment]:
    """Batch size or seed: the same surface, sampled anew (from step 0)."""

    def change(experiment: Experiment, text: str) -> Experiment:
        value = parse_whole(name, text)
        if value < 0:
            raise SettingError(name, f"must be ≥ 0, got {value}")
        fields: dict[str, Any] = {name: value}
        return replace(experiment, plane=replace(experiment.plane, **fields))

    return change


def data_sha256(experiment: Experiment, text: str) -> Experiment:
    """Refuse a data file whose bytes are not those an export recorded."""
    regression = experiment.plane.regression
    if text and regression is not None and text != regression.columns.sha256:
        raise SettingError(
            "data_sha256",
            f"{regression.columns.path} has changed since it was saved (its SHA-256 differs); "
            "restore the file, or load the settings without its hash",
        )
    return experiment


def formula(experiment: Experiment, text: str) -> Experiment:
    old = experiment.plane
    plane = PlaneSettings(function="custom", expr=text, a=old.a, b=old.b, start=old.start_point)
    return replace(experiment, plane=plane)


def start(experiment: Experiment, text: str) -> Experiment:
    return replace(experiment, plane=replace(experiment.plane, start=parse_pair("start", text)))


def own_default(name: str) -> Callable[[Experiment, str], Experiment]:
    """A number, or `default` (or nothing) for the optimiser's own (torch's differ)."""

    def change(experiment: Experiment, text: str) -> Experiment:
        value = None if text.lower() in ("", "default") else parse_number(name, text)
        return replace(experiment, hyper=experiment.hyper.with_changes(**{name: value}))

    return change


def hyper_pair(name: str, first: str, second: str) -> Callable[[Experiment, str], Experiment]:
    """A pair typed as `A,B` setting two optimiser settings (torch's tuples: betas, etas)."""

    def change(experiment: Experiment, text: str) -> Experiment:
        a, b = parse_pair(name, text)
        return replace(experiment, hyper=experiment.hyper.with_changes(**{first: a, second: b}))

    return change


def switch(experiment: Experiment, text: str) -> Experiment:
    if text.lower() not in SWITCH:
        raise SettingError("amsgrad", f"must be on or off, got {text!r}")
    return replace(experiment, hyper=experiment.hyper.with_changes(amsgrad=SWITCH[text.lower()]))


def line_search(experiment: Experiment, text: str) -> Experiment:
    if text not in ("none", "strong_wolfe"):
        raise SettingError("line_search", f"must be none or strong_wolfe, got {text!r}")
    searched = text == "strong_wolfe"
    return replace(experiment, hyper=experiment.hyper.with_changes(line_search=searched))


def schedule(experiment: Experiment, text: str) -> Experiment:
    """A new schedule starts from torch's defaults: the old one's arguments are not its own."""
    return with_schedule(experiment, Schedule(text))


def schedule_args(experiment: Experiment, text: str) -> Experiment:
    return with_schedule(experiment, parse_schedule(experiment.hyper.schedule.name, text))


def with_schedule(experiment: Experiment, schedule: Schedule) -> Experiment:
    """OneCycleLR for an optimiser with no momentum to cycle goes with cycle_momentum=0 unless
    typed, where torch would refuse the default (its arguments then say so)."""
    unable = experiment.hyper.cycled is None
    if schedule.cycles_momentum and unable and "cycle_momentum" not in dict(schedule.typed):
        schedule = Schedule(schedule.name, (*schedule.typed, ("cycle_momentum", 0.0)))
    return replace(experiment, hyper=experiment.hyper.with_changes(schedule=schedule))


def chain_lr(experiment: Experiment, text: str) -> Experiment:
    lr = parse_number("chain_lr", text)
    try:
        experiment.hyper.with_changes(lr=lr)  # the same range as the 2-D run's lr
    except SettingError as error:
        raise SettingError("chain_lr", error.message) from None
    return replace(experiment, chain_lr=lr)


def steps_per_press(experiment: Experiment, text: str) -> Experiment:
    value = parse_whole("steps_per_press", text)
    if not 1 <= value <= MAX_STEPS_PER_PRESS:
        raise SettingError(
            "steps_per_press", f"must be from 1 to {MAX_STEPS_PER_PRESS}, got {value}"
        )
    return replace(experiment, steps_per_press=value)

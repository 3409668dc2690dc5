"""The settings schema: every setting shows its value in force as text that reads back to the
same experiment, refuses bad text by its own name, and says what a change does to the runs."""

import pytest

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.data import packaged
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import SETTINGS, edit, exact, restore, saved

EXAMPLES = {
    "choice": lambda setting: setting.choices[-1],
    "number": lambda setting: "0.125",
    "whole": lambda setting: "3",
    "pair": lambda setting: "0.25,0.5",
    "text": lambda setting: "w1**2 + 2*w2**2",
}
"""A value each kind of setting accepts (every number setting takes 0.125)."""
OWN_EXAMPLES = {
    "etas": "0.25,1.5",
    "optimizer": "nadam",
    "schedule_args": "patience=3",
    "data": packaged("penguins.csv"),
    "x_column": "bill_length_mm",
    "y_column": "bill_depth_mm",
}
"""Where a setting needs its own: rprop's etas straddle 1; asgd (the last optimiser) takes no
schedule; the last schedule (plateau) takes patience; data needs a file and its columns."""
PENGUINS = {"function": "penguins"}
BASES = {
    "schedule_args": {"schedule": "plateau"},
    **dict.fromkeys(("x_column", "y_column", "standardize", "batch_size"), PENGUINS),
    "model": {**PENGUINS, "y_column": "gentoo"},
}
"""What must be set before a setting can be: a schedule's arguments need the schedule, the
data's settings a data set (and logistic a 0/1 column)."""
CHECKS = ("data_sha256",)
"""Settings that check the file rather than change the experiment (tested in test_data)."""


def _example(name: str) -> str:
    setting = SETTINGS[name]
    return OWN_EXAMPLES.get(name) or EXAMPLES[setting.kind](setting)


def _base(name: str) -> Experiment:
    experiment = Experiment()
    for other, value in BASES.get(name, {}).items():
        experiment = edit(experiment, other, value)
    return experiment


REFUSED = {"number": "abc", "whole": "1.5", "pair": "1", "choice": "nope"}


@pytest.mark.parametrize("name", [name for name in SETTINGS if name not in CHECKS])
def test_every_setting_reads_back_what_it_shows(name):
    setting, base = SETTINGS[name], _base(name)
    changed = edit(base, name, _example(name))
    assert changed != base
    assert edit(changed, name, setting.text(changed)) == changed


@pytest.mark.parametrize("name", [n for n, s in SETTINGS.items() if s.kind in REFUSED])
def test_every_setting_refuses_by_its_own_name(name):
    with pytest.raises(SettingError) as caught:
        edit(Experiment(), name, REFUSED[SETTINGS[name].kind])
    assert caught.value.name == name


def test_saved_settings_restore_the_same_experiment():
    experiment = Experiment()
    for name, setting in SETTINGS.items():
        # a preset after a formula would undo it; data has its own test (test_data)
        if name != "function" and setting.section != "data":
            experiment = edit(experiment, name, _example(name))
    assert restore(saved(experiment)) == experiment
    assert "function" not in saved(experiment)  # a formula, not a preset
    assert "expr" not in saved(Experiment())


@pytest.mark.parametrize("value", [0.5, 1e-10, -40.0, 0.1 + 0.2, 1 / 3])
def test_exact_text_reads_back_to_the_same_float(value):
    assert float(exact(value)) == value


@pytest.mark.parametrize(
    ("name", "text", "effect"),
    [("lr", "0.1", "replay"), ("depth", "3", "restart"), ("steps_per_press", "5", "none")],
)
def test_a_change_does_what_its_setting_says_to_the_runs(name, text, effect):
    session = Session(Experiment())
    session.forward(20)
    before = session.plane
    assert session.edit(name, text) == effect
    assert session.step == (0 if effect == "restart" else 20)
    assert (session.plane is before) == (effect == "none")


def test_an_optimiser_change_keeps_the_chains_own_learning_rate():
    experiment = edit(Experiment(), "chain_lr", "0.05")
    for name, text in [("optimizer", "adam"), ("lr", "0.2"), ("betas", "0.8,0.9")]:
        experiment = edit(experiment, name, text)
    assert experiment.chain_hyper.lr == 0.05
    assert experiment.chain_hyper.optimizer == "adam" and experiment.chain_hyper.beta1 == 0.8

"""Every setting a user can type, described once: the CLI's flags, the app's panel, the export
and `--load`, and the tests' value lists are all made from SETTINGS.

A setting is typed as text and applied with `edit`, which gives a new, validated experiment or
raises a SettingError naming the setting; the experiment in force is never touched, so a refused
value loses nothing. `text` shows a setting's value in force as text that `edit` reads back to
the same value, so a saved session reloads exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.chain import ACTIVATIONS, INITS
from tui_gradients.core.objectives.data import MAX_DATA_BYTES
from tui_gradients.core.objectives.functions import PRESETS
from tui_gradients.core.objectives.regression import MODELS, STANDARDIZED
from tui_gradients.core.optimisation.optimizers import OPTIMIZERS, REGISTRY
from tui_gradients.core.optimisation.schedules import NAMES as SCHEDULES
from tui_gradients.core.parsing import parse_number, parse_whole
from tui_gradients.core.runs import changes
from tui_gradients.core.runs.experiment import DATA_PRESETS, Experiment

Kind = Literal["choice", "number", "whole", "pair", "text"]
Effect = Literal["restart", "replay", "none"]
"""What a change does to the runs: a new problem starts again at step 0 (restart), new optimiser
settings replay the runs to the same step (replay), and a way of stepping changes no run."""
OWN_DEFAULTS = ("alpha", "eps", "weight_decay")
"""Optimiser settings whose torch default differs between optimisers: None (typed `default`)
means the optimiser's own."""
FUNCTIONS = (*PRESETS, *DATA_PRESETS)
"""The function field's choices (and `f`'s cycle)."""


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    """Its name in the panel."""
    section: str
    kind: Kind
    help: str
    """For `--help`: what it is, and its default."""
    text: Callable[[Experiment], str]
    change: Callable[[Experiment, str], Experiment]
    choices: tuple[str, ...] = ()
    effect: Effect = "replay"
    app_only: bool = False
    """Only the app has it (the headless commands print every step)."""
    in_panel: bool = True
    """False for a check that a file holds, not a choice (the data file's hash)."""
    per_run: bool = False
    """Each 2-D run may have its own (an optimiser's setting): with a rival selected, the
    panel and the lr keys change that rival's."""
    sets: tuple[str, ...] = ()
    """The optimiser settings (`Hyperparameters` fields) it sets: the panel shows it only for
    an optimiser that reads one of them."""


def edit(experiment: Experiment, name: str, text: str) -> Experiment:
    """A copy of `experiment` with one setting set from typed text; SettingError if refused.

    The error always names the setting typed (`betas`, not `beta1`), with the part of it that
    was wrong in the message.
    """
    setting = SETTINGS.get(name)
    if setting is None:
        raise SettingError(name, "unknown setting")
    try:
        return setting.change(experiment, text.strip())
    except SettingError as error:
        if error.name == name:
            raise
        raise SettingError(name, f"{error.name} {error.message}") from None


def saved(experiment: Experiment) -> dict[str, str]:
    """The settings as typed text, in the order `restore` applies them: a preset, a formula or
    a data file (one of them), and `default` where the optimiser's own default is in force."""
    values = {name: setting.text(experiment) for name, setting in SETTINGS.items()}
    del values["expr" if experiment.plane.expr is None else "function"]
    if experiment.plane.data is not None:
        del values["function"]
    if not experiment.plane.fitted:  # no data: nothing to say about it
        for setting in in_section("data"):
            del values[setting.name]
    for name in OWN_DEFAULTS:
        if getattr(experiment.hyper, name) is None:
            values[name] = "default"
    return values


def shown_for(optimizer: str) -> list[Setting]:
    """The settings that matter with `optimizer`: all but the optimiser settings it does not
    read."""
    reads = set(REGISTRY[optimizer].reads)
    return [s for s in _SETTINGS if not s.sets or reads.intersection(s.sets)]


def restore(values: dict[str, str], experiment: Experiment | None = None) -> Experiment:
    """`values` applied in SETTINGS order (a preset first: it brings its own start and lr)."""
    experiment = experiment or Experiment()
    for name in SETTINGS:
        if name in values:
            experiment = edit(experiment, name, values[name])
    return experiment


def exact(value: float) -> str:
    """The shortest text that reads back as `value`: `0.5`, `1e-10`, `-40`."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


# --- how each setting is shown --------------------------------------------------------------


_PARSE: dict[Kind, Callable[[str, str], object]] = {
    "number": parse_number,
    "whole": parse_whole,
    "choice": lambda name, text: text,
}
_SHOW: dict[Kind, Callable[[Any], str]] = {"number": exact, "whole": str, "choice": str}
"""How `_field` reads and writes each kind of single value."""


def _field(
    part: str, name: str, label: str, section: str, kind: Kind, help_text: str, **extra: Any
) -> Setting:
    """A setting that is one field of `experiment.<part>`, shown and parsed as its kind says."""

    def text(experiment: Experiment) -> str:
        return _SHOW[kind](getattr(getattr(experiment, part), name))

    def change(experiment: Experiment, typed: str) -> Experiment:
        value = _PARSE[kind](name, typed)
        return replace(experiment, **{part: replace(getattr(experiment, part), **{name: value})})

    return Setting(name, label, section, kind, help_text, text, change, **extra)


def _optimizer_setting(
    name: str,
    label: str,
    help_text: str,
    sets: tuple[str, ...],
    kind: Kind = "number",
    **extra: Any,
) -> Setting:
    """One of an optimiser's settings: each 2-D run may have its own."""
    if len(sets) == 2:
        text = lambda e: _pair(*(e.hyper.resolved(field) for field in sets))  # noqa: E731
        change = changes.hyper_pair(name, *sets)
        kind = "pair"
    elif name in OWN_DEFAULTS:
        text, change = (lambda e: exact(e.hyper.resolved(name))), changes.own_default(name)
    elif name == "amsgrad":
        text, change = (lambda e: "on" if e.hyper.amsgrad else "off"), changes.switch
        extra["choices"] = ("off", "on")
        kind = "choice"
    else:
        return _field("hyper", name, label, "optimizer", kind, help_text, per_run=True, sets=sets)
    return Setting(
        name, label, "optimizer", kind, help_text, text, change, per_run=True, sets=sets, **extra
    )


def _pair(first: float, second: float) -> str:
    return f"{exact(first)},{exact(second)}"


# fmt: off
_SETTINGS = [
    Setting(
        "function", "function", "surface", "choice",
        "a preset (default quadratic); penguins: a regression on data shipped with the app",
        lambda e: "custom" if e.plane.expr is not None else e.plane.function,
        changes.preset, choices=FUNCTIONS, effect="restart",
    ),
    Setting(
        "expr", "f(w1,w2)", "surface", "text",
        "your own f(w1, w2), e.g. '0.001*w1**2 + w2**2'",
        lambda e: e.plane.expr or e.plane.objective.formula or "", changes.formula,
        effect="restart",
    ),
    _field("plane", "a", "a (w1²)", "surface", "number", "w1 curvature of the bowl (0.001)",
           effect="restart"),
    _field("plane", "b", "b (w2²)", "surface", "number", "w2 curvature of the bowl (1)",
           effect="restart"),
    Setting(
        "data", "data file", "data", "text",
        "a CSV file with a header row: the plot becomes the loss of y = w*x + b fitted to two "
        f"of its columns, w1 = w and w2 = b (up to {MAX_DATA_BYTES >> 20} MB)",
        lambda e: e.plane.data or "", changes.data, effect="restart",
    ),
    Setting(
        "x_column", "x", "data", "text",
        "the column x (default: penguins' flipper_length_mm, a file's first column of numbers)",
        lambda e: e.plane.regression.columns.x_name if e.plane.regression else e.plane.x_column,
        changes.fitted_field("x_column"), effect="restart",
    ),
    Setting(
        "y_column", "y", "data", "text",
        "the column y (default: penguins' body_mass_g, a file's last column of numbers)",
        lambda e: e.plane.regression.columns.y_name if e.plane.regression else e.plane.y_column,
        changes.fitted_field("y_column"), effect="restart",
    ),
    Setting(
        "model", "model", "data", "choice",
        "linear (mean squared error) or logistic (mean log loss of a 0/1 y)",
        lambda e: e.plane.model, changes.fitted_field("model"), choices=MODELS, effect="restart",
    ),
    Setting(
        "standardize", "scale", "data", "choice",
        "standardise none, x, or x and y (xy) to mean 0 and s.d. 1 (none)",
        lambda e: e.plane.standardize, changes.fitted_field("standardize"), choices=STANDARDIZED,
        effect="restart",
    ),
    Setting(
        "data_sha256", "sha256", "data", "text",
        "refuse the data file unless its SHA-256 is this (exports record it)",
        lambda e: e.plane.regression.columns.sha256 if e.plane.regression else "",
        changes.data_sha256, effect="none", in_panel=False,
    ),
    Setting(
        "start", "start", "surface", "pair", "W1,W2 (default: the function's own start)",
        lambda e: _pair(*e.plane.start_point), changes.start, effect="restart",
    ),
    _field("hyper", "optimizer", "optimizer", "optimizer", "choice", "default gd",
           choices=OPTIMIZERS, per_run=True),
    _field("hyper", "lr", "lr", "optimizer", "number",
           "learning rate (default: the function's, 0.5 for the bowl); rprop's first step "
           "size", per_run=True),
    _optimizer_setting("momentum", "momentum", "momentum/nesterov (0.9)", ("momentum",)),
    _optimizer_setting("dampening", "dampening", "momentum's dampening (0; nesterov needs 0)",
                       ("dampening",)),
    _optimizer_setting("alpha", "alpha",
                       "rmsprop smoothing 0.99; asgd's power for eta 0.75; 'default' for these",
                       ("alpha",)),
    _optimizer_setting("betas", "betas", "adam, adamw, nadam, radam, adamax B1,B2 (0.9,0.999)",
                       ("beta1", "beta2")),
    _optimizer_setting(
        "eps", "eps",
        "adagrad 1e-10, adadelta 1e-6, the others 1e-8 (added after the square root); "
        "'default' for these", ("eps",),
    ),
    _optimizer_setting(
        "weight_decay", "wt decay",
        "L2 term wd*w added to the gradient (0); adamw's is decoupled (0.01); 'default'",
        ("weight_decay",),
    ),
    _optimizer_setting("amsgrad", "amsgrad", "adam, adamw: divide by the largest v (off)",
                       ("amsgrad",)),
    _optimizer_setting("rho", "rho", "adadelta's averaging (0.9)", ("rho",)),
    _optimizer_setting("momentum_decay", "mom. decay", "nadam's momentum decay (0.004)",
                       ("momentum_decay",)),
    _optimizer_setting("etas", "etas", "rprop's shrink,grow factors ETA-,ETA+ (0.5,1.2)",
                       ("eta_minus", "eta_plus")),
    _optimizer_setting("step_sizes", "step sizes", "rprop's MIN,MAX step (1e-06,50)",
                       ("step_min", "step_max")),
    _optimizer_setting("lambd", "lambd", "asgd's decay term (0.0001)", ("lambd",)),
    _field("hyper", "history_size", "history", "optimizer", "whole",
           "lbfgs: pairs (s, y) remembered (100; the main run's, for every run)",
           sets=("history_size",)),
    _field("hyper", "max_iter", "max iter", "optimizer", "whole",
           "lbfgs: iterations in one step (20, as torch's step(closure); 1 shows each)",
           sets=("max_iter",)),
    Setting(
        "line_search", "line search", "optimizer", "choice",
        "lbfgs: none (a fixed step of lr) or strong_wolfe (torch's line_search_fn)",
        lambda e: "strong_wolfe" if e.hyper.line_search else "none", changes.line_search,
        choices=("none", "strong_wolfe"), sets=("line_search",),
    ),
    Setting(
        "schedule", "schedule", "optimizer", "choice",
        "lr schedule, stepped after every step (torch.optim.lr_scheduler): none, step (StepLR), "
        "exponential, cosine (CosineAnnealingLR), onecycle, linear (LinearLR), plateau "
        "(ReduceLROnPlateau); the 2-D runs and the chain all follow it",
        lambda e: e.hyper.schedule.name, changes.schedule, choices=SCHEDULES,
    ),
    Setting(
        "schedule_args", "sched. args", "optimizer", "text",
        "the schedule's arguments by torch's names, e.g. 'T_max=500,eta_min=0.01' "
        "(torch's defaults for the rest; `tui-gradients run --help` lists them)",
        lambda e: e.hyper.schedule.text(), changes.schedule_args,
    ),
    Setting(
        "batch_size", "batch size", "data", "whole",
        "samples per step, drawn without replacement in each epoch (0: all of them)",
        lambda e: str(e.plane.batch_size), changes.sampling("batch_size"), effect="restart",
    ),
    Setting(
        "batch_seed", "seed", "data", "whole", "seed of the minibatches' order (0)",
        lambda e: str(e.plane.batch_seed), changes.sampling("batch_seed"), effect="restart",
    ),
    Setting(
        "steps_per_press", "steps/key", "optimizer", "whole",
        f"steps one key takes, 1 to {changes.MAX_STEPS_PER_PRESS} (1)",
        lambda e: str(e.steps_per_press), changes.steps_per_press, effect="none", app_only=True,
    ),
    _field("chain", "depth", "depth", "chain", "whole", "1..64 (8)", effect="restart"),
    _field("chain", "activation", "activation", "chain", "choice", "(sigmoid)",
           choices=tuple(ACTIVATIONS), effect="restart"),
    _field("chain", "init", "init", "chain", "choice", "(constant)", choices=INITS,
           effect="restart"),
    _field("chain", "weight", "weight", "chain", "number", "constant initial weight (1)",
           effect="restart"),
    _field("chain", "bias", "bias", "chain", "number", "constant initial bias (0)",
           effect="restart"),
    _field("chain", "seed", "seed", "chain", "whole", "seed for normal initialisation (0)",
           effect="restart"),
    _field("chain", "x", "x (input)", "chain", "number", "input (1)", effect="restart"),
    _field("chain", "y", "y (target)", "chain", "number", "target (0)", effect="restart"),
    Setting(
        "chain_lr", "chain lr", "chain", "number", "the chain's own learning rate (0.5)",
        lambda e: exact(e.chain_lr), changes.chain_lr,
    ),
]
# fmt: on
SETTINGS: dict[str, Setting] = {setting.name: setting for setting in _SETTINGS}
SECTIONS = {
    "surface": "Surface",
    "data": "Data",
    "optimizer": "Optimiser",
    "chain": "Chain network",
}
"""Each section's title, in the order the panel shows them."""


def in_section(section: str) -> list[Setting]:
    return [setting for setting in _SETTINGS if setting.section == section]


IN_PANEL = [setting for setting in _SETTINGS if setting.in_panel]
"""The settings the app's panel has a field for."""

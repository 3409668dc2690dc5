"""The `tui-gradients` command: the app by default, a headless `run` / `chain` that prints rows,
or `serve`, the app in a web browser.

The arguments are read by the one parser in `arguments`. Textual is imported only when the app
starts, so `--help`, `run` and `chain` stay quick.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from tui_gradients import COMMANDS
from tui_gradients.allocation import keep_freed_memory
from tui_gradients.arguments import COMMAND_TABLE, EXIT_LIMIT, PROG, command_line, parse
from tui_gradients.core import fast
from tui_gradients.core.errors import SettingError
from tui_gradients.core.files import preferences as preferences_file
from tui_gradients.core.files.export import (
    CHAIN_COLUMNS,
    RUN_COLUMNS,
    chain_rows,
    run_rows,
    settings_to_dict,
    write,
)
from tui_gradients.core.files.preferences import Preferences
from tui_gradients.core.files.resume import Resume
from tui_gradients.core.network.chain import Chain
from tui_gradients.core.network.experiment import (
    NetSettings,
    load_weights,
    network_description,
    save_weights,
)
from tui_gradients.core.network.model import Network
from tui_gradients.core.network.plane import grid_loss, plane_of, span
from tui_gradients.core.network.training import NET_COLUMNS, TakenSteps, net_rows, train
from tui_gradients.core.optimisation.optimizers import Optimizer
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.run import Run, StopKind
from tui_gradients.core.runs.settings import in_section
from tui_gradients.core.text import inert
from tui_gradients.ui.starting import read_while_keys_watched


def _stop(run: Run) -> dict:
    """The stop reason, for the JSON output."""
    stop = run.stop
    reason = (
        None
        if stop is None
        else {"kind": stop.kind.value, "step": stop.step, "message": stop.message}
    )
    return {"stop": reason}


def _report_stop(run: Run, asked: int) -> int:
    """Say on stderr why a run ended before its last requested step; the exit status."""
    stop = run.stop
    if stop is None or run.last_step >= asked:
        return 0
    if stop.kind is StopKind.LIMIT:
        print(
            f"{PROG}: {stop.message}: {run.last_step} of the {asked} steps asked for were "
            f"written (the limit keeps a history within memory; exit status {EXIT_LIMIT})",
            file=sys.stderr,
        )
        return EXIT_LIMIT
    print(f"{PROG}: {stop.message}", file=sys.stderr)
    return 0


WORTH_COMPILING = 100_000
"""From this many steps the compiled loops (when numba is installed) repay loading them."""
NOTE_AFTER = 1.0
"""Seconds of loading and compiling after which stderr says what the wait is."""


def _prepare(steps: int, experiment: Experiment | None = None) -> None:
    """Load the compiled loops for a long run, and compile the 2-D run's own loop (its formula
    with its optimiser) when the run is the experiment's 2-D run. The first time on a machine
    that takes seconds: past one, stderr says what the wait is."""
    if steps < WORTH_COMPILING:
        return
    note = threading.Timer(
        NOTE_AFTER,
        lambda: print(
            f"{PROG}: compiling the fast loops (the first time for this formula and optimiser; "
            "cached for the next run)",
            file=sys.stderr,
            flush=True,
        ),
    )
    note.start()
    try:
        if fast.warm_up() and experiment is not None:
            expression = experiment.plane.objective.expression
            if expression is not None:
                fast.specialise(expression, experiment.hyper.optimizer)
    finally:
        note.cancel()


def command_run(args: argparse.Namespace, experiment: Experiment) -> int:
    _prepare(args.steps, experiment)
    run = experiment.plane_run()
    run.advance(args.steps)
    meta = {
        "function": experiment.plane.objective.name,
        "formula": experiment.plane.objective.formula,
        "optimizer": experiment.hyper.describe(),
        "settings": settings_to_dict(experiment),
    }
    write(run_rows(run), RUN_COLUMNS, args.format, sys.stdout, meta | _stop(run))
    return _report_stop(run, args.steps)


def command_chain(args: argparse.Namespace, experiment: Experiment) -> int:
    _prepare(args.steps)
    run = experiment.chain_run()
    run.advance(args.steps)
    meta = {
        "optimizer": experiment.chain_hyper.describe(),
        "settings": settings_to_dict(experiment),
    }
    rows = chain_rows(run, Chain(experiment.chain))
    write(rows, CHAIN_COLUMNS, args.format, sys.stdout, meta | _stop(run))
    return _report_stop(run, args.steps)


HEADLESS_STEPS = 100


def command_net(args: argparse.Namespace, experiment: Experiment) -> int:
    """Train the network the flags describe and print its table, a row per step and layer;
    with --app, open the app on it."""
    settings: NetSettings = args.net
    try:
        network = settings.network()
        params = settings.initial_params(network.architecture)
        if args.weights:
            params = load_weights(args.weights, network.architecture)
        optimizer = experiment.hyper.build(value_and_grad=network.value_and_grad)
    except SettingError as error:
        return _refused("net", error)
    if args.app:
        return _net_app(args, experiment)
    if args.plane and not args.app:
        return _net_plane(args, experiment, network, optimizer, params)
    steps = train(network, optimizer, params, settings.batches(network.samples))
    meta = {
        "optimizer": experiment.hyper.describe(),
        "network": network_description(settings, network),
    }
    taken = TakenSteps()
    count = HEADLESS_STEPS if args.steps is None else args.steps
    with np.errstate(all="ignore"):  # a diverging run ends with its reason (`net_rows`)
        rows = net_rows(network, steps, count, taken)
        write(rows, NET_COLUMNS, args.format, sys.stdout, meta)
    if taken.stop:
        print(f"{PROG}: {taken.stop}", file=sys.stderr)
    if args.save_weights:
        try:
            save_weights(args.save_weights, network.architecture, taken.last_params)
        except SettingError as error:
            return _refused("net", error)
    return 0


def _net_plane(
    args: argparse.Namespace,
    experiment: Experiment,
    network: Network,
    optimizer: Optimizer,
    params: np.ndarray,
) -> int:
    """The loss on a plane through the last weights, as one JSON object."""
    if args.format != "json":
        return _refused("net", SettingError("format", "a plane is written as JSON: --format json"))
    count = HEADLESS_STEPS if args.steps is None else args.steps
    steps = train(network, optimizer, params, args.net.batches(network.samples))
    with np.errstate(all="ignore"):
        path = np.array([next(steps).params for _ in range(count + 1)])
    try:
        plane = plane_of(args.plane, network, path, args.plane_axes, args.net.seed)
    except SettingError as error:
        return _refused("net", error)
    projected = plane.project(path)
    low_u, high_u, low_v, high_v = span(projected)
    u, v = np.linspace(low_u, high_u, args.grid), np.linspace(low_v, high_v, args.grid)
    loss = grid_loss(network, plane, u, v)
    assert loss is not None, "nothing cancels a headless grid"
    document = {
        "optimizer": experiment.hyper.describe(),
        "network": network_description(args.net, network),
        "plane": plane.kind,
        "axes": list(plane.axes),
        "explained": None if plane.explained is None else list(plane.explained),
        "steps": count,
        "origin": plane.origin.tolist(),
        "directions": [direction.tolist() for direction in plane.directions],
        "u": u.tolist(),
        "v": v.tolist(),
        "loss": [
            [value if math.isfinite(value) else None for value in row] for row in loss.tolist()
        ],
        "path": projected.tolist(),
    }
    json.dump(document, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


def _net_app(args: argparse.Namespace, experiment: Experiment) -> int:
    with collector_paused():
        from tui_gradients.ui.app import GradientsApp
        from tui_gradients.ui.network_screen import NetworkStart
        from tui_gradients.ui.terminal import Deadline

        weights = Path(args.weights) if args.weights else None
        app = GradientsApp(
            network=NetworkStart(args.net, experiment.hyper, weights, args.plane, args.plane_axes),
            initial_steps=args.steps or 0,
            resume_collector=True,
            deadline=Deadline(),
        )
        app.run()
    return app.return_code or 0


def _refused(command: str, error: SettingError) -> int:
    """A setting or file refused after parsing: one line, under the flag that set it, exit 2."""
    flags = COMMAND_TABLE[command].flags
    flag = flags.get(error.name, f"--{error.name.replace('_', '-')}")
    print(f"{PROG} {command}: error: argument {flag}: {inert(error.message)}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the app starts: start-up builds what lives as long as the
    app (modules, classes, styles), so the collector's passes find nothing to free, yet delay the
    first frame. The app resumes collecting once that frame is out (`resume_collector`); leaving
    this block resumes it in any case."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def command_app(
    args: argparse.Namespace,
    experiment: Experiment,
    terminal_settings: list | None = None,
    typed: str = "",
    preferences: Preferences | None = None,
    config: Path | None = None,
) -> int:
    """The app; `terminal_settings` are the terminal's as the process found them, where it has
    changed them before the app starts (`tty.keys_kept_while_starting`); `typed`, keys read
    while the command line was (`starting.read_while_keys_watched`), for the app to take;
    `preferences` as read from `config`, where the app keeps any it changes."""
    with collector_paused():
        from tui_gradients.ui.app import GradientsApp  # Textual loads only when the app starts
        from tui_gradients.ui.terminal import Deadline

        app = GradientsApp(
            experiment,
            **app_options(args),
            resume_collector=True,
            typed_before=typed,
            preferences=preferences,
            config_path=config,
            # also ends the threads the interpreter would wait for
            deadline=Deadline(settings_at_start=terminal_settings),
        )
        app.run()
    return app.return_code or 0


def app_options(args: argparse.Namespace) -> dict:
    """The app's step, rivals, lesson page and view: as typed, else as --load saved them. A
    saved view is kept only while the surface is the saved one (no surface flag typed). An
    export made in the lesson opens there at the page's step, the user's own session beneath
    it at its step."""
    resume: Resume = args.resume
    surface_typed = any(
        hasattr(args, setting.name) for setting in (*in_section("surface"), *in_section("data"))
    )
    saved_in_lesson = resume.lesson_page is not None and args.lesson is None
    saved_steps = resume.lesson_step if saved_in_lesson else resume.step
    return {
        "initial_steps": saved_steps if args.steps is None else args.steps,
        "steps_beneath": resume.step if saved_in_lesson else 0,
        "rivals": resume.rivals if args.race is None else args.race,
        "lesson_page": resume.lesson_page if args.lesson is None else args.lesson,
        "view": None if surface_typed else resume.view,
        "out_dir": args.out,
    }


def preferred(words: Sequence[str]) -> tuple[Preferences, Path, Experiment | None]:
    """The preferences in the file `--config` names (read by the parser itself, abbreviations
    and all, before the settings they are the defaults of), else in the user's configuration
    folder, and the settings they open the app with; a file that cannot be used is one line on
    stderr, and none are used."""
    path = command_line().top.parse_known_args(words)[0].config or preferences_file.default_path()
    preferences, problem = preferences_file.read(path)
    opened = None
    if problem is None:
        try:
            opened = preferences_file.experiment(preferences)
        except SettingError as error:
            problem = f"{error.name}: {error.message}"
    if problem is not None:
        print(f"{PROG}: {inert(str(path))}: {inert(problem)}; using the defaults", file=sys.stderr)
        preferences = Preferences()
    return preferences, path, opened


def main(argv: Sequence[str] | None = None, terminal_settings: list | None = None) -> int:
    """The command the one parser reads (`arguments.parse`), the app where none is typed
    (`terminal_settings`: see `command_app`)."""
    keep_freed_memory()
    words = list(sys.argv[1:] if argv is None else argv)
    app = not words or words[0] not in COMMANDS
    preferences, config, opened = preferred(words) if app else (Preferences(), None, None)

    def reading() -> tuple[argparse.Namespace, Experiment]:
        return parse(words, opened=opened)

    (args, experiment), typed = read_while_keys_watched(reading, terminal_settings)
    if args.command == "run":
        return command_run(args, experiment)
    if args.command == "chain":
        return command_chain(args, experiment)
    if args.command == "net":
        return command_net(args, experiment)
    if args.command == "serve":
        from tui_gradients.serve import command_serve  # its own imports load only for it

        return command_serve(args)
    return command_app(args, experiment, terminal_settings, typed, preferences, config)

"""The `tui-gradients` command: the app by default, a headless `run` / `chain` that prints rows,
or `serve`, the app in a web browser.

Every setting flag is kept as the text typed and applied with `core.session.edit`, the same
function the app's fields use, so the CLI and the app accept and refuse exactly the same values.
Textual is imported only when the app starts, so `--help`, `run` and `chain` stay quick.
"""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from tui_gradients.core import fast
from tui_gradients.core.chain import ACTIVATIONS, Chain
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import Experiment
from tui_gradients.core.export import (
    CHAIN_COLUMNS,
    FORMATS,
    RUN_COLUMNS,
    chain_rows,
    load_settings,
    run_rows,
    settings_to_dict,
    write,
)
from tui_gradients.core.functions import PRESETS
from tui_gradients.core.lesson import page_count
from tui_gradients.core.optimizers import OPTIMIZERS
from tui_gradients.core.run import Run, StopKind
from tui_gradients.core.session import (
    CHAIN_FIELDS,
    OPTIMIZER_FIELDS,
    PLANE_FIELDS,
    Rival,
    edit,
    parse_rivals,
)

PROG = "tui-gradients"
PAIR_OPTIONS = ("--start", "--betas")
"""Options whose value is 'X,Y' and may begin with a minus sign (`--start -40,1.5`)."""
UNSET = argparse.SUPPRESS
"""Settings flags have no argparse default: what is not typed comes from --load or the seed."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line on stderr, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, refused in one clear line."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


steps = whole_number(0, 10_000_000)
port = whole_number(1, 65535)


# --- the parsers: (flag, setting name) pairs, applied in this order -------------------------


def _setting(group, flag: str, dest: str, help_text: str | None = None, **kwargs) -> None:
    group.add_argument(flag, dest=dest, default=UNSET, help=help_text, **kwargs)


def _add_load(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--load",
        metavar="FILE",
        help="settings from a file written by the app's export (e) or by --format json; "
        "flags given as well override it",
    )


def _add_plane_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("surface")
    choice = group.add_mutually_exclusive_group()
    _setting(choice, "--function", "function", "a preset (default quadratic)", choices=PRESETS)
    choice.add_argument(
        "--preset", dest="function", default=UNSET, choices=PRESETS, help="= --function"
    )
    _setting(choice, "--expr", "expr", "your own f(w1, w2), e.g. '0.001*w1**2 + w2**2'")
    _setting(group, "--a", "a", "w1 curvature of the bowl (0.001)")
    _setting(group, "--b", "b", "w2 curvature of the bowl (1)")
    _setting(group, "--start", "start", "W1,W2 (default: the function's own start)")


def _add_optimizer_arguments(parser: argparse.ArgumentParser, lr_dest: str, lr_help: str) -> None:
    group = parser.add_argument_group("optimizer (formulas and defaults of torch.optim)")
    _setting(group, "--optimizer", "optimizer", "default gd", choices=OPTIMIZERS)
    _setting(group, "--lr", lr_dest, lr_help)
    _setting(group, "--momentum", "momentum", "momentum/nesterov (0.9)")
    _setting(group, "--alpha", "alpha", "rmsprop smoothing (0.99)")
    _setting(group, "--betas", "betas", "adam B1,B2 (0.9,0.999)")
    _setting(
        group, "--eps", "eps", "adagrad 1e-10; rmsprop, adam 1e-8 (added after the square root)"
    )


def _add_chain_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    group = parser.add_argument_group("chain network (one neuron per layer)")
    _setting(group, f"--{prefix}depth", "depth", "1..64 (8)")
    _setting(group, f"--{prefix}activation", "activation", "(sigmoid)", choices=tuple(ACTIVATIONS))
    _setting(group, f"--{prefix}init", "init", "(constant)", choices=("constant", "normal"))
    _setting(group, f"--{prefix}weight", "weight", "constant initial weight (1)")
    _setting(group, f"--{prefix}bias", "bias", "constant initial bias (0)")
    _setting(group, f"--{prefix}seed", "seed", "seed for normal initialisation (0)")
    _setting(group, f"--{prefix}x", "x", "input (1)")
    _setting(group, f"--{prefix}y", "y", "target (0)")


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=steps, default=100, help="updates to make (100)")
    parser.add_argument("--format", choices=FORMATS, default="csv")


def run_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} run",
        description="Print a 2-D trajectory: CSV header step,w1,w2,loss,grad_w1,grad_w2; "
        "row 0 is the start point. "
        "Defaults reproduce the seed: the bowl 0.001·w1² + w2², gd, lr 0.5.",
    )
    _add_load(parser)
    _add_plane_arguments(parser)
    _add_optimizer_arguments(
        parser, "lr", "learning rate (default: the function's, 0.5 for the bowl)"
    )
    _add_output_arguments(parser)
    return parser


def chain_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} chain",
        description="Print per-layer values of a one-neuron-per-layer network as it trains. "
        "Rows for step k hold the parameters after k updates (step 0 = initialisation), "
        "the ones the (k+1)-th update starts from, and the values computed from them.",
    )
    _add_load(parser)
    _add_chain_arguments(parser)
    _add_optimizer_arguments(parser, "chain_lr", "learning rate (0.5)")
    _add_output_arguments(parser)
    return parser


def app_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Step through gradient descent in the terminal. With no arguments: the bowl "
        "0.001·w1² + w2², gd, lr 0.5, and a sigmoid chain of depth 8. "
        f"Headless: '{PROG} run --help' and '{PROG} chain --help'. "
        f"In a web browser: '{PROG} serve --help'.",
    )
    _add_load(parser)
    _add_plane_arguments(parser)
    _add_optimizer_arguments(
        parser, "lr", "learning rate (default: the function's, 0.5 for the bowl)"
    )
    _add_chain_arguments(parser, prefix="chain-")
    _setting(parser, "--chain-lr", "chain_lr", "the chain's own learning rate (0.5)")
    parser.add_argument("--steps", type=steps, default=0, help="steps to take before showing (0)")
    parser.add_argument(
        "--race",
        type=_rivals,
        default=(),
        metavar="NAMES",
        help="race these optimisers against the main one from the same start, e.g. "
        "'adagrad,adagrad:5,adam' (a colon gives one its own lr; at most five)",
    )
    parser.add_argument(
        "--lesson",
        nargs="?",
        const=1,
        type=whole_number(1, page_count()),
        metavar="PAGE",
        help=f"open the guided lesson (pages 1 to {page_count()}; default 1); each page sets "
        "up its own example at step 0, in place of the settings and --steps flags",
    )
    return parser


# --- turning arguments into an experiment -------------------------------------------------------

ORDER = (*PLANE_FIELDS, *OPTIMIZER_FIELDS, *CHAIN_FIELDS)
"""A preset comes first (it brings its own start and lr), then what the user typed overrides."""


def experiment_from(args: argparse.Namespace) -> Experiment:
    """Defaults (or --load), then each typed flag applied as the app applies a field."""
    experiment = load_settings(args.load) if args.load else Experiment()
    given = vars(args)
    for name in ORDER:
        if name in given:
            experiment = edit(experiment, name, given[name])
    return experiment


def _build(parser: ArgumentParser, argv: Sequence[str], flags: dict[str, str]):
    args = parser.parse_args(argv)
    try:
        experiment = experiment_from(args)
        experiment.plane_run()  # refuses a start where f or its gradient is not finite
        experiment.chain_run()
    except SettingError as error:
        parser.error(f"argument {flags.get(error.name, f'--{error.name}')}: {error.message}")
    return args, experiment


def join_pair_values(argv: Sequence[str]) -> list[str]:
    """Let `--start -40,1.5` work as typed: argparse alone reads `-40,1.5` as an option."""
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in PAIR_OPTIONS:
            value = next(items, None)
            joined.append(item if value is None else f"{item}={value}")
        else:
            joined.append(item)
    return joined


def _stop(run: Run) -> dict:
    """The stop reason, for the JSON output."""
    stop = run.stop
    reason = (
        None
        if stop is None
        else {"kind": stop.kind.value, "step": stop.step, "message": stop.message}
    )
    return {"stop": reason}


def _report_stop(run: Run) -> None:
    """Say on stderr why a run ended before its last requested step."""
    if run.stop is not None and run.stop.kind in (StopKind.DIVERGED, StopKind.CONVERGED):
        print(f"{PROG}: {run.stop.message}", file=sys.stderr)


def _rivals(text: str) -> tuple[Rival, ...]:
    try:
        return parse_rivals(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(error.message) from None


WORTH_COMPILING = 100_000
"""From this many steps the compiled loops (when numba is installed) repay loading them."""


def _prepare(steps: int, experiment: Experiment | None = None) -> None:
    """Load the compiled loops for a long run, and compile the 2-D run's own loop (its formula
    with its optimiser) when the run is the experiment's 2-D run."""
    if steps >= WORTH_COMPILING and fast.warm_up() and experiment is not None:
        fast.specialise(experiment.plane.objective.formula, experiment.hyper.optimizer)


def command_run(argv: Sequence[str]) -> int:
    args, experiment = _build(run_parser(), argv, {"function": "--function", "load": "--load"})
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
    _report_stop(run)
    return 0


def command_chain(argv: Sequence[str]) -> int:
    args, experiment = _build(chain_parser(), argv, {"chain_lr": "--lr", "load": "--load"})
    _prepare(args.steps)
    run = experiment.chain_run()
    run.advance(args.steps)
    meta = {
        "optimizer": experiment.chain_hyper.describe(),
        "settings": settings_to_dict(experiment),
    }
    rows = chain_rows(run, Chain(experiment.chain))
    write(rows, CHAIN_COLUMNS, args.format, sys.stdout, meta | _stop(run))
    _report_stop(run)
    return 0


APP_FLAGS = {name: f"--chain-{name}" for name in CHAIN_FIELDS if name != "chain_lr"}
APP_FLAGS["chain_lr"] = "--chain-lr"
"""The app's flag for each chain setting whose name differs from it."""


def command_app(argv: Sequence[str]) -> int:
    args, experiment = _build(app_parser(), argv, APP_FLAGS)
    # Start-up builds what lives as long as the app (modules, classes, styles), so the garbage
    # collector's passes over it find nothing, yet cost 40-50 ms of the half second to the
    # first frame. The app resumes collecting once that frame is out (`resume_collector`).
    gc.disable()
    try:
        from tui_gradients.ui.app import GradientsApp  # Textual loads only when the app starts

        GradientsApp(
            experiment,
            initial_steps=args.steps,
            rivals=args.race,
            lesson_page=args.lesson,
            resume_collector=True,
        ).run()
    finally:
        gc.enable()
    return 0


def serve_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} serve",
        description="Serve the app to a web browser through textual-serve (an optional extra: "
        "pip install 'tui-gradients[serve]'). Each browser tab runs its own copy of the app. Any "
        f"other flags are the app's own ('{PROG} --help'). Bound to this machine unless --host "
        "says otherwise: from a remote box, forward the port with ssh -L.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="port to listen on (8000)")
    return parser


def command_serve(argv: Sequence[str]) -> int:
    args, app_argv = serve_parser().parse_known_args(argv)
    _build(app_parser(), app_argv, APP_FLAGS)  # refuse bad app flags here, not in every tab
    try:
        from textual_serve.server import Server
    except ImportError:
        print(
            f"{PROG} serve: needs textual-serve: pip install 'tui-gradients[serve]'",
            file=sys.stderr,
        )
        return 2
    command = shlex.join([sys.executable, "-m", "tui_gradients", *app_argv])
    print(f"serving tui-gradients on http://{args.host}:{args.port} (ctrl+c stops)", flush=True)
    Server(command, host=args.host, port=args.port, title=PROG).serve()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = join_pair_values(sys.argv[1:] if argv is None else argv)
    commands = {"run": command_run, "chain": command_chain, "serve": command_serve}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return command_app(argv)

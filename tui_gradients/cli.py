"""The `tui-gradients` command: the app by default, or a headless `run` / `chain` that prints rows.

Textual is imported only when the app starts, so `--help`, `run` and `chain` stay quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any, NoReturn

from tui_gradients.core.chain import ACTIVATIONS, Chain, ChainSettings
from tui_gradients.core.errors import SettingError
from tui_gradients.core.experiment import Experiment, PlaneSettings
from tui_gradients.core.export import (
    CHAIN_COLUMNS,
    FORMATS,
    RUN_COLUMNS,
    chain_rows,
    run_rows,
    write,
)
from tui_gradients.core.functions import PRESETS
from tui_gradients.core.optimizers import OPTIMIZERS, Hyperparameters
from tui_gradients.core.parsing import parse_number, parse_pair, parse_whole
from tui_gradients.core.run import Run, StopKind

PROG = "tui-gradients"
PAIR_OPTIONS = ("--start", "--betas")
"""Options whose value is 'X,Y' and may begin with a minus sign (`--start -40,1.5`)."""
FLAG_FOR_SETTING = {"beta1": "--betas", "beta2": "--betas", "function": "--function"}


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line on stderr, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


# --- value types: the core's parsers, with argparse's error type ----------------------------


def _argparse_type(parse: Callable[[str, str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse("value", text)
        except SettingError as error:
            raise argparse.ArgumentTypeError(error.message) from None

    return convert


number = _argparse_type(parse_number)
whole = _argparse_type(parse_whole)
pair = _argparse_type(parse_pair)


def steps(text: str) -> int:
    value = whole(text)
    if not 0 <= value <= 10_000_000:
        raise argparse.ArgumentTypeError(f"must be from 0 to 10000000, got {value}")
    return value


# --- the parsers ------------------------------------------------------------------------------


def _add_optimizer_arguments(parser: argparse.ArgumentParser, lr_help: str) -> None:
    group = parser.add_argument_group("optimizer (formulas and defaults of torch.optim)")
    group.add_argument("--optimizer", choices=OPTIMIZERS, default="gd")
    group.add_argument("--lr", type=number, help=lr_help)
    group.add_argument("--momentum", type=number, default=0.9, help="momentum/nesterov (0.9)")
    group.add_argument("--alpha", type=number, default=0.99, help="rmsprop smoothing (0.99)")
    group.add_argument("--betas", type=pair, default=(0.9, 0.999), help="adam B1,B2 (0.9,0.999)")
    group.add_argument(
        "--eps", type=number, help="adagrad 1e-10; rmsprop, adam 1e-8 (outside the square root)"
    )


def _add_plane_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("surface")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument(
        "--function", "--preset", dest="function", choices=tuple(PRESETS), default="quadratic"
    )
    choice.add_argument("--expr", help="your own f(w1, w2), e.g. '0.001*w1**2 + w2**2'")
    group.add_argument("--a", type=number, default=0.001, help="w1 curvature of the bowl (0.001)")
    group.add_argument("--b", type=number, default=1.0, help="w2 curvature of the bowl (1)")
    group.add_argument("--start", type=pair, help="W1,W2 (default: the function's own start)")
    _add_optimizer_arguments(parser, "learning rate (default: the function's, 0.5 for the bowl)")


def _add_chain_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    group = parser.add_argument_group("chain network (one neuron per layer)")
    group.add_argument(f"--{prefix}depth", dest="depth", type=whole, default=8, help="1..64 (8)")
    group.add_argument(
        f"--{prefix}activation", dest="activation", choices=tuple(ACTIVATIONS), default="sigmoid"
    )
    group.add_argument(
        f"--{prefix}init", dest="init", choices=("constant", "normal"), default="constant"
    )
    group.add_argument(f"--{prefix}weight", dest="weight", type=number, default=1.0)
    group.add_argument(f"--{prefix}bias", dest="bias", type=number, default=0.0)
    group.add_argument(f"--{prefix}seed", dest="seed", type=whole, default=0)
    group.add_argument(f"--{prefix}x", dest="x", type=number, default=1.0, help="input (1)")
    group.add_argument(f"--{prefix}y", dest="y", type=number, default=0.0, help="target (0)")


def _output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=steps, default=100, help="updates to make (100)")
    parser.add_argument("--format", choices=FORMATS, default="csv")


def run_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} run",
        description="Print a 2-D trajectory: CSV header step,w1,w2,loss,grad_w1,grad_w2; "
        "row 0 is the start point. "
        "Defaults reproduce the seed: the bowl 0.001·w1² + w2², gd, lr 0.5.",
    )
    _add_plane_arguments(parser)
    _output_arguments(parser)
    return parser


def chain_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} chain",
        description="Print per-layer values of a one-neuron-per-layer network as it trains. "
        "Rows for step k hold the parameters after k updates (step 0 = initialisation), "
        "the ones the (k+1)-th update starts from, and the values computed from them.",
    )
    _add_chain_arguments(parser)
    _add_optimizer_arguments(parser, "learning rate (0.5)")
    _output_arguments(parser)
    return parser


def app_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Step through gradient descent in the terminal. With no arguments: the bowl "
        "0.001·w1² + w2², gd, lr 0.5, and a sigmoid chain of depth 8. "
        f"Headless: '{PROG} run --help' and '{PROG} chain --help'.",
    )
    _add_plane_arguments(parser)
    _add_chain_arguments(parser, prefix="chain-")
    parser.add_argument("--chain-lr", type=number, default=0.5, help="the chain's own lr (0.5)")
    parser.add_argument("--steps", type=steps, default=0, help="steps to take before showing (0)")
    return parser


# --- turning arguments into an experiment -------------------------------------------------------


def _hyper(args: argparse.Namespace, default_lr: float) -> Hyperparameters:
    return Hyperparameters(
        optimizer=args.optimizer,
        lr=default_lr if args.lr is None else args.lr,
        momentum=args.momentum,
        alpha=args.alpha,
        beta1=args.betas[0],
        beta2=args.betas[1],
        eps=args.eps,
    )


def _plane(args: argparse.Namespace) -> tuple[PlaneSettings, Hyperparameters]:
    plane = PlaneSettings(
        function=args.function, expr=args.expr, a=args.a, b=args.b, start=args.start
    )
    return plane, _hyper(args, plane.objective.suggested_lr)


def _chain(args: argparse.Namespace) -> ChainSettings:
    return ChainSettings(
        depth=args.depth,
        activation=args.activation,
        init=args.init,
        weight=args.weight,
        bias=args.bias,
        seed=args.seed,
        x=args.x,
        y=args.y,
    )


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


def _chain_hyper(hyper: Hyperparameters, lr: float) -> Hyperparameters:
    try:
        return replace(hyper, lr=lr)
    except SettingError as error:
        raise SettingError("chain-lr", error.message) from None


def command_run(argv: Sequence[str]) -> int:
    parser = run_parser()
    args = parser.parse_args(argv)
    try:
        plane, hyper = _plane(args)
        run = Experiment(plane=plane, hyper=hyper).plane_run()
    except SettingError as error:
        parser.error(_flag_message(error))
    run.advance(args.steps)
    meta = {
        "function": plane.objective.name,
        "formula": plane.objective.formula,
        "start": list(plane.start_point),
        "optimizer": hyper.describe(),
    }
    write(run_rows(run), RUN_COLUMNS, args.format, sys.stdout, meta | _stop(run))
    _report_stop(run)
    return 0


def command_chain(argv: Sequence[str]) -> int:
    parser = chain_parser()
    args = parser.parse_args(argv)
    try:
        settings = _chain(args)
        experiment = Experiment(chain=settings, chain_hyper=_hyper(args, 0.5))
        run = experiment.chain_run()
    except SettingError as error:
        parser.error(_flag_message(error))
    run.advance(args.steps)
    meta = {"chain": asdict(settings), "optimizer": experiment.chain_hyper.describe()}
    write(
        chain_rows(run, Chain(settings)), CHAIN_COLUMNS, args.format, sys.stdout, meta | _stop(run)
    )
    _report_stop(run)
    return 0


def command_app(argv: Sequence[str]) -> int:
    parser = app_parser()
    args = parser.parse_args(argv)
    try:
        plane, hyper = _plane(args)
        chain = _chain(args)
        chain_hyper = _chain_hyper(hyper, args.chain_lr)
        experiment = Experiment(plane=plane, hyper=hyper, chain=chain, chain_hyper=chain_hyper)
        experiment.plane_run()
        experiment.chain_run()
    except SettingError as error:
        parser.error(_flag_message(error))
    from tui_gradients.ui.app import GradientsApp  # Textual loads only when the app starts

    GradientsApp(experiment, initial_steps=args.steps).run()
    return 0


def _flag_message(error: SettingError) -> str:
    flag = FLAG_FOR_SETTING.get(error.name, f"--{error.name}")
    return f"argument {flag}: {error.message}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = join_pair_values(sys.argv[1:] if argv is None else argv)
    commands = {"run": command_run, "chain": command_chain}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return command_app(argv)

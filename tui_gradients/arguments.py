"""The command line's one parser: every setting flag comes from the schema in
`core.runs.settings`, kept as the text typed and applied with `settings.edit`, the function
the app's fields use, so the CLI, `serve` and the app accept and refuse exactly the same
values. `cli` runs the commands; `serve` builds on the app's parser.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from tui_gradients import COMMANDS, PROG, __version__
from tui_gradients.core.errors import SettingError
from tui_gradients.core.files.export import FORMATS, load_export
from tui_gradients.core.files.resume import Resume, SavedView
from tui_gradients.core.limits import LIMIT
from tui_gradients.core.network import activations
from tui_gradients.core.network.datasets import BUILT_IN, DataSettings
from tui_gradients.core.network.experiment import NetSettings, load_weights
from tui_gradients.core.network.init import SCHEMES, Init
from tui_gradients.core.network.plane import KINDS as PLANES
from tui_gradients.core.network.plane import two_weights, weight_index
from tui_gradients.core.objectives.functions import Window
from tui_gradients.core.objectives.view import fit_view, usable
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.lesson import page_count
from tui_gradients.core.runs.rivals import Rival, parse_rivals
from tui_gradients.core.runs.settings import SETTINGS, in_section, restore
from tui_gradients.core.text import inert

EXIT_LIMIT = 3
"""`run` and `chain` stopped at a step limit before the steps asked for."""
EXIT_STATUSES = (
    "exit status: 0 when the steps asked for are written, or the run converged or diverged "
    "first (said on stderr); 2 for a refused argument or file, or an output that cannot be "
    f"written; {EXIT_LIMIT} when a step limit ended the run first (said on stderr, with the "
    "limit); 130 on ctrl+c; 141, silently, when the reader closes the pipe (| head)"
)
LEADING_MINUS_OPTIONS = ("--start", "--betas", "--expr")
"""Options whose value may begin with a minus sign that argparse would take for an option:
'X,Y' pairs (`--start -40,1.5`) and formulas (`--expr -w1`)."""
UNSET = argparse.SUPPRESS
"""Settings flags have no argparse default: what is not typed comes from --load or the seed."""


BRITISH = {"optimizer": "optimiser", "standardize": "standardise"}
"""Flags the UI spells the British way, accepted that way too (`--optimiser`)."""


def british(flag: str) -> list[str]:
    """The British spelling of `flag`, where it has one (`--optimiser`)."""
    return [flag.replace(us, uk) for us, uk in BRITISH.items() if us in flag]


_FLAG = re.compile(r"--[a-z][a-z0-9-]*")
_UNKNOWN = re.compile(r"unrecognized arguments: (.*)")
_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def version() -> str:
    """The installed package's version, from its metadata (the source's, where it is run
    without being installed). Looked up only when asked: reading the installed packages'
    metadata is work every other start would pay for."""
    from importlib import metadata

    try:
        return metadata.version("tui-gradients")
    except metadata.PackageNotFoundError:
        return __version__


class _Version(argparse.Action):
    """argparse's version action, with the version looked up as it is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        print(f"{parser.prog} {version()}")  # on stdout, as argparse's own version action
        parser.exit()


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line on stderr, with exit status 2, and
    says which flag or value was probably meant; every parser answers -V and --version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("-V", "--version", action=_Version)

    def parse_known_args(  # type: ignore[override]  # typeshed overloads it by namespace; one is enough
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """argparse's, except that a value beginning with a minus sign is taken as the value it
        is (`--start -40,1.5`, `--expr -w1`), where argparse alone would read an option."""
        return super().parse_known_args(_joined(sys.argv[1:] if args is None else args), namespace)

    def error(self, message: str) -> NoReturn:
        """One line; what it quotes of the command line made inert (`text.inert`)."""
        message = inert(message)
        self.exit(2, f"{self.prog}: error: {message}{self._suggestion(message)}\n")

    def _suggestion(self, message: str) -> str:
        """`; did you mean --optimizer?` for a mistyped flag, or a choice for a mistyped value."""
        if unknown := _UNKNOWN.search(message):
            names = sorted({flag[2:] for flag in _FLAG.findall(self.format_help())})
            for typed in unknown.group(1).split():
                name = typed.split("=")[0][2:]  # the dashes alike in every flag say nothing
                close = difflib.get_close_matches(name, names, n=1)
                if typed.startswith("--") and close:
                    return f"; did you mean --{close[0]}?"
        if choice := _CHOICE.search(message):
            choices = [word.strip(" '") for word in choice.group(2).split(",")]
            close = difflib.get_close_matches(choice.group(1), choices, n=1)
            if close:
                return f"; did you mean {close[0]}?"
        return ""


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
DATA_FLAGS = {"x_column": "--x", "y_column": "--y", "batch_seed": "--seed"}
RUN_FLAGS = dict(DATA_FLAGS)
CHAIN_FLAGS = {s.name: f"--chain-{s.name.replace('_', '-')}" for s in in_section("chain")}
CHAIN_FLAGS |= {"chain_lr": "--chain-lr"}
APP_FLAGS = {**CHAIN_FLAGS, **DATA_FLAGS}
"""Each command's flag for the settings whose flag is not `--name`: the chain's are
`--chain-…` in every command that takes them, and the data's columns and seed are `--x`, `--y`
and `--seed`."""
CHAIN_SHORT = {name: f"--{name.replace('_', '-')}" for name in CHAIN_FLAGS} | {"chain_lr": "--lr"}
"""The `chain` command's own shorter names for the chain's settings (`--depth`, `--lr`),
accepted there beside `--chain-depth` and `--chain-lr`."""


# --- the parsers: one flag per setting of the schema ------------------------------------------

GROUPS = {
    "surface": "surface",
    "data": "data (a regression fitted to a CSV file: w1 = w, w2 = b)",
    "optimizer": "optimizer (formulas and defaults of torch.optim)",
    "chain": "chain network (one neuron per layer)",
}


def _add_load(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--load",
        metavar="FILE",
        help="settings from a file written by the app's export (e) or by --format json; "
        "flags given as well override it",
    )


def _add_settings(
    parser: argparse.ArgumentParser,
    sections: Sequence[str],
    flags: dict[str, str],
    *,
    app: bool = False,
    skip: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> None:
    """A flag for each setting in `sections` (`flags` renames some), in the schema's order;
    --function, its alias --preset and --expr exclude each other. `aliases` and the British
    spellings are accepted too, without a line of help of their own."""
    for section in sections:
        group = parser.add_argument_group(GROUPS[section])
        surface = group.add_mutually_exclusive_group() if section == "surface" else None
        for setting in in_section(section):
            if (setting.app_only and not app) or setting.name in skip:
                continue
            home = surface if setting.name in ("function", "expr") and surface else group
            options: dict[str, Any] = {"choices": setting.choices} if setting.choices else {}
            flag = flags.get(setting.name, f"--{setting.name.replace('_', '-')}")
            metavar = None if setting.choices else flag.split("-")[-1].upper()
            home.add_argument(
                flag,
                dest=setting.name,
                default=UNSET,
                help=setting.help,
                metavar=metavar,
                **options,
            )
            hidden = british(flag)
            hidden += [alias for alias in [(aliases or {}).get(setting.name)] if alias]
            for alias in hidden:  # accepted, not listed: the help keeps one name
                home.add_argument(
                    alias, dest=setting.name, default=UNSET, help=argparse.SUPPRESS, **options
                )
            if setting.name == "function":
                home.add_argument(
                    "--preset", dest="function", default=UNSET, help="= --function", **options
                )


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps",
        type=steps,
        default=100,
        help=f"updates to make (100; a 2-D run stops at step {LIMIT}, the chain where its "
        "history would pass 1 GiB)",
    )
    parser.add_argument("--format", choices=FORMATS, default="csv")


def _add_run(parser: ArgumentParser) -> None:
    _add_load(parser)
    _add_settings(parser, ("surface", "data", "optimizer"), RUN_FLAGS)
    _add_output_arguments(parser)


def _add_chain(parser: ArgumentParser) -> None:
    _add_load(parser)
    _add_settings(parser, ("chain", "optimizer"), CHAIN_FLAGS, skip=("lr",), aliases=CHAIN_SHORT)
    _add_output_arguments(parser)


NET_FLAGS = {
    "depth": ("--depth", "hidden layers, 1 to 64 (4)"),
    "width": ("--width", "units per hidden layer, 1 to 256 (16)"),
    "activation": ("--activation", f"{', '.join(activations.NAMES)} (tanh)"),
    "norm": ("--norm", "normalise each hidden pre-activation: none, layer, batch (none)"),
    "residual": ("--residual", "aˡ = aˡ⁻¹ + g(…) from the second hidden layer on: on, off (off)"),
    "init": (
        "--init",
        f"{', '.join(SCHEMES)}; normal=STD, uniform=BOUND, constant=VALUE (default: nn.Linear's)",
    ),
    "seed": ("--seed", "seeds the weights, a toy set's points and the minibatches (0)"),
    "batch_size": ("--batch-size", "samples per step (all of them)"),
    "source": (
        "--data",
        f"{', '.join(BUILT_IN)}, or a CSV file (penguins: species from 4 measurements)",
    ),
    "features": (
        "--features",
        "a CSV file's feature columns, A,B,C (every numeric column but the target)",
    ),
    "target": ("--target", "a CSV file's target column (its last)"),
    "task": ("--task", "classify or regress (the data's own; a CSV file's: regress)"),
    "standardize": (
        "--standardize",
        "standardise none, x (the features) or xy (and a numeric target) (xy)",
    ),
}
"""The network's settings: name → (flag, help)."""


def _add_net(parser: ArgumentParser) -> None:
    group = parser.add_argument_group("network")
    for name, (flag, text) in NET_FLAGS.items():
        group.add_argument(
            flag,
            dest=f"net_{name}",
            default=None,
            help=text,
            metavar=flag[2:].upper().replace("-", "_"),
        )
        for alias in british(flag):
            group.add_argument(alias, dest=f"net_{name}", default=None, help=argparse.SUPPRESS)
    group.add_argument(
        "--weights",
        metavar="FILE.npz",
        help="start from these weights (W1, b1, …, torch's (out, in) layout)",
    )
    group.add_argument(
        "--save-weights", metavar="FILE.npz", help="write the last step's weights here"
    )
    group.add_argument(
        "--app", action="store_true", help="open the app on this network instead of printing"
    )
    group.add_argument(
        "--plane",
        choices=PLANES,
        help="instead of rows, the loss on a plane through the last weights (JSON): two "
        "weights, two filter-normalised random directions, or the path's two principal ones",
    )
    group.add_argument(
        "--grid", type=whole_number(2, 400), default=31, metavar="N", help="N×N points (31)"
    )
    group.add_argument(
        "--plane-weights",
        metavar="A,B",
        help="the weights plane's axes, e.g. W1[0,0],W5[2,3] (a first and an output weight)",
    )
    _add_settings(parser, ("optimizer",), {})
    _add_output_arguments(parser)
    parser.set_defaults(steps=None)  # 100 rows headless; the app takes only steps typed


def net_settings(args: argparse.Namespace) -> NetSettings:
    """The network's settings from the `net` flags typed; SettingError names the setting."""
    typed = {name: getattr(args, f"net_{name}") for name in NET_FLAGS}
    given = {name: value for name, value in typed.items() if value is not None}
    data: dict[str, Any] = {
        key: given.pop(key) for key in ("source", "target", "task", "standardize") if key in given
    }
    if "features" in given:
        named = given.pop("features").split(",")
        data["features"] = tuple(name.strip() for name in named if name.strip())
    for name in ("depth", "width", "seed", "batch_size"):
        if name in given:
            given[name] = _whole_setting(name, given[name])
    if "residual" in given:
        if given["residual"] not in ("on", "off"):
            raise SettingError("residual", f"must be on or off, got {given['residual']!r}")
        given["residual"] = given["residual"] == "on"
    if "init" in given:
        given["init"] = Init.parse(given["init"])
    seed = given.get("seed", 0)
    return NetSettings(data=DataSettings(seed=seed, **data), **given)


def _whole_setting(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SettingError(name, f"not a whole number: {text!r}") from None


def _add_serve(parser: ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=whole_number(1, 65535), default=8000, help="port (8000)")
    parser.add_argument(
        "--max-apps",
        type=whole_number(1, 64),
        default=4,
        metavar="N",
        help="apps (browser tabs) running at once, at most (4)",
    )


def _add_app(parser: ArgumentParser) -> None:
    _add_load(parser)
    _add_settings(parser, ("surface", "data", "optimizer", "chain"), APP_FLAGS, app=True)
    parser.add_argument(
        "--steps",
        type=steps,
        default=None,
        help="steps to take once the app shows (0, or the step --load saved)",
    )
    parser.add_argument(
        "--race",
        type=_rivals,
        default=None,
        metavar="NAMES",
        help="race these optimisers against the main one from the same start, e.g. "
        "'adagrad,adagrad:5,adam:0.1:beta1=0.8' (a colon gives one its own lr, then any of "
        "momentum, alpha, beta1, beta2, eps as name=value; at most five)",
    )
    parser.add_argument(
        "--out",
        type=_folder,
        default=None,
        metavar="DIR",
        help="folder for screenshots (s) and exports (e); the current folder by default",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the preferences file (TOML, docs/config.md); by default config.toml in your "
        "configuration folder. The app keeps its theme, ASCII mode, panel, steps per key and "
        "surface there",
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


@dataclass(frozen=True)
class Command:
    """A command of the one parser: how it is described, built, and how its flags are named."""

    summary: str
    description: str
    add: Callable[[ArgumentParser], None]
    flags: dict[str, str] = field(default_factory=dict)
    """Flags that differ from `--name`, for naming a refused setting as typed."""
    aliases: dict[str, str] = field(default_factory=dict)
    epilog: str | None = EXIT_STATUSES


APP = Command(
    summary="the app (the default: no command)",
    description="Step through gradient descent in the terminal. With no arguments: the bowl "
    "0.001·w1² + w2², gd, lr 0.5, and a sigmoid chain of depth 8. A command, if any, comes "
    f"first: '{PROG} run --help', '{PROG} chain --help', '{PROG} serve --help'.",
    add=_add_app,
    flags=APP_FLAGS,
    epilog=None,
)
COMMAND_TABLE = {
    "run": Command(
        summary="print a 2-D trajectory, headless",
        description="Print a 2-D trajectory: CSV header step,w1,w2,loss,grad_w1,grad_w2,lr; "
        "row 0 is the start point. On data (--data, --preset penguins) w1 and w2 are the "
        "slope w and intercept b of y = w*x + b, loss is the full-batch loss and, with "
        "--batch-size, grad_w1 and grad_w2 are the minibatch gradient the next step follows. "
        "Defaults reproduce the seed: the bowl 0.001·w1² + w2², gd, lr 0.5.",
        add=_add_run,
        flags=RUN_FLAGS,
    ),
    "chain": Command(
        summary="print the chain's per-layer values as it trains, headless",
        description="Print per-layer values of a one-neuron-per-layer network as it trains. "
        "Rows for step k hold the parameters after k updates (step 0 = initialisation), "
        "the ones the (k+1)-th update starts from, and the values computed from them.",
        add=_add_chain,
        flags=CHAIN_FLAGS,
        aliases=CHAIN_SHORT,
    ),
    "net": Command(
        summary="print a network's per-layer health as it trains, headless",
        description="Train a multilayer perceptron and print one row per step and layer: "
        "step, layer, loss, act_mean, act_std, saturated, delta_rms, grad_w_norm, grad_b_norm, "
        "grad_data, update_data (layers 1…L are the hidden ones, L+1 the output). Row t holds "
        "the values at the weights after t updates, with the gradient and the update:data of "
        "the update that step's gradient makes; the last step's update_data is empty. loss is "
        "on all the data; the rest on the step's batch. Defaults: penguin species from the four "
        "standardised measurements, 4 tanh layers of 16, nn.Linear's initialisation, gd lr 0.5.",
        add=_add_net,
        flags={name: flag for name, (flag, _) in NET_FLAGS.items()},
    ),
    "serve": Command(
        summary="serve the app to a web browser",
        description="Serve the app to a web browser through textual-serve (an optional extra: "
        "pip install 'tui-gradients[serve]'). Each browser tab runs its own copy of the app. Any "
        f"other flags are the app's own ('{PROG} --help'), or 'net --app' and the net command's "
        f"to serve a network. Bound to this machine unless --host "
        "says otherwise: from a remote box, forward the port with ssh -L. Only the server's "
        "own page may start an app.",
        add=_add_serve,
        epilog=None,
    ),
}
assert tuple(COMMAND_TABLE) == COMMANDS


@dataclass(frozen=True)
class CommandLine:
    """The one parser: the app's options, and the commands under it."""

    top: ArgumentParser
    commands: dict[str, ArgumentParser]

    def parser_for(self, command: str | None) -> ArgumentParser:
        return self.top if command is None else self.commands[command]


def command_line() -> CommandLine:
    top = ArgumentParser(
        prog=PROG,
        usage=f"%(prog)s [options]\n       %(prog)s {{{','.join(COMMANDS)}}} [options]",
        description=APP.description,
    )
    APP.add(top)
    group = top.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    commands = {}
    for name, command in COMMAND_TABLE.items():
        commands[name] = group.add_parser(
            name,
            prog=f"{PROG} {name}",
            help=command.summary,
            description=command.description,
            epilog=command.epilog,
        )
        command.add(commands[name])
    return CommandLine(top, commands)


# --- turning arguments into an experiment -------------------------------------------------------


def experiment_from(
    args: argparse.Namespace, opened: Experiment | None = None
) -> tuple[Experiment, Resume]:
    """Defaults (`opened`, the preferred ones, else the app's; or --load), then each typed flag
    applied as the app applies a field, in the schema's order (a preset first: it brings its
    own start and lr); and where a loaded export left the app."""
    base = opened or Experiment()
    loaded = load_export(args.load, page_count()) if args.load else (base, Resume())
    typed = {name: value for name, value in vars(args).items() if name in SETTINGS}
    return restore(typed, loaded[0]), loaded[1]


def parse(
    argv: Sequence[str], served: bool = False, opened: Experiment | None = None
) -> tuple[argparse.Namespace, Experiment]:
    """The command typed (`args.command`, None for the app), its arguments and the experiment
    they describe, with `args.resume` (a `Resume`) where a loaded export left the app; the app's
    flags apply over `opened` (the preferred settings, `preferences.experiment`). `serve`
    passes every other flag to the app in each tab: they are checked here, once (`served`),
    and kept as typed in `args.app_argv`. A refused setting is reported under the flag that set
    it, as typed."""
    line = command_line()
    args, extra = line.top.parse_known_args(argv)
    command: str | None = args.command
    parser = line.parser_for(command)
    if command not in (None, "net") and served:
        line.commands["serve"].error(f"unrecognized arguments: {command}")
    if command is not None and argv[0] != command:
        line.top.error(f"a command comes first, then its options: '{PROG} {command} [options]'")
    if command == "serve":
        app_args, experiment = parse(extra, served=True)
        args.app_argv, args.resume = extra, app_args.resume
        return args, experiment
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    described = COMMAND_TABLE[command] if command is not None else APP
    try:
        experiment, args.resume = experiment_from(args, opened if command is None else None)
        experiment.plane_run()  # refuses a start where f or its gradient is not finite
        experiment.chain_run()
        if command == "net":
            args.net = net_settings(args)
            network = args.net.network()  # the data read and checked here, as the flags are
            if args.weights:
                load_weights(args.weights, network.architecture)
            args.plane_axes = None
            if args.plane_weights:
                args.plane_axes = two_weights(args.plane_weights)
                for name in args.plane_axes:
                    weight_index(network.architecture, name)
            if served and not args.app:
                parser.error("serve runs the app: 'serve net --app [options]'")
    except SettingError as error:
        flag = _typed_flag(argv, error.name, described.flags, described.aliases)
        parser.error(f"argument {flag}: {error.message}")
    view: SavedView | None = args.resume.view
    if view is not None and (refused := usable(view.window, fitted(experiment))):
        parser.error(f"argument --load: resume.view.window: {refused}")
    return args, experiment


def fitted(experiment: Experiment) -> Window:
    """The surface's own view, which a saved one must stay within reach of (`view.usable`)."""
    plane = experiment.plane
    return fit_view(plane.objective, plane.start_point)


def _typed_flag(
    argv: Sequence[str], name: str, flags: dict[str, str], aliases: dict[str, str]
) -> str:
    """The flag that set `name` as it was typed (`--depth` or `--chain-depth`, `--optimiser`
    or `--optimizer`): the refusal names what the user wrote."""
    flag = flags.get(name, f"--{name.replace('_', '-')}")
    spellings = {flag, aliases.get(name, flag)}
    spellings.update(british(flag))
    typed = [word.split("=")[0] for word in argv if word.split("=")[0] in spellings]
    return typed[-1] if typed else flag


def _joined(argv: Sequence[str] | None) -> list[str] | None:
    """`--start -40,1.5` as `--start=-40,1.5`, for the options whose value may begin with a
    minus sign (`LEADING_MINUS_OPTIONS`)."""
    if argv is None:
        return None
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in LEADING_MINUS_OPTIONS:
            value = next(items, None)
            joined.append(item if value is None else f"{item}={value}")
        else:
            joined.append(item)
    return joined


def _folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text}")
    return path


def _rivals(text: str) -> tuple[Rival, ...]:
    try:
        return parse_rivals(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(error.message) from None

"""`tui-gradients serve`: the app in a web browser, each tab its own copy of the app."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

from tui_gradients.cli import APP_FLAGS, PROG, ArgumentParser, app_parser, build, whole_number

port = whole_number(1, 65535)


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
    build(app_parser(), app_argv, APP_FLAGS)  # refuse bad app flags here, not in every tab
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

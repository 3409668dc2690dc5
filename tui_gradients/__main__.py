"""`python -m tui_gradients` and the `tui-gradients` command."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence

from tui_gradients import COMMANDS
from tui_gradients.ui.tty import keys_kept_while_starting


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI, imported with the garbage collector paused. Importing numpy and the core builds
    modules, classes and functions that live as long as the process, so the collector's passes
    over them find nothing, yet cost about 15 ms of start-up (`cli.command_app` pauses it again
    while the app starts).

    A reader that stops early (`tui-gradients run | head`) ends the command with status 1 and
    no traceback, as Python's documentation of SIGPIPE advises. For the app, keys typed while
    it starts are kept from the first instant (`tty.keys_kept_while_starting`)."""
    words = sys.argv[1:] if argv is None else list(argv)
    app = not words or words[0] not in COMMANDS
    with keys_kept_while_starting() if app else contextlib.nullcontext() as terminal_settings:
        return _run(argv, terminal_settings)


def _run(argv: Sequence[str] | None, terminal_settings: list | None) -> int:
    gc.disable()
    try:
        from tui_gradients.cli import main as run_command
    finally:
        gc.enable()
    try:
        status = run_command(argv, terminal_settings)
        sys.stdout.flush()  # so that a closed pipe is found here, not at exit
    except BrokenPipeError:
        # Python flushes stdout once more at exit: to /dev/null, that cannot fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())

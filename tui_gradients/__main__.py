"""`python -m tui_gradients` and the `tui-gradients` command."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from tui_gradients import COMMANDS, PROG
from tui_gradients.ui.tty import keys_kept_while_starting


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI, imported with the garbage collector paused. Importing numpy and the core builds
    modules, classes and functions that live as long as the process, so the collector's passes
    over them find nothing, yet cost about 15 ms of start-up (`cli.command_app` pauses it again
    while the app starts).

    A headless command ends in one line, as shell tools do: a reader that stops early
    (`tui-gradients run | head`) ends it silently with the status a shell gives a pipe's writer
    killed by SIGPIPE; an output that cannot be written (a full disk) in one line with status 2;
    ctrl+c in one line with status 130. For the app, keys typed while it starts are kept from
    the first instant (`tty.keys_kept_while_starting`)."""
    words = sys.argv[1:] if argv is None else list(argv)
    app = not words or words[0] not in COMMANDS
    if app:
        with keys_kept_while_starting() as terminal_settings:
            return _run(argv, terminal_settings)
    try:
        return _run(argv, None)
    except BrokenPipeError:
        _silence_stdout()
        return PIPE_CLOSED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except OSError as error:  # the rows could not be written: stdout is all a command writes
        _silence_stdout()
        print(f"{PROG}: cannot write the output: {error.strerror or error}", file=sys.stderr)
        return 2


PIPE_CLOSED = 128 + 13
"""A shell's status for a writer that SIGPIPE ended (`yes | head` under pipefail)."""
INTERRUPTED = 128 + 2
"""A shell's status for a command that SIGINT ended."""


def _run(argv: Sequence[str] | None, terminal_settings: list | None) -> int:
    gc.disable()
    try:
        from tui_gradients.cli import main as run_command
    finally:
        gc.enable()
    status = run_command(argv, terminal_settings)
    sys.stdout.flush()  # so that a closed pipe or a full disk is found here, not at exit
    return status


def _silence_stdout() -> None:
    """Python flushes stdout once more at exit: into /dev/null, that cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m tui_gradients` and the `tui-gradients` command."""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI, imported with the garbage collector paused. Importing numpy and the core builds
    modules, classes and functions that live as long as the process, so the collector's passes
    over them find nothing, yet cost about 15 ms of start-up (`cli.command_app` pauses it again
    while the app starts)."""
    gc.disable()
    try:
        from tui_gradients.cli import main as run_command
    finally:
        gc.enable()
    return run_command(argv)


if __name__ == "__main__":
    raise SystemExit(main())

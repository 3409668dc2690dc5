"""The terminal from the process's first instant to Textual's: keys typed meanwhile stay keys."""

from __future__ import annotations

import contextlib
import sys
import termios
from collections.abc import Iterator


@contextlib.contextmanager
def keys_kept_while_starting() -> Iterator[list | None]:
    """Keys typed before the app's first frame stay keys. Until Textual takes the terminal
    (half a second and more), its line discipline holds them: ctrl+c becomes a SIGINT, which
    is lost where the app has no controlling terminal and a traceback where it has, and other
    keys wait for a newline. With canonical input, echo and signals off from here, they are
    bytes the app reads as keys. Yields the terminal's settings as found (None: not a
    terminal), for the app to put back as it leaves; put back here too, whatever happens.
    Stdlib alone: it runs before numpy and Textual load."""
    stdin = sys.stdin.fileno() if sys.stdin is not None and sys.stdin.isatty() else None
    try:
        found = termios.tcgetattr(stdin) if stdin is not None else None
    except termios.error:
        found = None
    if stdin is None or found is None:
        yield None
        return
    keys = [*found[:6], list(found[6])]
    keys[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG)
    keys[6][termios.VMIN], keys[6][termios.VTIME] = 1, 0
    termios.tcsetattr(stdin, termios.TCSANOW, keys)
    try:
        yield found
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(stdin, termios.TCSANOW, found)

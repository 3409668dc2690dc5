"""The terminal from the process's first instant to Textual's: keys typed meanwhile stay keys."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType

try:
    import termios
except ImportError:  # Windows: no line discipline to keep keys from
    termios = None  # type: ignore[assignment]  # the module is absent on Windows


@contextlib.contextmanager
def keys_kept_while_starting() -> Iterator[list | None]:
    """Keys typed before the app's first frame stay keys. Until Textual takes the terminal
    (half a second and more), its line discipline holds them: ctrl+c becomes a SIGINT, which
    is lost where the app has no controlling terminal and a traceback where it has, and other
    keys wait for a newline. With canonical input, echo and signals off from here, they are
    bytes the app reads as keys. Yields the terminal's settings as found (None: not a
    terminal), for the app to put back as it leaves; put back here too, whatever happens.
    Stdlib alone: it runs before numpy and Textual load."""
    found = _stdin_settings()
    if found is None:
        yield None
        return
    stdin = sys.stdin.fileno()
    keys = [*found[:6], list(found[6])]
    keys[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG)
    keys[6][termios.VMIN], keys[6][termios.VTIME] = 1, 0
    termios.tcsetattr(stdin, termios.TCSANOW, keys)

    def leave(signal_number: int, frame: FrameType | None) -> None:
        """SIGTERM or SIGHUP before the app has its own handlers (`GradientsApp.on_load`):
        leave at once, through the `finally` below, which gives the settings back."""
        raise SystemExit(0)

    handlers = {number: signal.signal(number, leave) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield found
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(stdin, termios.TCSANOW, found)
        for number, handler in handlers.items():
            signal.signal(number, handler)


def _stdin_settings() -> list | None:
    """The terminal's settings, if stdin is a terminal whose settings can be read. (Nothing
    here imports `typing`: this module runs before the collector is paused, and `typing` is a
    large import.)"""
    stream = sys.stdin
    if termios is None or stream is None or not stream.isatty():
        return None
    try:
        return termios.tcgetattr(stream.fileno())
    except termios.error:
        return None

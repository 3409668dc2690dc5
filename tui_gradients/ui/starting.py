"""Reading the command line while the terminal's keys wait for the app: a quit key is heard."""

from __future__ import annotations

import os
import select
import sys
import threading
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


WATCH_AFTER = 0.2
"""Seconds of reading the command line (a large `--data` file) after which its keys are
watched for a quit: below that, they wait for the app untouched."""
QUIT_BYTES = (b"q", b"\x03")


def read_while_keys_watched(read: Callable[[], T], settings: list | None) -> tuple[T, str]:
    """`read()`, the command line and the files it names, while a quit key ends the process:
    reading a 64 MB `--data` file takes seconds before the app can hear a key. It runs in a
    thread; past `WATCH_AFTER` the terminal's keys are read here, `q` or ctrl+c leaves at once
    (status 0, as in the app) and the printable keys typed meanwhile are returned, for the app
    to take as keys (other bytes, an arrow key's sequence, are dropped). Not a terminal
    (`settings` None): `read()` as it is."""
    if settings is None:
        return read(), ""
    outcome: list[Any] = []

    def reading() -> None:
        try:
            outcome.append((True, read()))
        except BaseException as error:  # argparse's exit too: raised again in the caller
            outcome.append((False, error))

    worker = threading.Thread(target=reading, name="read-arguments", daemon=True)
    worker.start()
    worker.join(WATCH_AFTER)
    typed = ""
    stdin = sys.stdin.fileno()
    while worker.is_alive():
        if select.select([stdin], [], [], 0.05)[0]:
            chunk = os.read(stdin, 1024)
            if not chunk or any(key in chunk for key in QUIT_BYTES):
                raise SystemExit(0)  # the reader is a daemon thread: it ends with the process
            typed += _printable(chunk)
    finished, value = outcome[0]
    if not finished:
        raise value
    return value, typed


def _printable(typed: bytes) -> str:
    """The keys in `typed` that are one printable character each, in order; escape sequences
    (ESC and what follows it in the same read) are dropped whole."""
    text = typed.decode("utf-8", "replace").split("\x1b", 1)[0]
    return "".join(character for character in text if character.isprintable())


def key_name(character: str) -> str:
    """Textual's name for the key that types `character`: itself for a letter or digit, else
    its Unicode name in lower case with underscores (`space`, `full_stop`)."""
    if character.isalnum():
        return character
    return unicodedata.name(character, character).lower().replace("-", "_").replace(" ", "_")

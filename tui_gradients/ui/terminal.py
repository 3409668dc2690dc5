"""The app's hold on its terminal, and how it lets go of it.

Two promises: the process ends when its terminal does, and once it has been asked to end (a
quit key, SIGTERM, SIGHUP, a lost terminal) it ends within `EXIT_DEADLINE`, whatever it was doing.

- `TerminalDriver` is Textual's Linux driver with an input thread that notices a lost terminal.
  Textual's own thread reads stdin in a loop that takes an empty read (end of file: stdin from
  /dev/null, or a pseudo-terminal closed without SIGHUP) as "nothing yet" and spins at full CPU
  for ever; a closed pseudo-terminal's read error kills the thread and leaves the app waiting.
  Here either one ends the app, and nothing is queued for a writer that has died.
- `Deadline` is armed by every way out. If the orderly exit has not ended the process in time
  (a thread inside numba's compiler, a writer blocked on a terminal nobody reads), it puts the
  terminal back itself and ends the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import termios
import threading
import time
from codecs import getincrementaldecoder
from typing import Any

from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

EXIT_DEADLINE = 0.3
"""Seconds from the request to leave to the end of the process at the latest: under the half
second a user (or a supervisor sending SIGTERM) may wait."""
RESTORE = (
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"  # mouse reporting off
    "\x1b[?2004l\x1b[?1004l"  # bracketed paste and focus reports off
    "\x1b[<u\x1b[?7h"  # kitty keyboard protocol off, line wrap on
    "\x1b[?1049l\x1b[?25h"  # main screen, cursor shown
)
"""What Textual writes as it leaves application mode, for a deadline to write in its place."""
QUIT_KEYS = ("q", "ctrl+c")


class Deadline:
    """Ends the process `seconds` after `arm`, unless it has ended by itself before."""

    def __init__(self, seconds: float = EXIT_DEADLINE, settings_at_start: Any = None) -> None:
        self.seconds = seconds
        self.settings_at_start = settings_at_start
        """The terminal's settings as the process found them, where it changed them before
        Textual took the terminal (`tty.keys_kept_while_starting`)."""
        self.terminal: tuple[int, int, Any] | None = None
        """What to put back: the descriptors the app writes to and reads from, and the input's
        settings before the app changed them."""
        self._armed = threading.Event()

    @property
    def armed(self) -> bool:
        return self._armed.is_set()

    def arm(self, status: int = 0) -> None:
        """Start counting (once; a second request does not move the deadline)."""
        if self._armed.is_set():
            return
        self._armed.set()
        threading.Thread(
            target=self._expire, args=(status,), name="exit-deadline", daemon=True
        ).start()

    def _expire(self, status: int) -> None:
        time.sleep(self.seconds)
        self.restore_terminal()
        os._exit(status)

    def restore_terminal(self) -> None:
        """Main screen, no mouse reporting, the terminal's own settings: written without waiting
        (a terminal that does not read must not hold the exit) and without caring whether the
        terminal is still there."""
        if self.terminal is None:
            return
        output, input_, settings = self.terminal
        with contextlib.suppress(OSError, termios.error):
            flags = fcntl.fcntl(output, fcntl.F_GETFL)
            fcntl.fcntl(output, fcntl.F_SETFL, flags | os.O_NONBLOCK)
            os.write(output, RESTORE.encode())
        with contextlib.suppress(OSError, termios.error):
            if settings is not None:
                termios.tcsetattr(input_, termios.TCSANOW, settings)


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver that ends the app when its terminal goes away."""

    @property
    def deadline(self) -> Deadline | None:
        """The app's (`GradientsApp.deadline`): armed as the terminal is lost."""
        return getattr(self._app, "deadline", None)

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if self.deadline is not None:
            if self.deadline.settings_at_start is not None:  # what to put back as it leaves
                self.attrs_before = self.deadline.settings_at_start
            output = self._file.fileno() if self._file is not None else self.fileno
            self.deadline.terminal = (output, self.fileno, self.attrs_before)

    def write(self, data: str) -> None:
        """Nothing is queued once the writer thread has died (a write to a closed terminal
        fails and ends it): no one would ever take it, and a full queue would block."""
        writer = self._writer_thread
        if writer is None or writer.is_alive():
            super().write(data)

    def run_input_thread(self) -> None:
        """Textual's loop (read what is there, parse it into events, let the parser time out
        a lone escape), except that an empty or failed read means the terminal has gone."""
        selector = selectors.SelectSelector()  # epoll refuses /dev/null
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        try:
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(self.fileno, 4096)
                    except OSError:
                        data = b""
                    if not data:
                        self._lose_terminal()
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()

    def process_message(self, message: Message) -> None:
        """A quit key once the app is already leaving (a crash report being built holds its
        event loop, which takes no more keys): the deadline ends the process."""
        deadline, status = self.deadline, self._app.return_code
        quit_key = isinstance(message, events.Key) and message.key in QUIT_KEYS
        if quit_key and status is not None and deadline is not None:
            deadline.arm(status)
        super().process_message(message)

    def _lose_terminal(self) -> None:
        if self.deadline is not None:
            self.deadline.arm()
        with contextlib.suppress(RuntimeError):  # the loop has closed: the app has ended
            self._loop.call_soon_threadsafe(self._app.exit)  # the event loop Textual gave us

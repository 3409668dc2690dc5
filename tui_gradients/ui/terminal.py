"""The app's hold on its terminal, and how it lets go of it.

Two promises: the process ends when its terminal does, and once it has been asked to end (a
quit key, SIGTERM, SIGHUP, a lost terminal) it ends within `EXIT_DEADLINE`, whatever it was doing.

- `TerminalDriver` is Textual's Linux driver with a watcher that notices a lost terminal.
  Textual's own input thread takes an empty read (end of file: stdin from /dev/null, or a
  pseudo-terminal closed without SIGHUP) as "nothing yet" and spins at full CPU for ever, and a
  closed pseudo-terminal's read error ends that thread and leaves the app waiting (upstream:
  docs/upstream.md). The watcher polls the input for a hang-up or its end, beside Textual's
  thread and without reading from it; either one ends the app, and nothing more is queued for
  a terminal that is gone. It uses the driver's public face only (its constructor, `fileno`,
  `attrs_before`, `exit_event` and the methods it overrides), so no Textual version is pinned
  for it.
- `Deadline` is armed by every way out. If the orderly exit has not ended the process in time
  (a thread inside numba's compiler, a writer blocked on a terminal nobody reads), it puts the
  terminal back itself and ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import select
import stat
import sys
import termios
import threading
import time
from typing import Any

from textual import events
from textual.app import App
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

    def __init__(self, app: App[Any], **options: Any) -> None:
        super().__init__(app, **options)
        self.owner = app
        self.loop = asyncio.get_running_loop()
        """The app's event loop, where the watcher's request to leave is run."""
        self.terminal_lost = threading.Event()
        self._moves = threading.Lock()
        self._pending_move: events.MouseMove | None = None
        """The latest pointer move not yet sent: a flood of them (a mouse swept across a
        large terminal) reaches the app as the moves it can take, the last one always."""

    @property
    def deadline(self) -> Deadline | None:
        """The app's (`GradientsApp.deadline`): armed as the terminal is lost."""
        return getattr(self.owner, "deadline", None)

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if self.deadline is not None:
            if self.deadline.settings_at_start is not None:  # what to put back as it leaves
                self.attrs_before = self.deadline.settings_at_start
            output = sys.__stderr__.fileno() if sys.__stderr__ is not None else self.fileno
            self.deadline.terminal = (output, self.fileno, self.attrs_before)
        threading.Thread(target=self.watch_terminal, name="terminal-watch", daemon=True).start()

    def write(self, data: str) -> None:
        """Nothing is queued once the terminal has hung up: its writer would never take it, and a
        full queue would block."""
        if not self.terminal_lost.is_set():
            super().write(data)

    def watch_terminal(self) -> None:
        """Until the app leaves: a hang-up or error on the input (a closed pseudo-terminal, a
        pipe whose writer has gone), or an input with nothing left to read (a file, /dev/null),
        loses the terminal. Polled for those states only, so no key is taken from Textual."""
        poller = select.poll()
        poller.register(self.fileno, 0)  # hang-up, error and a closed descriptor always report
        while not self.exit_event.is_set():
            hung_up = bool(poller.poll(100))
            if hung_up or input_at_its_end(self.fileno):
                self.lose_terminal(output_gone=hung_up)
                return

    def process_message(self, message: Message) -> None:
        """A quit key once the app is already leaving (a crash report being built holds its
        event loop, which takes no more keys): the deadline ends the process. Pointer moves
        coalesce: one is sent when the app's loop next runs, the latest of those that came
        meanwhile, and any other event first sends the move before it, so order holds."""
        if isinstance(message, events.MouseMove):
            with self._moves:
                first, self._pending_move = self._pending_move is None, message
            if first:
                with contextlib.suppress(RuntimeError):  # the loop has closed
                    self.loop.call_soon_threadsafe(self._send_pending_move)
            return
        self._send_pending_move()
        deadline, status = self.deadline, self.owner.return_code
        quit_key = isinstance(message, events.Key) and message.key in QUIT_KEYS
        if quit_key and status is not None and deadline is not None:
            deadline.arm(status)
        super().process_message(message)

    def _send_pending_move(self) -> None:
        with self._moves:
            move, self._pending_move = self._pending_move, None
        if move is not None:
            super().process_message(move)

    def lose_terminal(self, output_gone: bool) -> None:
        """Ask the app to leave, under the deadline; write no more to a terminal that hung up
        (an input at its end leaves the output to be put back as ever)."""
        if output_gone:
            self.terminal_lost.set()
        if self.deadline is not None:
            self.deadline.arm()
        with contextlib.suppress(RuntimeError):  # the loop has closed: the app has ended
            self.loop.call_soon_threadsafe(self.owner.exit)


def input_at_its_end(fd: int) -> bool:
    """Whether an input that is no terminal has nothing more to give: /dev/null and other
    devices that are not terminals at once, a file once it has been read to its end."""
    try:
        found = os.fstat(fd)
        if stat.S_ISCHR(found.st_mode):
            return not os.isatty(fd)
        return stat.S_ISREG(found.st_mode) and os.lseek(fd, 0, os.SEEK_CUR) >= found.st_size
    except OSError:
        return True

"""The process ends when its terminal does, and ends promptly when asked, whatever it is doing.

Each test starts the real command on a pseudo-terminal of its own, in a session of its own
(`start_new_session`: closing the terminal sends no SIGHUP, as with a dropped connection whose
shell does not pass the hang-up on), then takes the terminal away or asks the app to leave, and
counts the processes still alive a few seconds later. Nothing here times the app: a survivor
after `GRACE` seconds is a process that would have lived on.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time

import pytest
from textual.app import App
from textual.events import Key

pytestmark = pytest.mark.terminal  # real terminals and processes, timed by the clock

GRACE = 5.0
"""Seconds after which a process still alive counts as one that outlived its terminal."""
STATES = {
    "idle": b"",
    "playing": b"p++",  # play, at a higher rate
    "jumping": b"1000000n",  # a million steps: a thread, loading numba, a progress line
}


class Session:
    """The app on a pseudo-terminal: its process and the terminal's master side."""

    def __init__(self, tmp_path, stdin_at_eof: bool = False, args: tuple[str, ...] = ()) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_gradients", *args],
            stdin=subprocess.DEVNULL if stdin_at_eof else slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env={**env, "TERM": "xterm-256color", "LANG": "C.UTF-8"},
            cwd=tmp_path,
        )
        os.close(slave)
        self.master: int | None = master
        self.output = b""

    def read(self, seconds: float) -> bytes:
        """What the app writes in the next `seconds` (less if the terminal closes)."""
        got, deadline = b"", time.monotonic() + seconds
        while self.master is not None and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
        self.output += got
        return got

    def wait_for_first_frame(self) -> None:
        deadline = time.monotonic() + 30
        while b"step" not in self.output:
            assert time.monotonic() < deadline, self.output[-2000:]
            self.read(0.2)
        while self.read(0.3):  # until the screen is quiet
            pass

    def wait_for_keys_kept(self) -> None:
        """Until the app's first instant has turned the line discipline's canonical input off
        (`tty.keys_kept_while_starting`): from then on a ctrl+c is a key, while Textual is
        still loading."""
        assert self.master is not None
        deadline = time.monotonic() + 30
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "the terminal's settings never changed"
            self.read(0.01)

    def enter(self, state: bytes) -> None:
        if state:
            self.type(state)
            self.read(0.6)

    def type(self, keys: bytes) -> None:
        assert self.master is not None
        os.write(self.master, keys)

    def close_terminal(self) -> None:
        assert self.master is not None
        os.close(self.master)
        self.master = None

    def survived(self) -> bool:
        """Still alive `GRACE` seconds from now (then killed, so that nothing is left)."""
        try:
            self.process.wait(timeout=GRACE)
            return False
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return True

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.master is not None:
            os.close(self.master)


@pytest.fixture
def start(tmp_path):
    sessions: list[Session] = []

    def launch(**options) -> Session:
        session = Session(tmp_path, **options)
        sessions.append(session)
        return session

    yield launch
    for session in sessions:
        session.close()


def restored(output: bytes) -> bool:
    """The terminal was given back: main screen after the last switch to the alternate one,
    and mouse reporting turned off (or never taken: a signal before the app had started)."""
    return output.rfind(b"\x1b[?1049l") >= output.rfind(b"\x1b[?1049h") and (
        output.rfind(b"\x1b[?1000l") >= output.rfind(b"\x1b[?1000h")
    )


def shown(output: bytes) -> bytes:
    """The text the app wrote, its styles and cursor moves taken out."""
    return re.sub(rb"\x1b\[[0-9;?<>$]*[A-Za-z]", b"", output)


@pytest.mark.parametrize("state", STATES)
def test_a_closed_terminal_without_hangup_ends_the_process(start, state):
    survivors = 0
    for _ in range(2):
        session = start()
        session.wait_for_first_frame()
        session.enter(STATES[state])
        session.close_terminal()
        survivors += session.survived()
    assert survivors == 0


def test_stdin_at_its_end_ends_the_app_cleanly(start):
    """`tui-gradients < /dev/null`: no keys can ever come, so the app leaves (Textual's own
    input thread would spin on the empty read at full CPU for ever) without a traceback."""
    for _ in range(2):
        session = start(stdin_at_eof=True)
        session.read(GRACE)  # until the app closes its end of the terminal
        assert not session.survived()
        assert session.process.returncode == 0
        assert b"step" in session.output  # its first frame was drawn, then it left
        assert b"Traceback" not in session.output and b"Error" not in session.output
        assert restored(session.output)


@pytest.mark.parametrize("state", ["playing", "jumping"])
@pytest.mark.parametrize(
    "leave",
    [b"q", b"\x03", signal.SIGTERM, signal.SIGHUP],
    ids=["q", "ctrl+c", "SIGTERM", "SIGHUP"],
)
def test_every_way_out_ends_the_app_and_gives_the_terminal_back(start, state, leave):
    session = start()
    session.enter(STATES[state])
    if isinstance(leave, bytes):
        session.type(leave)
    else:
        session.process.send_signal(leave)
    session.read(1.0)
    assert not session.survived()
    assert session.process.returncode == 0
    assert restored(session.output)


DEADLINE_PROGRAM = textwrap.dedent(
    """
    import os, sys, termios, threading, time
    from tui_gradients.ui.terminal import Deadline

    deadline = Deadline(0.2)
    fd = sys.stdout.fileno()
    deadline.terminal = (fd, fd, termios.tcgetattr(fd))
    os.write(fd, b"\\x1b[?1049h\\x1b[?1000h")  # as the app starts: alternate screen, mouse
    deadline.arm(status=3)
    threading.Thread(target=time.sleep, args=(60,)).start()  # a thread nobody can stop
    while True:  # and a main thread that never returns to an event loop
        sum(range(1000))
    """
)


def test_the_deadline_ends_a_process_that_will_not_end_and_gives_the_terminal_back():
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", DEADLINE_PROGRAM], stdout=slave, stdin=slave, start_new_session=True
    )
    os.close(slave)
    output = b""
    try:
        while select.select([master], [], [], GRACE)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=GRACE) == 3
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert restored(output)


class _LeavingApp(App):
    """An app that says it is already on its way out, and notes the keys that reach it."""

    def __init__(self, return_code: int | None) -> None:
        super().__init__()
        self.leaving_with = return_code
        self.deadline = _Deadline()
        self.keys: list[str] = []
        self.two_keys = asyncio.Event()

    @property
    def return_code(self) -> int | None:
        return self.leaving_with

    def on_key(self, event: Key) -> None:
        self.keys.append(event.key)
        if len(self.keys) == 2:
            self.two_keys.set()


class _Deadline:
    def __init__(self) -> None:
        self.armed_with: int | None = None

    def arm(self, status: int = 0) -> None:
        self.armed_with = status


@pytest.mark.parametrize("return_code", [None, 1])
async def test_a_quit_key_while_the_app_is_leaving_starts_the_deadline(return_code):
    """A crash report holds the event loop: the keys still reach the driver, which ends the
    process on a quit key instead of waiting for the report."""
    from tui_gradients.ui.terminal import TerminalDriver

    app = _LeavingApp(return_code)
    async with app.run_test():
        driver = TerminalDriver(app)
        driver.process_message(Key("x", "x"))
        assert app.deadline.armed_with is None
        driver.process_message(Key("ctrl+c", None))
        assert app.deadline.armed_with == return_code  # only once it is leaving
        await asyncio.wait_for(app.two_keys.wait(), 5)  # the keys go on to the app as ever
    assert app.keys == ["x", "ctrl+c"]


def test_ctrl_c_typed_while_the_app_starts_ends_it(start):
    """Before Textual takes the terminal, its line discipline would turn ctrl+c into a signal
    for a foreground group that is not there (the key lost, the app living on) and hold other
    keys for a newline: the app keeps them as keys from the interpreter's first instant (a key
    typed before the process runs at all is the terminal's), and puts the terminal's settings
    back as it found them."""
    session = start()
    assert session.master is not None
    found = termios.tcgetattr(session.master)
    session.wait_for_keys_kept()
    session.type(b"\x03")
    session.read(1.0)
    assert not session.survived()
    assert session.process.returncode == 0
    assert restored(session.output)
    assert termios.tcgetattr(session.master)[3] == found[3]  # canonical input and echo again


class _CountingApp(App):
    """Notes the pointer moves and keys that reach it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[object] = []
        self.key_seen = asyncio.Event()

    def on_mouse_move(self, event) -> None:
        self.seen.append((event.screen_x, event.screen_y))

    def on_key(self, event: Key) -> None:
        self.seen.append(event.key)
        self.key_seen.set()


async def test_a_flood_of_pointer_moves_reaches_the_app_coalesced_and_in_order():
    """10 000 moves (a mouse swept over a large terminal) then a key: the app gets a handful of
    moves, the last one among them, then the key (each move handled once delayed the key by
    seconds)."""
    import threading

    from textual.events import MouseMove

    from tui_gradients.ui.terminal import TerminalDriver

    app = _CountingApp()
    async with app.run_test():
        driver = TerminalDriver(app)

        def sweep() -> None:  # as the driver's input thread sends them
            for i in range(10_000):
                x, y = i % 70, i % 20
                move = MouseMove(None, x, y, 0, 0, 0, False, False, False, screen_x=x, screen_y=y)
                driver.process_message(move)
            driver.process_message(Key("n", "n"))

        thread = threading.Thread(target=sweep)
        thread.start()
        await asyncio.wait_for(app.key_seen.wait(), 30)
        thread.join()
    moves = [item for item in app.seen if item != "n"]
    assert app.seen[-1] == "n" and app.seen[-2] == (9_999 % 70, 9_999 % 20)
    assert len(moves) < 1000


@pytest.fixture
def large_data(tmp_path):
    """A CSV that takes the command line a second or more to read (two million rows)."""
    path = tmp_path / "large.csv"
    path.write_bytes(b"x,y\n" + b"1.25,2.5\n0.5,-1.75\n" * 1_000_000)
    return path


def test_a_quit_key_while_a_large_file_is_read_ends_the_process_before_the_app_starts(
    start, large_data
):
    """The file is read before the app can hear a key: `q` typed meanwhile ends the process
    there, so the app's screen is never drawn, and the terminal is given back as found."""
    session = start(args=("--data", str(large_data)))
    assert session.master is not None
    found = termios.tcgetattr(session.master)
    session.wait_for_keys_kept()
    session.read(0.4)  # past the moment keys are watched, still reading the file
    session.type(b"q")
    assert not session.survived()
    assert session.process.returncode == 0
    session.read(1.0)  # all it wrote
    assert b"\x1b[?1049h" not in session.output  # it never reached the app's screen
    assert termios.tcgetattr(session.master)[3] == found[3]


def test_keys_typed_while_a_large_file_is_read_are_taken_by_the_app(start, large_data):
    """Keys typed while the file is read are read there, to hear a quit key: the others are
    handed to the app, which takes them once its first frame is out."""
    session = start(args=("--data", str(large_data)))
    session.wait_for_keys_kept()
    session.read(0.4)
    session.type(b"7n")
    session.wait_for_first_frame()
    assert b"\x1b[?1049h" in session.output
    session.type(b"q")
    assert not session.survived()
    assert re.search(rb"step +7 ", shown(session.output))  # the count, then the step key


def test_a_count_typed_during_a_flood_of_resizes_at_start_is_taken_whole(start):
    """Hundreds of SIGWINCH while the app starts, sizes from too small to large, a count
    and its step key typed in the middle: the step taken is the count typed."""
    session = start()
    assert session.master is not None
    session.wait_for_keys_kept()
    for index in range(300):
        rows, columns = ((5, 20), (24, 80), (48, 160), (12, 60))[index % 4]
        fcntl.ioctl(session.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.killpg(session.process.pid, signal.SIGWINCH)
        if index == 150:
            session.type(b"7n")
        session.read(0.002)
    fcntl.ioctl(session.master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    os.killpg(session.process.pid, signal.SIGWINCH)
    session.wait_for_first_frame()
    session.type(b"q")
    assert not session.survived()
    session.read(1.0)
    assert re.search(rb"step +7 ", shown(session.output))

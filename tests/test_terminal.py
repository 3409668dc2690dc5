"""The app for real, in tmux over a pseudo-terminal: what headless tests cannot see.

Each test starts `python -m tui_gradients` in a private tmux server, types with send-keys, reads
the screen with capture-pane, and after exit asks tmux whether the terminal was left in its
normal state (main screen, no mouse reporting).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.terminal,  # a real terminal (tmux), timed by the clock
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]

BRAILLE = re.compile("[\u2800-\u28ff]")
PALETTE = re.compile(r"[34]8;5;(\d+)")
RGB = re.compile(r"[34]8;2;(\d+);(\d+);(\d+)")
GREYS = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}
"""The 256-colour indices whose red, green and blue are equal."""


class Pane:
    def __init__(self, tmp_path: Path, env: dict[str, str], size=(100, 30)) -> None:
        self.socket = f"tuigrad-{uuid.uuid4().hex[:8]}"
        # COLUMNS and LINES (pytest-xdist's workers set them) would override the pane's size
        inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        environ = {**inherited, **env}
        # set in the command itself: tmux gives every pane its own TERM, whatever -e says
        assignments = " ".join(shlex.quote(f"{key}={value}") for key, value in env.items())
        program = f"{sys.executable} -m tui_gradients"
        command = f"cd {shlex.quote(str(tmp_path))} && exec env {assignments} {program}"
        size_args = ["-x", str(size[0]), "-y", str(size[1])]
        # remain-on-exit is set in the same command, so a fast exit still leaves the pane to read
        self._tmux(
            *("-f", "/dev/null", "new-session", "-d", *size_args),
            *("sh", "-c", command, ";", "set-option", "-g", "remain-on-exit", "on"),
            env=environ,
        )

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=20,
        )
        return done.stdout

    def screen(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []))

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def flag(self, name: str) -> str:
        return self._tmux("display-message", "-p", f"#{{{name}}}").strip()

    def wait_for(self, predicate, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out; the screen was:\n{self.screen()}")

    def wait_dead(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.flag("pane_dead") != "1":
            assert time.monotonic() < deadline, self.screen()
            time.sleep(0.1)

    def wait_flag(self, name: str, timeout: float) -> str:
        """A format variable once tmux has set it (or '' after `timeout`).

        An exited process's status arrives when tmux reaps it, on SIGCHLD. tmux built with
        libutempter (Debian's) misses the SIGCHLD of a child that exits while utempter's own
        handler is in, as it is when the pane's pty closes; the process then stays a zombie
        (tmux/tmux#311). The maintainer's remedy is to send tmux a SIGCHLD, so each wait does.
        """
        server = int(self.flag("pid"))
        deadline = time.monotonic() + timeout
        while not (value := self.flag(name)) and time.monotonic() < deadline:
            os.kill(server, signal.SIGCHLD)
            time.sleep(0.05)
        return value

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def pane_factory(tmp_path):
    panes: list[Pane] = []

    def start(env: dict[str, str] | None = None, size=(100, 30)) -> Pane:
        pane = Pane(tmp_path, {"LANG": "C.UTF-8", "TERM": "xterm-256color", **(env or {})}, size)
        panes.append(pane)
        return pane

    yield start
    for pane in panes:
        pane.close()


def _left_clean(pane: Pane) -> None:
    pid = pane.flag("pane_pid")
    pane.wait_dead()
    status = pane.wait_flag("pane_dead_status", timeout=20)
    process = subprocess.run(["ps", "-o", "stat=", "-p", pid], capture_output=True, text=True)
    state = process.stdout.strip() or "gone"
    dead_signal = pane.flag("pane_dead_signal")
    assert status == "0", f"{status=}, {state=}, {dead_signal=}\n{pane.screen()}"
    assert pane.flag("alternate_on") == "0"
    assert pane.flag("mouse_any_flag") == "0"


def test_steps_in_a_real_terminal_and_quits_cleanly(pane_factory):
    pane = pane_factory()
    pane.wait_for(lambda s: "step      0" in s)
    pane.keys("n")
    screen = pane.wait_for(lambda s: "step      1" in s)
    assert "-39.96, 0" in screen  # w2 solved in one step
    assert BRAILLE.search(screen)  # braille contours
    pane.keys("q")
    _left_clean(pane)


@pytest.mark.parametrize(
    "env",
    [{"TERM": "xterm"}, {"TERM": "vt100"}, {"NO_COLOR": "1"}, {"LANG": "C"}, {"TERM": "dumb"}],
    ids=["16-colours", "vt100", "no-color", "lang-c", "dumb"],
)
def test_readable_in_poor_terminals(pane_factory, env):
    pane = pane_factory(env)
    pane.wait_for(lambda s: "step      0" in s)
    pane.keys("n")
    screen = pane.wait_for(lambda s: "step      1" in s)
    if env.get("LANG") == "C" or env.get("TERM") in ("vt100", "dumb"):
        assert not BRAILLE.search(screen) and "@" in screen  # ASCII by itself
        assert "|grad f|" in screen
    if "NO_COLOR" in env:  # Textual renders NO_COLOR as greys: no hue anywhere
        escaped = pane.screen(escapes=True)
        assert {int(n) for n in PALETTE.findall(escaped)} <= GREYS
        assert all(r == g == b for r, g, b in RGB.findall(escaped))
    pane.keys("q")
    _left_clean(pane)


def test_ctrl_c_leaves_the_terminal_clean(pane_factory):
    pane = pane_factory()
    pane.wait_for(lambda s: "step      0" in s)
    pane.keys("C-c")
    _left_clean(pane)


def test_hangup_of_the_session_leaves_the_terminal_clean(pane_factory):
    pane = pane_factory()
    pane.wait_for(lambda s: "step      0" in s)
    os.kill(int(pane.flag("pane_pid")), 1)  # SIGHUP, as when an SSH connection drops
    _left_clean(pane)


def test_too_small_then_enlarged(pane_factory):
    pane = pane_factory(size=(50, 15))
    pane.wait_for(lambda s: "terminal too small: need 72x20" in s)
    pane._tmux("resize-window", "-x", "100", "-y", "30")
    pane.wait_for(lambda s: "step      0" in s)
    pane.keys("q")
    _left_clean(pane)


def test_a_mouse_click_in_a_real_terminal_reaches_the_plot(pane_factory):
    """tmux passes the terminal's mouse report (SGR: button 0 pressed, then released, at
    column 30, row 10) to the app, which has asked for mouse reporting."""
    pane = pane_factory()
    pane.wait_for(lambda s: "step      0" in s)
    assert pane.flag("mouse_any_flag") == "1" or pane.flag("mouse_all_flag") == "1"
    pane.keys("-l", "\x1b[<0;30;10M\x1b[<0;30;10m")
    screen = pane.wait_for(lambda s: "start set by a click" in s)
    assert "step      0" in screen
    pane.keys("q")
    _left_clean(pane)

"""What a user feels, measured: `python -m tui_gradients.bench` prints a table.

The app runs for real in a pseudo-terminal that answers Textual's query for synchronized
output, so every frame ends with ESC[?2026l and can be timed to the byte. Each figure is a
median over repeated runs with its min and max (the machine's noise), next to a baseline
measured in the same run:

- start-up: a bare Textual app (one Static) in the same pseudo-terminal;
- frames: the same app with the plot's cache defeated (contours rebuilt and everything replotted
  on every key), the naive path;
- fast-forward: a plain per-step Python loop over floats.

Fast-forward goes through the compiled loops (numba) when they are installed; without numba the
same rows time the Python loop in `run.py`.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
import math
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import tui_gradients
from tui_gradients.allocation import keep_freed_memory
from tui_gradients.bench_timing import seconds

if TYPE_CHECKING:
    from tui_gradients.core.objectives.expression import Expression

SOURCE = Path(__file__).resolve().parents[1]
"""Where the package lies: the child processes import it from here, installed or not."""
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
FRAME_END = b"\x1b[?2026l"


class Terminal:
    """A pseudo-terminal of a given size running the app (or its naive twin)."""

    def __init__(self, size: tuple[int, int], args: Sequence[str], mode: str = "--child") -> None:
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the app
            # an environment of its own: COLUMNS and LINES override the pty's size, and a
            # library may have put them in the process's environment behind os.environ's back
            # (under pytest the app saw 80x24 with both popped from os.environ)
            env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
            paths = [str(SOURCE), *filter(None, [env.get("PYTHONPATH")])]
            env.update(LANG="C.UTF-8", TERM="xterm-256color", PYTHONPATH=os.pathsep.join(paths))
            argv = [sys.executable, "-m", "tui_gradients.bench", mode, *args]
            os.execve(sys.executable, argv, env)
        columns, rows = size
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.pending = b""

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        if SYNC_QUERY in data:
            os.write(self.fd, SYNC_SUPPORTED)
        return data

    def next_frame(self, timeout: float = 30.0) -> tuple[float, int]:
        """Wait for the end of the next frame: (time it ended, bytes read until then)."""
        deadline = time.perf_counter() + timeout
        received = 0
        while time.perf_counter() < deadline:
            data = self._read(0.5)
            received += len(data)
            self.pending += data
            if FRAME_END in self.pending:
                self.pending = self.pending.split(FRAME_END, 1)[1]
                return time.perf_counter(), received
        raise TimeoutError("no frame")

    def pending_frame(self, timeout: float) -> bool:
        """Whether a frame ended within `timeout` seconds."""
        data = self._read(timeout)
        self.pending += data
        if FRAME_END in self.pending:
            self.pending = self.pending.split(FRAME_END, 1)[1]
            return True
        return False

    def last_frame(self, quiet: float) -> float:
        """Read until nothing has arrived for `quiet` seconds: when the last frame ended."""
        ended = time.perf_counter()
        while data := self._read(quiet):
            self.pending += data
            if FRAME_END in self.pending:
                self.pending = self.pending.rsplit(FRAME_END, 1)[1]
                ended = time.perf_counter()
        return ended

    def frame_with(self, *texts: bytes, timeout: float = 60.0) -> float:
        """When the frame ended by which every one of `texts` has been written (a long jump
        shows its progress in frames of its own before the frame with its result)."""
        return self.frames_until(*texts, timeout=timeout)[-1]

    def frames_until(self, *texts: bytes, timeout: float = 60.0) -> list[float]:
        """When each frame ended, up to the one by which every one of `texts` has been
        written, each in some frame (the app draws its settings panel and trends in frames
        after its first)."""
        deadline = time.perf_counter() + timeout
        missing, ends = set(texts), []
        while time.perf_counter() < deadline:
            self.pending += self._read(0.5)
            while FRAME_END in self.pending:
                frame, self.pending = self.pending.split(FRAME_END, 1)
                ends.append(time.perf_counter())
                missing = {text for text in missing if text not in frame}
                if not missing:
                    return ends
        raise TimeoutError(f"no frame with {missing!r}")

    def settle(self, quiet: float = 0.3) -> None:
        """Read until nothing has arrived for `quiet` seconds."""
        while self._read(quiet):
            pass
        self.pending = b""

    def press(self, key: bytes) -> tuple[float, int]:
        """Seconds from writing the key to the end of the frame that shows its step, and every
        byte the key caused (that frame and any that follow it, such as the trend lines)."""
        self.settle()
        sent = time.perf_counter()
        os.write(self.fd, key)
        ended, received = self.next_frame()
        while data := self._read(0.3):
            received += len(data)
        return ended - sent, received

    def close(self) -> float:
        """Quit with `q`; the seconds until the process has ended (inf if it had not in 5 s)."""
        self.settle()
        sent = time.perf_counter()
        os.write(self.fd, b"q")
        ended = math.inf
        while time.perf_counter() < sent + 5:
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                ended = time.perf_counter()
                break
            self._read(0.002)
        os.close(self.fd)
        return ended - sent


# --- measurements -------------------------------------------------------------------------------


def compile_bytecode() -> None:
    """Byte-compile the app's modules first, as `pip install` does and as an editable copy does
    on its first start. With PYTHONDONTWRITEBYTECODE set (as on the machine this was written
    on) they would be compiled afresh on every start, 40-50 ms no user pays; Textual, numpy and
    plotext come compiled from their wheels."""
    compileall.compile_dir(Path(tui_gradients.__file__).parent, quiet=1)


RACE_OF_SIX = "adagrad,adagrad:5,adam:0.1,momentum,rmsprop"
"""Five rivals beside the main run."""
COMPLETE = (b"Chain network", b"chain cost C")
"""Written once the app's screen is complete: the settings panel's last section and the trend
lines' title, each drawn in a frame after the first."""


def startup(runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds from process start to the end of the first frame and of the first complete
    frame (`COMPLETE`) for the app, and to the first frame of a bare Textual app with one
    Static (`--bare-child`, the floor any Textual app starts from on this machine, complete in
    its first frame). They start in turn, so that all meet the same moments of a shared
    machine whose speed drifts: the baseline's median has ranged from 256 to 394 ms between
    runs (until 2026-12-02 it imported numpy too, 80-100 ms of it)."""
    first, complete, bare = [], [], []
    for _ in range(runs):
        bare.append(_first_frame("--bare-child"))
        terminal = Terminal((160, 48), [], "--child")
        ends = terminal.frames_until(*COMPLETE)
        first.append(ends[0] - terminal.started)
        complete.append(ends[-1] - terminal.started)
        terminal.close()
    return first, complete, bare


def data_startup(runs: int, rows: int = 100_000) -> dict[str, list[float]]:
    """Seconds to the first frame with a CSV file of `rows` samples to read and fit (least
    squares, and logistic on a 0/1 column), against the app on the bowl and a bare Textual
    app, all started in turn."""
    import numpy as np  # here, not at the top: the bare app's child imports this module

    rng = np.random.default_rng(0)
    x = rng.normal(200.0, 14.0, rows)
    y = 50.0 * x - 5800.0 + rng.normal(0.0, 400.0, rows)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as file:
        file.write("x,y,heavy\n")
        file.writelines(
            f"{a!r},{b!r},{int(b > 4200)}\n" for a, b in zip(x.tolist(), y.tolist(), strict=True)
        )
    kinds = {
        "bare": ("--bare-child", []),
        "bowl": ("--child", []),
        "linear": ("--child", ["--data", file.name, "--x", "x", "--y", "y"]),
        "logistic": ("--child", ["--data", file.name, "--y", "heavy", "--model", "logistic"]),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    try:
        for _ in range(runs):
            for kind, (mode, args) in kinds.items():
                times[kind].append(_first_frame(mode, args))
    finally:
        os.unlink(file.name)
    return times


def _first_frame(mode: str, args: Sequence[str] = ()) -> float:
    terminal = Terminal((160, 48), args, mode)
    ended, _ = terminal.next_frame()
    terminal.close()
    return ended - terminal.started


def held_key(size: tuple[int, int], rate: float = 30.0, seconds: float = 2.0):
    """A step key held down (auto-repeat at `rate` per second): frames per key, and how long
    after the last key the screen is current (its frame, the last one, has ended)."""
    terminal = Terminal(size, [])
    terminal.next_frame(timeout=120)
    terminal.settle()
    presses = int(rate * seconds)
    start = time.perf_counter()
    frames, last_frame = 0, start
    for index in range(presses):
        os.write(terminal.fd, b"n")
        sent = time.perf_counter()
        due = start + (index + 1) / rate
        while (left := due - time.perf_counter()) > 0:
            if terminal.pending_frame(left):
                frames, last_frame = frames + 1, time.perf_counter()
    while terminal.pending_frame(0.3):
        frames, last_frame = frames + 1, time.perf_counter()
    terminal.close()
    return frames / presses, last_frame - sent


def jump(
    size: tuple[int, int], steps: int, runs: int, numba: bool = True
) -> tuple[list[float], list[float]]:
    """Seconds from the step key to the frame that shows a jump of `steps` steps typed as a
    count (gd, lr 0.002, so the 2-D run does not converge on the way), and to the last frame
    it causes: the 2-D run is drawn first, and the depth-8 chain's table once it has caught up.
    With numba installed, its loops are loaded first by one long jump, as a user's first long
    jump does (from the caches this process fills); `r` then resets. `numba=False` runs the app
    as if numba were not installed."""
    from tui_gradients.core import fast

    if numba and fast.warm_up():
        fast.specialise(_expression("quadratic"), "gd")
    mode = "--child" if numba else "--no-numba-child"
    terminal = Terminal(size, ["--lr", "0.002"], mode)
    terminal.next_frame(timeout=120)
    if numba:
        terminal.press(b"%dn" % fast.NUMBA_MIN_STEPS)
        time.sleep(4)  # the loops load in a thread (numba alone takes 0.4–1.1 s here)
    first, last = [], []
    for _ in range(runs):
        terminal.press(b"r")
        terminal.press(str(steps).encode())
        terminal.settle()
        sent = time.perf_counter()
        os.write(terminal.fd, b"n")
        ended = terminal.frame_with(f"{steps}  (gd".encode())
        first.append(ended - sent)
        last.append(max(terminal.last_frame(quiet=2.5), ended) - sent)  # the first: ~1.4 s
    terminal.close()
    return first, last


def keypress(
    size: tuple[int, int],
    args: Sequence[str],
    presses: int,
    naive: bool = False,
    bare: bool = False,
):
    """Key → frame seconds and bytes per key, for the app, its naive twin, or the bare app
    (`--bare-child`: one Static updated per key, and a Footer)."""
    mode = "--bare-child" if bare else "--naive-child" if naive else "--child"
    terminal = Terminal(size, args, mode)
    terminal.next_frame(timeout=120)
    samples = [terminal.press(b"n") for _ in range(presses)]
    terminal.close()
    return [s[0] for s in samples], [s[1] for s in samples]


def quit_times(runs: int) -> tuple[list[float], list[float]]:
    """Seconds from `q` to the end of the process, for the app and the bare app in turn."""
    app: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        for mode, times in (("--bare-child", bare), ("--child", app)):
            terminal = Terminal((160, 48), [], mode)
            terminal.next_frame(timeout=120)
            times.append(terminal.close())
    return app, bare


def _expression(function: str) -> Expression:
    """A preset's parsed formula, which the fast loops are keyed by."""
    from tui_gradients.core.objectives.functions import make_objective

    expression = make_objective(function).expression
    assert expression is not None, "every preset has a formula"
    return expression


def fast_forward(
    function: str, optimizer: str, steps: int, numba: bool = True, schedule: str = "none"
) -> Callable[[], int]:
    """A run that really takes `steps` steps: no convergence stop, no step limit below it;
    with `numba=False`, on the straight-line loop even where numba's are loaded; under a
    `schedule` (at torch's defaults), on the straight-line loop."""
    import numpy as np  # here, not at the top: the bare app's child imports this module

    from tui_gradients.core import fast
    from tui_gradients.core.fast import plane_problem
    from tui_gradients.core.objectives.functions import make_objective
    from tui_gradients.core.objectives.theory import hessian_function
    from tui_gradients.core.optimisation.optimizers import Hyperparameters
    from tui_gradients.core.optimisation.schedules import Schedule
    from tui_gradients.core.runs.run import Run

    objective = make_objective(function)
    lr = 0.5 if function == "quadratic" else 0.001
    hyper = Hyperparameters(optimizer=optimizer, lr=lr, schedule=Schedule(schedule))
    problem = plane_problem(_expression(function), hyper.recipe.second_order)
    hessian = hessian_function(objective)

    def advance() -> int:
        run = Run(
            objective.value_and_grad,
            hyper.build(hessian=hessian, value_and_grad=objective.value_and_grad),
            np.array(objective.start),
            max_steps=steps,
            compiled=problem,
        )
        if numba:
            return run.advance(steps)
        kernels, fast._loaded = fast._loaded, None  # as a base install runs
        try:
            return run.advance(steps)
        finally:
            fast._loaded = kernels

    return advance


def plain_loop(steps: int) -> Callable[[], object]:
    """The baseline: gd on the bowl as a bare loop over floats, keeping every iterate."""

    def loop() -> list[tuple[float, float]]:
        w1, w2, kept = -40.0, 1.5, []
        for _ in range(steps):
            w1, w2 = w1 - 0.5 * 0.002 * w1, w2 - 0.5 * 2.0 * w2
            kept.append((w1, w2))
        return kept

    return loop


def chain_forward(depth: int, steps: int) -> Callable[[], object]:
    from tui_gradients.core.network.chain import ChainSettings
    from tui_gradients.core.runs.experiment import Experiment

    experiment = Experiment(chain=ChainSettings(depth=depth))
    return lambda: experiment.chain_run().advance(steps)


def first_compile() -> float:
    """Seconds to give a formula its own loop with nothing cached (in a cache of its own)."""
    from tui_gradients.core import fast
    from tui_gradients.core.objectives.expression import Expression

    with tempfile.TemporaryDirectory() as cache:
        before = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = cache
        try:
            start = time.perf_counter()
            fresh = Expression.parse(f"w1**2 + {time.time()}*w2**2")  # never seen before
            fast.specialise(fresh, "gd")
            return time.perf_counter() - start
        finally:
            os.environ.pop("XDG_CACHE_HOME")
            if before is not None:
                os.environ["XDG_CACHE_HOME"] = before


def peak_memory(steps: int) -> float:
    tracemalloc.start()
    fast_forward("quadratic", "adam", steps)()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


# --- report -------------------------------------------------------------------------------------


def _row(name: str, values: list[float], unit: str, scale: float, baseline: list[float] | None):
    median = statistics.median(values)
    p90 = sorted(values)[math.ceil(0.9 * len(values)) - 1]
    ratio = f"{median / statistics.median(baseline):.2f}×" if baseline else ""
    cells = [f"{v * scale:.1f}" for v in (median, p90, min(values), max(values))]
    print(f"| {name} | {' | '.join(cells)} | {unit} | {ratio} |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tui_gradients.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--optimizers", action="store_true", help="only the fast loops of every optimiser"
    )
    parser.add_argument(
        "--data", action="store_true", help="only start-up with a CSV file of 10⁵ rows"
    )
    parser.add_argument(
        "--serve", action="store_true", help="only serve with 30 browser tabs stepping at once"
    )
    parser.add_argument("--network", action="store_true", help="only the network's steps")
    args = parser.parse_args(argv)
    presses, runs = (10, 3) if args.quick else (40, 7)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    print("| measure | median | p90 | min | max | unit | vs baseline |")
    print("|---|---|---|---|---|---|---|")
    keep_freed_memory()  # as the command does
    from tui_gradients.bench_network import network_rows  # numpy: not in the bare baseline

    if args.optimizers:
        every_optimizer(runs)
        return
    compile_bytecode()
    if args.network:
        network_rows(runs, _row)
        network_key_rows(presses)
        return
    if args.data:
        data_rows(runs)
        return
    if args.serve:
        serve_rows(presses)
        return
    app, complete, bare = startup(2 * runs)
    _row("start-up to first frame (160×48)", app, "ms", 1e3, bare)
    _row("start-up to the complete frame: panel and trends drawn", complete, "ms", 1e3, bare)
    _row("start-up of a bare Textual app (baseline)", bare, "ms", 1e3, None)
    data_rows(runs)
    network_rows(runs, _row)
    network_key_rows(presses)
    floor = {}
    for size in [(80, 24), (160, 48), (240, 70)]:
        naive, naive_bytes = keypress(size, [], presses, naive=True)
        bare_keys, _ = keypress(size, [], presses, bare=True)
        floor[size] = bare_keys
        cached, cached_bytes = keypress(size, [], presses)
        label = f"{size[0]}×{size[1]}"
        _row(f"key → frame, {label}", cached, "ms", 1e3, naive)
        _row(f"key → frame, {label}, naive (baseline)", naive, "ms", 1e3, None)
        _row(f"key → frame, {label}, against a bare Textual app", cached, "ms", 1e3, bare_keys)
        _row(f"key → frame, {label}, bare Textual app (floor)", bare_keys, "ms", 1e3, None)
        _row(f"bytes per step, {label}", cached_bytes, "KB", 1e-3, naive_bytes)
    app_quit, bare_quit = quit_times(runs)
    _row("q → process ended, 160×48", app_quit, "ms", 1e3, bare_quit)
    _row("q → process ended, bare Textual app (floor)", bare_quit, "ms", 1e3, None)
    per_key, lag = zip(*(held_key((160, 48)) for _ in range(max(2, runs // 3))), strict=True)
    _row("held key at 30 Hz, 160×48: frames per key", list(per_key), "", 1, None)
    _row("held key: last frame after release", list(lag), "ms", 1e3, None)
    history, history_bytes = keypress((160, 48), ["--steps", "100000", "--lr", "0.002"], presses)
    _row("key → frame, 160×48, 10⁵ steps of history", history, "ms", 1e3, floor[(160, 48)])
    _row("bytes per step, 160×48, 10⁵ steps", history_bytes, "KB", 1e-3, None)
    race, race_bytes = keypress((160, 48), ["--race", RACE_OF_SIX], presses)
    _row("key → frame, 160×48, a race of six", race, "ms", 1e3, floor[(160, 48)])
    _row("bytes per step, 160×48, a race of six", race_bytes, "KB", 1e-3, None)

    steps = 10**6
    baseline = seconds(plain_loop(steps), runs)
    _row("plain Python loop, 10⁶ gd steps (baseline)", baseline, "ms", 1e3, None)
    from tui_gradients.core import fast

    for function in ("quadratic", "rosenbrock"):
        for optimizer, count in (("gd", steps), ("adagrad", steps), ("adam", steps // 10)):
            times = seconds(fast_forward(function, optimizer, count, numba=False), runs // 2)
            what = f"{count // 1000} k {optimizer} steps, {function}"
            _row(f"without numba: {what} (straight-line loop)", times, "ms", 1e3, baseline)
    first, last = jump((160, 48), steps, max(3, runs - 2), numba=False)
    _row("without numba: 10⁶-step jump → frame, 160×48", first, "ms", 1e3, None)
    _row("without numba: 10⁶-step jump → chain caught up", last, "ms", 1e3, None)
    if not fast.installed():
        print("numba is not installed (the `fast` extra): no rows for its loops")
        return
    loaded = seconds(fast.warm_up, 1)
    _row("compiled loops: import numba and load the cached kernel", loaded, "ms", 1e3, None)
    interpreted = seconds(fast_forward("quadratic", "gd", steps), max(2, runs // 3))
    _row("fast-forward 10⁶ gd steps, quadratic, interpreter", interpreted, "ms", 1e3, baseline)
    _row("a new formula's own loop: first compile", [first_compile()], "ms", 1e3, None)
    for function in ("quadratic", "rosenbrock"):
        expression = _expression(function)
        own = seconds(partial(fast.specialise, expression, "gd"), 1)
        _row(
            f"{function}, gd: its own loop from the cache (compiled if absent)",
            own,
            "ms",
            1e3,
            None,
        )
        for optimizer in ("gd", "adagrad", "adam"):
            fast.specialise(expression, optimizer)
            times = seconds(fast_forward(function, optimizer, steps), max(2, runs // 3))
            _row(f"fast-forward 10⁶ {optimizer} steps, {function}", times, "ms", 1e3, baseline)
    first, last = jump((160, 48), steps, max(3, runs - 2))
    _row("app: 10⁶-step jump → frame, 160×48 (2-D run drawn)", first, "ms", 1e3, None)
    _row("app: 10⁶-step jump → chain table caught up", last, "ms", 1e3, None)
    chain_steps = 100_000
    for depth in (50, 64):
        times = seconds(chain_forward(depth, chain_steps), runs)
        rates = [chain_steps / t for t in times]
        _row(f"depth-{depth} chain", rates, "k steps/s", 1e-3, None)
    print(f"| peak memory, 10⁶ adam steps of history | {peak_memory(steps):.0f} | | | | MB | |")


def network_key_rows(presses: int) -> None:
    """Key → frame in network mode against the surfaces' at 160×48, measured in one run."""
    compile_bytecode()
    surface, _ = keypress((160, 48), [], presses)
    _row("key → frame, 160×48, the surfaces (baseline)", surface, "ms", 1e3, None)
    for what, args in (
        ("penguins, 4 tanh layers of 16", ["net", "--app"]),
        ("spiral with its input plane", ["net", "--app", "--data", "spiral"]),
        ("the loss plane shown (random)", ["net", "--app", "--plane", "random"]),
    ):
        times, _ = keypress((160, 48), args, presses)
        _row(f"key → frame, 160×48, network mode: {what}", times, "ms", 1e3, surface)


def serve_rows(presses: int, tabs: int = 30) -> None:
    """Key → frame through `serve`: one tab alone (the baseline), then `tabs` at once."""
    from tui_gradients.bench_serve import key_to_frame, percentile

    (alone,) = key_to_frame(1, presses)
    _row("serve, one tab: key → frame (baseline)", alone, "ms", 1e3, None)
    per_tab = key_to_frame(tabs, presses)
    crowded = [time for times in per_tab for time in times]
    _row(f"serve, {tabs} tabs stepping at once: key → frame", crowded, "ms", 1e3, alone)
    firsts = [times[0] for times in per_tab]
    _row(f"serve, {tabs} tabs: their first keys, in one instant", firsts, "ms", 1e3, alone)
    for share in (0.95, 0.99):
        value = percentile(crowded, share) * 1e3
        print(f"| serve, {tabs} tabs: key → frame p{share * 100:.0f} | {value:.1f} | | | | ms | |")


def data_rows(runs: int) -> None:
    times = data_startup(runs)
    bowl, bare = times["bowl"], times["bare"]
    for model in ("linear", "logistic"):
        what = f"start-up, 160×48, a 10⁵-row CSV fitted ({model})"
        _row(f"{what}, against the bowl", times[model], "ms", 1e3, bowl)
        _row(f"{what}, against a bare Textual app", times[model], "ms", 1e3, bare)
    _row("start-up, 160×48, the bowl", bowl, "ms", 1e3, bare)
    _row("start-up, 160×48, a bare Textual app (floor)", bare, "ms", 1e3, None)


def every_optimizer(runs: int, steps: int = 10**6) -> None:
    """10⁶ steps of each optimiser the fast loops take, on the bowl: the straight-line loop
    (10⁵ steps, as a base install runs them), then numba's loop of the formula's own."""
    from tui_gradients.core import fast
    from tui_gradients.core.optimisation.optimizers import OPTIMIZERS
    from tui_gradients.core.optimisation.schedules import NAMES

    baseline = seconds(plain_loop(steps), runs)
    _row("plain Python loop, 10⁶ gd steps (baseline)", baseline, "ms", 1e3, None)
    stepwise = [name for name in OPTIMIZERS if name != "lbfgs"]  # LBFGS: lbfgs_rows
    for optimizer in stepwise:
        times = seconds(fast_forward("quadratic", optimizer, steps // 10, numba=False), runs)
        scaled = [10 * t for t in times]  # per 10⁶ steps, against the same baseline
        _row(f"straight-line loop, {optimizer}, per 10⁶ steps", scaled, "ms", 1e3, baseline)
    for schedule in NAMES[1:]:
        for optimizer in ("gd", "adam"):
            times = seconds(
                fast_forward("quadratic", optimizer, steps // 10, False, schedule), runs
            )
            scaled = [10 * t for t in times]
            what = f"{optimizer} + {schedule}"
            _row(f"straight-line loop, {what}, per 10⁶ steps", scaled, "ms", 1e3, baseline)
    numpy_loop = fast_forward("quadratic", "adam", steps // 100, False, "cosine")
    with _numpy_only():
        scaled = [100 * t for t in seconds(numpy_loop, runs)]
    _row("numpy loop (before), adam + cosine, per 10⁶ steps", scaled, "ms", 1e3, baseline)
    lbfgs_rows(runs, steps // 10)
    if not fast.warm_up():
        print("numba is not installed (the `fast` extra): no rows for its loops")
        return
    expression = _expression("quadratic")
    for optimizer in stepwise:
        fast.specialise(expression, optimizer)
        times = seconds(fast_forward("quadratic", optimizer, steps), runs)
        _row(f"numba, {optimizer}, 10⁶ steps", times, "ms", 1e3, baseline)


def lbfgs_rows(runs: int, steps: int) -> None:
    """LBFGS per step, in each loop against the numpy loop. Each step is up to 20 iterations
    and it stops by its own rule, so no 10⁶ steps: Rosenbrock at lr 0.001 without a line
    search, about 4000 steps until its step falls below tolerance_change."""
    from tui_gradients.core import fast

    advance = fast_forward("rosenbrock", "lbfgs", steps, numba=False)
    taken = advance()
    what = f"lbfgs, per step, Rosenbrock lr 0.001 ({taken} steps, to its own stop)"
    with _numpy_only():
        numpy_loop = [t / taken for t in seconds(advance, runs)]
    _row(f"numpy loop, {what}", numpy_loop, "µs", 1e6, None)
    straight_loop = [t / taken for t in seconds(advance, runs)]
    _row(f"straight-line loop, {what}", straight_loop, "µs", 1e6, numpy_loop)
    if fast.warm_up():
        compiled = fast_forward("rosenbrock", "lbfgs", steps)
        numba_loop = [t / taken for t in seconds(compiled, runs)]
        _row(f"numba, {what}", numba_loop, "µs", 1e6, numpy_loop)


@contextlib.contextmanager
def _numpy_only():
    """Every step through the numpy loop, as scheduled runs went before they had a fast one."""
    from tui_gradients.core.runs.run import Run

    fits = Run._fast_loop_fits
    Run._fast_loop_fits = lambda self, n: False
    try:
        yield
    finally:
        Run._fast_loop_fits = fits


def _bare_child() -> None:
    from textual.app import App
    from textual.widgets import Footer, Static

    class Bare(App[None]):
        """The floor: what any Textual app pays for a key that changes one line."""

        BINDINGS = [("q", "quit", "Quit"), ("n", "step", "Step")]
        count = 0

        def compose(self):
            yield Static("a bare Textual app: step 0")
            yield Footer()

        def action_step(self) -> None:
            self.count += 1
            self.query_one(Static).update(f"a bare Textual app: step {self.count}")

    Bare().run()


def _child(mode: str, args: Sequence[str]) -> None:
    """Run the app inside the pseudo-terminal: as it is, with the plot's caching defeated
    (naive), or as if numba were not installed (the base install)."""
    if mode == "--no-numba-child":
        from tui_gradients.core import fast

        fast.installed = lambda: False
    if mode == "--naive-child":
        from tui_gradients.ui.widgets.contour_plot import ContourPlot

        original = ContourPlot.set_paths

        def replot_everything(self, path, rivals=None):
            self._scene = None  # forget the cached contour layer: plotext redraws it all
            original(self, path, rivals)
            self.refresh()

        ContourPlot.set_paths = replot_everything  # type: ignore[method-assign]  # naive baseline
    from tui_gradients.__main__ import main as launch  # as `python -m tui_gradients` starts

    launch(list(args))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-child":
        _bare_child()
    elif len(sys.argv) > 1 and sys.argv[1] in ("--child", "--naive-child", "--no-numba-child"):
        _child(sys.argv[1], sys.argv[2:])
    else:
        main()

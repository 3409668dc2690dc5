"""The benchmark's harness works (what it measures is printed by `python -m tui_gradients.bench`,
never asserted here: machines are shared and noisy)."""

import importlib.util
import os
from pathlib import Path

import pytest

import tui_gradients
from tui_gradients import bench
from tui_gradients.core.fast import straight


def test_pseudo_terminal_sees_frames_and_keypresses():
    terminal = bench.Terminal((80, 24), [])
    try:
        terminal.next_frame()
        latency, received = terminal.press(b"n")
        assert latency > 0 and received > 0
    finally:
        terminal.close()


def test_naive_twin_runs_the_same_app():
    latencies, sizes = bench.keypress((80, 24), [], presses=2, naive=True)
    assert len(latencies) == len(sizes) == 2 and min(sizes) > 0


def test_fast_forward_callables_really_step():
    run_steps = bench.fast_forward("quadratic", "adam", 1000)
    assert run_steps() == 1000
    assert len(bench.plain_loop(10)()) == 10


def test_start_up_times_the_app_and_the_bare_baseline_in_turn():
    first, complete, bare = bench.startup(2)
    assert len(first) == len(complete) == len(bare) == 2 and min(first + bare) > 0
    assert all(f <= c for f, c in zip(first, complete, strict=True))  # the panel comes later


def test_data_start_up_reaches_a_frame_with_each_model():
    times = bench.data_startup(1, rows=200)
    assert set(times) == {"bare", "bowl", "linear", "logistic"}
    assert all(len(values) == 1 and values[0] > 0 for values in times.values())


def test_held_key_counts_frames_and_the_lag_after_release():
    """Only that it measures: how many frames a loaded machine draws per key is its own."""
    per_key, lag = bench.held_key((80, 24), rate=30, seconds=0.5)
    assert per_key >= 0 and lag >= 0


def test_a_jump_times_the_2d_frame_and_the_chain_catching_up():
    first, last = bench.jump((80, 24), 3000, runs=1)
    assert len(first) == len(last) == 1 and 0 < first[0] <= last[0]


def test_first_compile_leaves_the_users_cache_setting_as_it_was(monkeypatch, tmp_path):
    pytest.importorskip("numba")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert bench.first_compile() > 0
    assert os.environ["XDG_CACHE_HOME"] == str(tmp_path)
    assert not list(tmp_path.iterdir())  # it compiled elsewhere


def test_the_apps_bytecode_is_compiled_before_start_up_is_timed():
    """Start-up is timed as an installed copy starts: every module of the app already
    byte-compiled, even where PYTHONDONTWRITEBYTECODE is set."""
    package = Path(tui_gradients.__file__).parent
    bench.compile_bytecode()
    for source in package.rglob("*.py"):
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime, source


def test_fast_forward_without_numba_really_steps_on_the_straight_loop(monkeypatch):
    calls = []
    real = straight.advance

    def counted(*args):
        calls.append(args[5])
        return real(*args)

    monkeypatch.setattr(straight, "advance", counted)
    assert bench.fast_forward("rosenbrock", "adam", 5000, numba=False)() == 5000
    assert sum(calls) == 5000


def test_a_jump_without_numba_is_timed_to_the_frame_that_shows_it():
    first, last = bench.jump((80, 24), 3000, runs=1, numba=False)
    assert len(first) == len(last) == 1 and 0 < first[0] <= last[0]


def test_the_bare_app_answers_keys_and_both_quit_times_are_measured():
    latencies, sizes = bench.keypress((80, 24), [], presses=2, bare=True)
    assert len(latencies) == 2 and min(sizes) > 0
    app, bare = bench.quit_times(1)
    assert 0 < app[0] < 5 and 0 < bare[0] < 5  # both ended (inf if not)


def test_every_optimiser_has_a_row_for_each_fast_loop(capsys, monkeypatch):
    from tui_gradients.core import fast
    from tui_gradients.core.optimisation.optimizers import OPTIMIZERS
    from tui_gradients.core.optimisation.schedules import NAMES

    monkeypatch.setattr(fast, "specialise", lambda formula, optimizer: False)  # no compiling
    bench.every_optimizer(runs=1, steps=2 * 10 * 256)
    rows = capsys.readouterr().out.splitlines()
    for optimizer in OPTIMIZERS:
        assert any(f"straight-line loop, {optimizer}," in row for row in rows)
        if importlib.util.find_spec("numba"):
            assert any(f"numba, {optimizer}, " in row for row in rows)
    for schedule in NAMES[1:]:
        assert any(f"straight-line loop, adam + {schedule}," in row for row in rows)


def test_the_bare_baseline_imports_only_textual():
    """The floor is a bare Textual app: its child imports this module first, and numpy there
    (80 ms of a 300 ms start) would make every start-up ratio look better than it is."""
    import subprocess
    import sys

    probe = (
        "import sys, tui_gradients.bench; print(sorted({'numpy', 'plotext'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_serve_load_times_every_press_of_every_tab():
    from tui_gradients import bench_serve

    per_tab = bench_serve.key_to_frame(2, 2, pause=0.05)
    assert len(per_tab) == 2 and all(len(times) == 2 and min(times) > 0 for times in per_tab)
    assert bench_serve.percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0

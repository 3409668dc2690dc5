"""The headless CLI contract: headers, rows, number formats, exit codes."""

import csv
import gc
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from tui_gradients import cli
from tui_gradients.arguments import (
    APP_FLAGS,
    CHAIN_FLAGS,
    EXIT_LIMIT,
    RUN_FLAGS,
    command_line,
)
from tui_gradients.cli import WORTH_COMPILING, main
from tui_gradients.core import fast
from tui_gradients.core.files import export
from tui_gradients.core.files.export import CHAIN_COLUMNS, RUN_COLUMNS
from tui_gradients.core.objectives.expression import Expression
from tui_gradients.core.runs import experiment as experiment_module
from tui_gradients.core.runs.experiment import ESCAPE_FACTOR, Experiment
from tui_gradients.core.runs.lesson import page_count
from tui_gradients.core.runs.settings import in_section


def _cli(*args, check_rc=0):
    done = subprocess.run(
        [sys.executable, "-m", "tui_gradients", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == check_rc, done.stderr
    return done


def _csv(text):
    return list(csv.reader(io.StringIO(text)))


def test_default_run_reproduces_the_seed():
    rows = _csv(_cli("run", "--steps", "10").stdout)
    assert tuple(rows[0]) == RUN_COLUMNS
    assert len(rows) == 1 + 11  # header, start, ten steps
    data = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(data[:, 0], np.arange(11))
    np.testing.assert_allclose(data[:, 1], -40 * 0.999 ** np.arange(11), rtol=1e-12)
    assert data[1, 2] == 0.0


@pytest.mark.parametrize("style", [["--start", "-40,1.5"], ["--start=-40,1.5"]])
def test_negative_start_works_as_typed(style, capsys):
    assert main(["run", *style, "--steps", "1"]) == 0
    rows = _csv(capsys.readouterr().out)
    assert rows[1][1:3] == ["-40.0", "1.5"]


def test_floats_are_plain_decimals_that_round_trip(capsys):
    main(["run", "--optimizer", "adam", "--steps", "20"])
    out = capsys.readouterr().out
    assert "np.float64" not in out
    for row in _csv(out)[1:]:
        for cell in row[1:]:
            assert repr(float(cell)) == cell


def test_a_long_run_compiles_its_formulas_own_loop_first(capsys):
    pytest.importorskip("numba")
    formula = "w1**2 + 9.5*w2**2"
    assert main(["run", "--expr", formula, "--steps", str(WORTH_COMPILING), "--lr", "1e-4"]) == 0
    assert fast.is_specialised(Expression.parse(formula), "gd")
    rows = _csv(capsys.readouterr().out)
    assert len(rows) == 1 + WORTH_COMPILING + 1
    w1 = float(rows[1][1]) * (1 - 2e-4) ** WORTH_COMPILING  # gd on w1² shrinks w1 by 1 − 2·lr
    assert float(rows[-1][1]) == pytest.approx(w1, rel=1e-9)


def test_json_and_table_formats(capsys):
    main(["run", "--steps", "3", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["columns"] == list(RUN_COLUMNS)
    assert len(doc["rows"]) == 4 and doc["stop"] is None
    main(["run", "--steps", "3", "--format", "table"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == list(RUN_COLUMNS) and len(lines) == 5


def test_chain_rows(capsys):
    main(["chain", "--depth", "5", "--steps", "2"])
    rows = _csv(capsys.readouterr().out)
    assert tuple(rows[0]) == CHAIN_COLUMNS
    assert len(rows) == 1 + 3 * 5
    assert [int(r[1]) for r in rows[1:6]] == [1, 2, 3, 4, 5]
    assert {int(r[0]) for r in rows[1:]} == {0, 1, 2}
    step0 = rows[1:6]
    assert all(float(r[2]) == 1.0 for r in step0)  # constant init, before any update


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "--lr", "-1"], "argument --lr"),
        (["run", "--lr", "abc"], "argument --lr: not a number"),
        (["run", "--lr", "0,5"], "use a dot"),
        (["run", "--start", "1"], "argument --start"),
        (["run", "--function", "nope"], "argument --function"),
        (["run", "--expr", "__import__('os')"], "argument --expr"),
        (["run", "--steps", "-3"], "argument --steps"),
        (["run", "--a", "0"], "argument --a"),
        (["chain", "--depth", "100"], "argument --depth"),
        (["chain", "--activation", "nope"], "argument --activation"),
        (["run", "--optimizer", "adam", "--betas", "1,0.9"], "argument --betas"),
        (["--chain-lr", "0"], "argument --chain-lr"),
        (["--lesson", "9"], f"argument --lesson: must be from 1 to {page_count()}"),
        (["--lesson", "two"], "argument --lesson"),
        (["--race", "adam,sgd"], "argument --race: unknown optimizer 'sgd'"),
        (["serve", "--race", "adam:0"], "argument --race: adam: lr must be"),
    ],
)
def test_bad_arguments_one_line_exit_2(args, fragment):
    done = _cli(*args, check_rc=2)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_divergence_keeps_rows_and_says_why_on_stderr():
    done = _cli("run", "--lr", "1.5", "--steps", "1000")
    rows = _csv(done.stdout)
    # |w2| = 1.5·2ᵏ passes the bound (1000× the problem's scale) at step `escape`
    bound = ESCAPE_FACTOR * Experiment().plane.scale
    escape = math.ceil(math.log2(bound / 1.5))
    assert len(rows) == 1 + escape  # header, then steps 0 .. escape − 1, all finite
    message = done.stderr.strip()
    assert message.startswith(f"tui-gradients: diverged at step {escape}: |parameter| = ")
    assert message.endswith(f"is beyond ±{bound:.4g}")


def test_the_launcher_imports_the_cli_with_the_collector_paused():
    """numpy and the core are imported without the collector's passes over them, and the
    collector runs again once they are in: 54 collections without the pause, a few young-
    generation passes with it as the parser is built and read."""
    code = (
        "import gc, contextlib, io\n"
        "starts = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and starts.append(1))\n"
        "from tui_gradients.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['run', '--help'])\n"
        "print(len(starts), gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    collections, collecting = done.stdout.split()
    assert int(collections) < 10 and collecting == "True", done.stdout


def test_a_reader_that_stops_early_ends_the_rows_quietly():
    """`tui-gradients run | head`: no traceback once the reader has gone, and the status a
    shell gives a writer that SIGPIPE ended (128 + 13)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", "run", "--steps", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().startswith(b"step,")  # many times a pipe's buffer follows
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert err == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["run", "chain"])
def test_a_full_disk_is_one_line_and_status_2(command):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tui_gradients", command, "--steps", "10"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr == "tui-gradients: cannot write the output: No space left on device\n"


def test_ctrl_c_during_a_long_command_is_one_line_and_status_130():
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", "chain", "--steps", "1000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().startswith(b"step,")  # it is writing rows: mid-run
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    # before it, perhaps a note that numba compiles (a fresh install's first long run)
    assert err.endswith(b"tui-gradients: interrupted\n") and b"Traceback" not in err


def test_app_command_starts_preconfigured(monkeypatch):
    started = {}

    def fake_run(app):
        started["experiment"] = app.session.experiment
        started["steps to take"] = app.main_screen.initial_steps
        started["collecting"] = gc.isenabled()

    monkeypatch.setattr("tui_gradients.ui.app.GradientsApp.run", fake_run)
    args = ["--preset", "himmelblau", "--optimizer", "adam", "--start", "-1,-2"]
    assert main([*args, "--chain-depth", "12", "--steps", "3"]) == 0
    experiment = started["experiment"]
    assert experiment.plane.function == "himmelblau"
    assert experiment.plane.start_point == (-1.0, -2.0)
    assert experiment.hyper.optimizer == "adam" and experiment.hyper.lr == 0.01
    assert experiment.chain.depth == 12
    assert started["steps to take"] == 3  # once the first frame is out
    # the collector is paused while the app starts, and running again once the app is done
    assert started["collecting"] is False and gc.isenabled()


def _number_flags(sections: tuple[str, ...], renamed: dict[str, str]) -> list[str]:
    """The schema's number settings in these sections, by the command's own flags."""
    return [
        renamed.get(setting.name, f"--{setting.name.replace('_', '-')}")
        for section in sections
        for setting in in_section(section)
        if setting.kind == "number" and not setting.app_only
    ]


NUMERIC_FLAGS = {
    "run": _number_flags(("surface", "optimizer"), RUN_FLAGS),
    "chain": _number_flags(("chain",), CHAIN_FLAGS),
}
TYPED = ["", "text", "nan", "inf", "-inf", "1e308", "0,5", "-1e400"]


@pytest.mark.parametrize("command", list(NUMERIC_FLAGS))
@pytest.mark.parametrize("typed", TYPED)
def test_every_numeric_flag_refuses_what_people_type(command, typed, capsys):
    for flag in NUMERIC_FLAGS[command]:
        if (flag in ("--weight", "--bias", "--x", "--y") and typed == "1e308") or (
            flag in ("--eps", "--alpha", "--weight-decay") and typed == ""
        ):
            continue  # 1e308: tested below; an empty --eps means "the optimiser's default"
        with pytest.raises(SystemExit) as caught:
            main([command, f"{flag}={typed}", "--steps", "1"])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"argument {flag}: " in err, err


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["run", "--momentum", "1"], "--momentum"),
        (["run", "--alpha", "-0.1"], "--alpha"),
        (["run", "--eps", "-0"], "--eps"),
        (["run", "--start", "nan,1"], "--start"),
        (["run", "--start", "1,2,3"], "--start"),
        (["run", "--start", "1e7,0"], "--start"),
        (["run", "--expr", "log(w1)", "--start", "-1,0"], "--start"),
        (["chain", "--weight", "1e308"], "--weight"),
        (["chain", "--depth", "-0"], "--depth"),
        (["chain", "--seed", "-1"], "--seed"),
        (["chain", "--depth", "3.5"], "--depth"),
    ],
)
def test_out_of_range_values_name_the_flag(args, flag, capsys):
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    assert f"argument {flag}: " in capsys.readouterr().err


def test_a_step_limit_reached_is_said_with_its_own_exit_status(monkeypatch, capsys):
    monkeypatch.setattr(experiment_module, "LIMIT", 50)
    status = main(["run", "--preset", "rosenbrock", "--lr", "1e-5", "--steps", "100"])
    out, err = capsys.readouterr()
    assert status == EXIT_LIMIT == 3
    assert "step limit 50 reached: 50 of the 100 steps asked for" in err
    assert out.count("\n") == 52  # the header and steps 0 to 50
    assert main(["run", "--preset", "rosenbrock", "--lr", "1e-5", "--steps", "50"]) == 0
    assert "exit status" in command_line().commands["run"].format_help()


def test_json_rows_are_written_as_they_are_computed(capsys):
    """A million rows of JSON must not sit in memory: the first rows are out before the last
    is made."""
    written_at: list[int] = []
    made = 0

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            written_at.append(made)
            return super().write(text)

    def rows():
        nonlocal made
        for step in range(1000):
            made += 1
            yield (step, float(step), 0.5)

    out = Out()
    export.write(rows(), ("step", "x", "y"), "json", out, {"settings": {"a": 1}})
    assert min(written_at[1:]) < 10  # rows went out while the rest were still to come
    document = json.loads(out.getvalue())
    assert document["settings"] == {"a": 1} and document["columns"] == ["step", "x", "y"]
    assert document["rows"][999] == {"step": 999, "x": 999.0, "y": 0.5}


def test_a_slow_first_compile_says_what_the_wait_is(monkeypatch, capsys):
    """A compile that outlasts NOTE_AFTER: the note's timer fires while it runs."""

    def slow_warm_up() -> bool:
        notes = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
        for note in notes:
            note.join(10)  # the compile lasts until the note has been written
        return False

    monkeypatch.setattr(cli, "NOTE_AFTER", 0.0)
    monkeypatch.setattr(fast, "warm_up", slow_warm_up)
    assert main(["run", "--steps", str(WORTH_COMPILING), "--format", "csv"]) == 0
    assert "compiling the fast loops" in capsys.readouterr().err


def test_run_writes_the_lr_each_step_takes_in_a_last_column(capsys):
    main(["run", "--schedule", "step", "--schedule-args", "step_size=2,gamma=0.5", "--steps", "5"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][-1] == "lr" and tuple(rows[0][:-1]) == RUN_COLUMNS[:-1]
    assert [float(row[-1]) for row in rows[1:]] == [0.5 * 0.5 ** (t // 2) for t in range(6)]


@pytest.mark.parametrize("command", [[], ["run"], ["chain"], ["serve"]])
@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_every_command_says_the_installed_version(command, flag, capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as ended:
        main([*command, flag])
    assert ended.value.code == 0
    assert capsys.readouterr().out.split()[-1] == metadata.version("tui-gradients")


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["run", "--optimzer", "adam"], "did you mean --optimizer?"),
        (["run", "--lr=0.1", "--shedule", "cosine"], "did you mean --schedule?"),
        (["run", "--optimizer", "adm"], "did you mean adam?"),
        (["chain", "--activation", "sigmoud"], "did you mean sigmoid?"),
    ],
)
def test_a_mistyped_flag_or_value_says_what_was_probably_meant(argv, meant, capsys):
    with pytest.raises(SystemExit) as refused:
        main(argv)
    err = capsys.readouterr().err
    assert refused.value.code == 2 and err.rstrip().endswith(meant), err


def test_a_flag_nothing_resembles_gets_no_guess(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--zzzzzz", "1"])
    assert "did you mean" not in capsys.readouterr().err


def test_the_british_spellings_the_app_uses_are_accepted(capsys):
    main(["run", "--optimiser", "adam", "--steps", "2"])
    british = capsys.readouterr().out
    main(["run", "--optimizer", "adam", "--steps", "2"])
    assert british == capsys.readouterr().out
    main(["run", "--preset", "penguins", "--standardise", "x", "--steps", "1"])
    assert capsys.readouterr().out.count("\n") == 3


def test_the_chains_flags_are_named_alike_in_every_command(capsys):
    """`--chain-depth` and `--chain-lr` in the app and in `chain`, which also takes its own
    shorter `--depth` and `--lr`; the help lists one name for each."""
    main(["chain", "--chain-depth", "3", "--chain-lr", "0.1", "--steps", "1"])
    long = capsys.readouterr().out
    main(["chain", "--depth", "3", "--lr", "0.1", "--steps", "1"])
    assert long == capsys.readouterr().out and long.count("\n") == 1 + 2 * 3
    chain_help = command_line().commands["chain"].format_help()
    assert "--chain-depth" in chain_help and "--depth" not in chain_help.replace("--chain-", "")
    assert {APP_FLAGS[name] for name in CHAIN_FLAGS} == set(CHAIN_FLAGS.values())


def test_the_usage_line_names_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert all(command in usage for command in ("run", "chain", "serve"))


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--optimizer", "adam", "run"], "a command comes first, then its options"),
        (["serve", "--lr", "0.1", "chain"], "serve: error: unrecognized arguments: chain"),
        (["rnu"], "did you mean run?"),
        (["run", "--chain-depth", "3"], "run: error: unrecognized arguments: --chain-depth 3"),
    ],
)
def test_one_parser_takes_a_command_first_and_the_apps_options_without_one(capsys, argv, fragment):
    with pytest.raises(SystemExit) as leaving:
        main(argv)
    assert leaving.value.code == 2
    assert fragment in capsys.readouterr().err


def test_every_command_is_a_subcommand_of_the_apps_parser():
    """The app's help lists each command with its summary; each command's help is its own."""
    line = command_line()
    top = line.top.format_help()
    for name, parser in line.commands.items():
        assert re.search(rf"^\s+{name}\s+\S", top, re.M)
        assert parser.format_help().startswith(f"usage: tui-gradients {name}")

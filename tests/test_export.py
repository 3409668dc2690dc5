"""Nothing lost: export the experiment, load it back, get the same run step for step."""

import csv
import functools
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_gradients.cli import main
from tui_gradients.core.errors import SettingError
from tui_gradients.core.files import export
from tui_gradients.core.files.export import (
    RUN_COLUMNS,
    export_session,
    load_settings,
    settings_from_dict,
    settings_to_dict,
)
from tui_gradients.core.files.resume import Resume, SavedView
from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.runs.experiment import Experiment
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import Session
from tui_gradients.core.runs.settings import edit
from tui_gradients.ui.app import GradientsApp


def _unusual_experiment():
    experiment = Experiment()
    for name, text in [
        ("expr", "0.01*w1**2 + sin(w2)**2"),
        ("start", "-3,1"),
        ("optimizer", "adam"),
        ("lr", "0.05"),
        ("betas", "0.8,0.99"),
        ("depth", "5"),
        ("activation", "tanh"),
        ("init", "normal"),
        ("seed", "7"),
        ("chain_lr", "0.2"),
    ]:
        experiment = edit(experiment, name, text)
    return experiment


def test_settings_round_trip_through_json():
    experiment = _unusual_experiment()
    document = json.loads(json.dumps(settings_to_dict(experiment)))
    assert settings_from_dict(document) == experiment


def test_a_version_1_document_still_loads():
    """What exports wrote before the settings were kept as typed text."""
    document = {
        "version": 1,
        "plane": {"function": "custom", "expr": "w1**2 + 3*w2**2", "a": 0.001, "b": 1.0,
                  "start": [-7.0, 3.0]},
        "hyper": {"optimizer": "adam", "lr": 0.05, "momentum": 0.9, "alpha": 0.99,
                  "beta1": 0.8, "beta2": 0.99, "eps": None},
        "chain": {"depth": 5, "activation": "tanh", "init": "normal", "weight": 1.0,
                  "bias": 0.0, "seed": 7, "x": 1.0, "y": 0.0},
        "chain_hyper": {"optimizer": "adam", "lr": 0.2},
    }  # fmt: skip
    experiment = settings_from_dict(document)
    assert experiment.plane.expr == "w1**2 + 3*w2**2"
    assert experiment.plane.start_point == (-7.0, 3.0)
    assert (experiment.hyper.optimizer, experiment.hyper.lr) == ("adam", 0.05)
    assert (experiment.hyper.beta1, experiment.hyper.eps) == (0.8, None)
    assert (experiment.chain.depth, experiment.chain.seed, experiment.chain_lr) == (5, 7, 0.2)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json", "not JSON"),
        ('{"version": 99}', "not a tui-gradients settings document"),
        ("[]", "not a tui-gradients settings document"),
        ('{"version": 1, "plane": {}}', "malformed settings"),
        ('{"version": 2, "values": {"lr": 0.5}}', "malformed settings"),
        ('{"version": 2, "values": {"speed": "1"}}', "unknown setting 'speed'"),
    ],
)
def test_bad_settings_files_are_refused_with_a_reason(tmp_path, content, fragment):
    path = tmp_path / "settings.json"
    path.write_text(content)
    with pytest.raises(SettingError) as caught:
        load_settings(path)
    assert caught.value.name == "load" and fragment in caught.value.message


def test_a_settings_file_with_a_bad_value_names_it(tmp_path):
    document = settings_to_dict(Experiment())
    document["values"]["lr"] = "-1"
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SettingError, match="lr"):
        load_settings(path)


def test_cli_json_output_loads_back_to_the_same_rows(tmp_path, capsys):
    main(
        [
            "run",
            "--optimizer",
            "rmsprop",
            "--lr",
            "0.01",
            "--start",
            "-7,3",
            "--steps",
            "40",
            "--format",
            "json",
        ]
    )
    first = capsys.readouterr().out
    path = tmp_path / "run.json"
    path.write_text(first)
    main(["run", "--load", str(path), "--steps", "40", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["rows"] == json.loads(first)["rows"]
    main(["run", "--load", str(path), "--lr", "0.02", "--steps", "1", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["settings"]["values"]["lr"] == "0.02"  # flags win


def test_cli_refuses_a_missing_settings_file(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "--load", "/nonexistent/settings.json"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.startswith(
        "tui-gradients run: error: argument --load: /nonexistent/settings.json: cannot read"
    )


async def test_app_export_reproduces_step_for_step(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    app = GradientsApp(_unusual_experiment())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("c", "3", "7", "n", "e")
        trajectory = app.session.plane.history.params.copy()
        chain_params = app.session.chain_run.history.params.copy()
    exported = sorted(tmp_path.glob("tui-gradients-*"))
    assert [p.suffix for p in exported] == [".csv", ".csv", ".csv", ".json"]  # one a rival's
    document = json.loads(next(p for p in exported if p.suffix == ".json").read_text())
    assert document["step"] == 37
    (rival,) = document["rivals"]
    assert rival["optimizer"] == "adagrad" and len(rival["rows"]) == 38
    assert rival["hyperparameters"]["lr"] == app.session.experiment.hyper.lr
    np.testing.assert_array_equal(np.array(document["trajectory"]["rows"])[:, 1:3], trajectory)
    assert len(document["chain"]["rows"]) == 38 * 5

    json_path = next(p for p in exported if p.suffix == ".json")
    main(["run", "--load", str(json_path), "--steps", "37"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    np.testing.assert_array_equal(np.array(rows, dtype=float)[:, 1:3], trajectory)
    main(["chain", "--load", str(json_path), "--steps", "37"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    weights = np.array(rows, dtype=float)[:, 2].reshape(38, 5)
    np.testing.assert_array_equal(weights, chain_params[:, :5])


async def test_an_export_after_a_long_jump_is_thinned_to_a_row_every_k_steps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(export, "EXPORT_STEPS", 100)
    app = GradientsApp(Experiment(hyper=Hyperparameters(lr=0.002)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"1000", "n", "e")
        trajectory = app.session.plane.history.params.copy()
        said = app.main_screen.messages[-1][1]  # in full, as the message log shows it
    assert "a row every 11 steps" in said  # ⌈1000 / 99⌉
    document = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert document["every"] == 11
    rows = np.array(document["trajectory"]["rows"])
    expected_steps = [*range(0, 1001, 11), 1000]
    np.testing.assert_array_equal(rows[:, 0], expected_steps)
    np.testing.assert_array_equal(rows[:, 1:3], trajectory[expected_steps])
    chain_steps = np.array(document["chain"]["rows"])[:, 0]
    assert sorted(set(chain_steps)) == expected_steps
    csv_rows = list(csv.reader(next(tmp_path.glob("*-trajectory.csv")).open()))[1:]
    assert [int(row[0]) for row in csv_rows] == expected_steps


def test_where_the_app_was_reads_back_and_bad_values_name_their_key():
    view = SavedView((-5.0, 5.0, -1.0, 2.0), following=False, equal_scale=True, theory=True)
    tuned = Rival("adam", None, (("beta1", 0.8), ("eps", 1e-6)))
    resume = Resume(50, (Rival("adagrad"), Rival("adam", 0.3), tuned), view, lesson_page=2)
    assert Resume.from_dict(json.loads(json.dumps(resume.to_dict())), pages=5) == resume
    bad = {
        "step": -1,
        "rivals": "sgd",
        "lesson_page": 9,
        "view": {"window": [1, 0, 0, 1]},
    }
    for key, value in bad.items():
        with pytest.raises(SettingError, match=rf"resume\.{key}"):
            Resume.from_dict({**resume.to_dict(), key: value}, pages=5)
    with pytest.raises(SettingError, match=r"resume\.view\.following"):
        Resume.from_dict({"view": {"window": [0, 1, 0, 1], "following": "yes"}}, pages=5)


def _load_error(capsys, path) -> str:
    """`run --load path`: refused with status 2 and one line on stderr (returned)."""
    with pytest.raises(SystemExit) as caught:
        main(["run", "--load", str(path), "--steps", "1"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"version": 2, "values": {"lr": "1' + "0" * 400 + '"}}', "lr"),
        ('{"version": 2, "values": {"depth": "' + "9" * 5000 + '"}}', "depth"),
        ('{"version": 1, "plane": {"a": ' + "1" * 5000 + "}}", "digits"),
        ("[" * 100_000, "nested too deeply"),
        (b'{"version": 2, "values": {"lr": "\xff"}}', "not UTF-8"),
        ('{"version": 2, "values": {"init": "normal", "seed": 1.5}}', "must be a string"),
        ('{"version": 1, "plane": {"function": "quadratic", "a": 1e400}}', "malformed"),
    ],
    ids=["401 digits", "5000 digits", "5000-digit JSON number", "deep", "bytes", "type", "inf"],
)
def test_hostile_settings_are_one_line_naming_the_file_and_what(
    tmp_path, capsys, content, fragment
):
    path = tmp_path / "hostile.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    err = _load_error(capsys, path)
    assert str(path) in err and fragment in err


def test_load_reads_only_regular_files_of_a_stated_size(tmp_path, capsys, monkeypatch):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # no writer: opening it must not wait for one
    assert "not a regular file" in _load_error(capsys, fifo)
    assert "not a regular file" in _load_error(capsys, "/dev/zero")
    assert "not a regular file" in _load_error(capsys, tmp_path)
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/urandom")
    assert "not a regular file" in _load_error(capsys, link)
    monkeypatch.setattr(export, "MAX_LOAD_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text(" " * 2000 + "{}")
    assert "--load reads files up to" in _load_error(capsys, big)


@functools.cache
def _export() -> Path:
    """A real export: a race at step 20 with a lesson page open."""
    session = Session(edit(Experiment(), "optimizer", "adam"))
    session.set_rivals((Rival("adagrad"), Rival("gd", 0.1)))
    session.forward(20)
    view = SavedView((-50.0, 10.0, -1.0, 2.0), theory=True)
    resume = Resume(20, session.rivals, view, lesson_page=2)
    return export_session(session, Path(tempfile.mkdtemp()), "export", resume)[0]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_mutated_exports_load_or_are_refused_in_one_line(data, tmp_path_factory):
    """A real export, cut, flipped or spliced: `run --load` runs it or refuses it (status 2,
    one line), never a traceback."""
    original = _export().read_bytes()
    kind = data.draw(st.sampled_from(["cut", "flip", "splice"]))
    at = data.draw(st.integers(0, len(original) - 1))
    if kind == "cut":
        mutated = original[:at]
    elif kind == "flip":
        mutated = (
            original[:at]
            + bytes([original[at] ^ data.draw(st.integers(1, 255))])
            + original[at + 1 :]
        )
    else:
        insert = data.draw(
            st.sampled_from([b"[", b"{", b"1e999", b'"', b"-", b"null", b"99999999999"])
        )
        mutated = original[:at] + insert + original[at:]
    path = tmp_path_factory.mktemp("mutated") / "export.json"
    path.write_bytes(mutated)
    try:
        status = main(["run", "--load", str(path), "--steps", "2", "--format", "csv"])
    except SystemExit as refused:
        assert refused.code == 2
    else:
        assert status == 0


def test_the_reload_hint_names_the_command_that_started_the_app(tmp_path, monkeypatch):
    """A venv's script is not on PATH unless the venv is active: the hint uses the path the
    app was started by, made absolute, and a module run as `python -m`."""
    import sys

    from tui_gradients.ui.outputs import relaunch_command

    monkeypatch.chdir(tmp_path)
    assert relaunch_command(".venv/bin/tui-gradients") == str(tmp_path / ".venv/bin/tui-gradients")
    assert relaunch_command("tui-gradients") == "tui-gradients"
    assert relaunch_command("/x/tui_gradients/__main__.py") == f"{sys.executable} -m tui_gradients"


async def test_an_export_writes_each_rivals_trajectory_and_files_anyone_may_read(
    tmp_path, monkeypatch
):
    """Each rival's path in a CSV of the main run's columns, and the files made as `open`
    makes them (0666 less the umask), not private as a temporary file is."""
    import os

    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        app = GradientsApp(rivals=(Rival("adagrad"), Rival("adam")))
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("5", "n", "e")
            await pilot.pause()
            adam = app.session.rival_runs[1].history.params[:6].copy()
    finally:
        os.umask(old)
    rivals = sorted(tmp_path.glob("*-rival-*-trajectory.csv"))
    assert [path.name.split("-rival-")[1] for path in rivals] == [
        "1-trajectory.csv",
        "2-trajectory.csv",
    ]
    rows = list(csv.reader(rivals[1].open()))
    assert tuple(rows[0]) == RUN_COLUMNS
    np.testing.assert_array_equal([[float(v) for v in row[1:3]] for row in rows[1:]], adam)
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in tmp_path.iterdir())

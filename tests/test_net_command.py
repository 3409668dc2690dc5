"""The `net` command: its rows are the network's own numbers, its weights files round-trip, and
every bad input is one line with exit status 2."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from tui_gradients.cli import main
from tui_gradients.core.network.datasets import DataSettings, load
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.training import NET_COLUMNS


def status(args: list[str]) -> int:
    """The exit status, whether the parser exits (a flag's value) or the command returns (a
    file read after parsing)."""
    try:
        return main(args)
    except SystemExit as exit:
        return int(exit.code or 0)


def rows_of(capsys, *args: str) -> list[dict[str, str]]:
    assert main(["net", *args]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_a_row_per_step_and_layer_with_the_issues_columns(capsys):
    rows = rows_of(capsys, "--depth", "3", "--width", "5", "--steps", "4")
    assert tuple(rows[0]) == NET_COLUMNS
    assert [(int(r["step"]), int(r["layer"])) for r in rows] == [
        (step, layer) for step in range(5) for layer in range(1, 5)
    ]
    assert all(r["update_data"] == "" for r in rows if r["step"] == "4")
    assert all(r["update_data"] != "" for r in rows if r["step"] != "4")
    assert all(r["saturated"] == "" for r in rows if r["layer"] == "4")  # the output layer


def test_the_rows_are_the_networks_numbers(capsys, tmp_path):
    """Row t's loss is the loss at the weights after t updates, and its update:data is
    log₁₀(std(ΔW)/std(W)) of the step from t to t + 1: checked against weights saved at t and
    t + 1 by two runs and the network's own loss."""
    common = ["--depth", "2", "--width", "4", "--optimizer", "adam", "--lr", "0.01"]
    for steps in (3, 4):
        rows = rows_of(
            capsys,
            *common,
            "--steps",
            str(steps),
            "--save-weights",
            str(tmp_path / f"w{steps}.npz"),
        )
    settings = NetSettings(depth=2, width=4)
    network = settings.network()
    before, after = (np.load(tmp_path / f"w{steps}.npz") for steps in (3, 4))
    three = [r for r in rows if r["step"] == "3"]
    from tui_gradients.core.network.experiment import load_weights

    params = load_weights(str(tmp_path / "w3.npz"), network.architecture)
    assert float(three[0]["loss"]) == network.loss_at(params)
    for row in three:
        k = row["layer"]
        w, moved = before[f"W{k}"], after[f"W{k}"] - before[f"W{k}"]
        assert float(row["update_data"]) == pytest.approx(
            math.log10(moved.std() / w.std()), abs=1e-12
        )


def test_weights_saved_then_given_start_where_they_ended(capsys, tmp_path):
    saved = tmp_path / "w.npz"
    first = rows_of(capsys, "--steps", "5", "--save-weights", str(saved))
    again = rows_of(capsys, "--steps", "0", "--weights", str(saved))
    assert again[0]["loss"] == next(r for r in first if r["step"] == "5")["loss"]
    names = sorted(np.load(saved).files)
    assert names == sorted(f"{kind}{k}" for kind in "Wb" for k in range(1, 6))
    assert np.load(saved)["W1"].shape == (16, 4)  # torch's (out, in)


def test_json_holds_the_settings_and_nulls_for_what_is_not_there(capsys):
    assert main(["net", "--steps", "1", "--format", "json", "--norm", "layer"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["network"]["norm"] == "layer" and out["network"]["classes"] == [
        "Adelie",
        "Chinstrap",
        "Gentoo",
    ]
    assert out["rows"][-1]["update_data"] is None
    assert out["optimizer"] == "gd lr=0.5"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--width", "257"], "--width"),
        (["--depth", "65"], "--depth"),
        (["--depth", "two"], "--depth"),
        (["--activation", "swish"], "--activation"),
        (["--init", "he"], "--init"),
        (["--norm", "group"], "--norm"),
        (["--norm", "batch", "--batch-size", "1"], "--batch-size"),
        (["--data", "circle", "--task", "regress"], "--task"),
        (["--data", "nowhere.csv"], "--data"),
        (["--optimizer", "newton"], "--optimizer"),
    ],
)
def test_a_bad_setting_is_one_line_naming_its_flag(args, flag, capsys):
    assert status(["net", *args, "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {flag}:" in err and "Traceback" not in err


def test_bad_data_files_are_one_line(tmp_path, capsys):
    one_class = tmp_path / "one.csv"
    one_class.write_text("a,b,c\n1,2,x\n3,4,x\n")
    many = tmp_path / "many.csv"
    many.write_text("a,c\n" + "".join(f"{i},{i}\n" for i in range(70)))
    words = tmp_path / "words.csv"
    words.write_text("a,b,c\n1,hello,1\n3,4,2\n")
    for args, says in [
        (["--data", str(one_class), "--task", "classify"], "has 1 class;"),
        (["--data", str(many), "--task", "classify"], "has 70 classes;"),
        (["--data", str(words), "--features", "a,b"], "row 1, column 'b': 'hello' is not a number"),
    ]:
        assert status(["net", *args, "--steps", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err


def test_weights_of_the_wrong_shape_are_refused(tmp_path, capsys):
    saved = tmp_path / "w.npz"
    rows_of(capsys, "--steps", "0", "--save-weights", str(saved))
    assert status(["net", "--width", "8", "--weights", str(saved)]) == 2
    assert "W1 has shape (16, 4), the network's is (8, 4)" in capsys.readouterr().err
    np.savez(saved, W1=np.zeros((16, 4)))
    assert status(["net", "--weights", str(saved)]) == 2
    assert "no array b1" in capsys.readouterr().err
    (tmp_path / "junk.npz").write_bytes(b"junk")
    assert status(["net", "--weights", str(tmp_path / "junk.npz")]) == 2
    assert "not an .npz file" in capsys.readouterr().err


def test_a_diverging_run_stops_with_a_reason(capsys):
    assert (
        main(["net", "--init", "normal=30", "--lr", "1e5", "--activation", "relu", "--steps", "50"])
        == 0
    )
    captured = capsys.readouterr()
    assert "diverged at step" in captured.err
    steps = {int(r["step"]) for r in csv.DictReader(io.StringIO(captured.out))}
    assert max(steps) < 50


def test_the_data_sets():
    penguins = load(DataSettings())
    assert penguins.x.shape == (342, 4) and penguins.skipped == 0
    assert penguins.classes == ("Adelie", "Chinstrap", "Gentoo")
    np.testing.assert_allclose(penguins.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(penguins.x.std(axis=0), 1)
    mass = load(DataSettings(source="body_mass"))
    assert mass.classes is None and mass.target.shape == (342, 1)
    assert mass.target.std() == pytest.approx(1) and mass.loss == "mse"
    raw = load(DataSettings(source="body_mass", standardize="none"))
    assert raw.target.min() == 2700 and raw.x[:, 2].max() == 231
    for toy in ("circle", "xor", "gaussian", "spiral"):
        data = load(DataSettings(source=toy, standardize="none", seed=1))
        assert data.x.shape == (200, 2) and set(data.target) == {0.0, 1.0}
        again = load(DataSettings(source=toy, standardize="none", seed=1))
        np.testing.assert_array_equal(data.x, again.x)
    circle = load(DataSettings(source="circle", standardize="none"))
    inside = np.hypot(*circle.x.T) < 2.5
    np.testing.assert_array_equal(inside, circle.target == 1)
    xor = load(DataSettings(source="xor", standardize="none"))
    np.testing.assert_array_equal(xor.x[:, 0] * xor.x[:, 1] >= 0, xor.target == 1)


def test_rows_with_a_missing_value_are_left_out_and_counted(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,2,3\n4,NA,5\n6,7,\n8,9,10\n11,12,13\n")
    data = load(DataSettings(source=str(path), standardize="none"))
    assert data.skipped == 2 and data.x.tolist() == [[1, 2], [8, 9], [11, 12]]
    assert "2 with missing values left out" in data.describe()


@pytest.mark.parametrize(
    ("activation", "share"),
    [("tanh", 3 / 8), ("sigmoid", 3 / 8), ("relu", 2 / 4), ("leaky_relu", 2 / 4), ("gelu", None)],
)
def test_saturated_means_past_97_percent_of_the_range_or_dead_on_the_whole_batch(activation, share):
    """Inputs 10 and 0.1 through weights 1, 1, 0, −1: tanh is past 0.97 for z = ±10 on the
    first sample only (3 of 8 outputs), and so is sigmoid (σ(10) = 0.99995, σ(−10) = 0.00005),
    whose range is 0 to 1; ReLU's units 3 and 4 have z ≤ 0 on both samples."""
    from tui_gradients.core.network.health import layer_health
    from tui_gradients.core.network.mlp import Architecture
    from tui_gradients.core.network.model import Network

    architecture = Architecture(inputs=1, outputs=1, depth=1, width=4, activation=activation)
    network = Network(architecture, np.array([[10.0], [0.1]]), np.zeros((2, 1)), "mse")
    params = np.zeros(architecture.layout.size)
    params[architecture.layout.slots[0].weight] = [1, 1, 0, -1]
    done = network.evaluate(params)
    first, output = layer_health(network, params, done, None)
    if share is None:
        assert math.isnan(first.saturated)
    else:
        assert first.saturated == share
    assert math.isnan(output.saturated) and math.isnan(first.update_data)
    assert first.act_std == pytest.approx(np.std(done.layers[0].a))
    assert first.grad_data == pytest.approx(np.std(done.grads[:4]) / np.std([1, 1, 0, -1]))

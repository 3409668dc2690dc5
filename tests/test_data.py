"""Surfaces fitted to data: the least-squares minimum, Hessian and κ against numpy and closed
forms, logistic derivatives against finite differences, standardising, minibatches that replay
from their seed, each malformed file refused in one line, and the app and CLI on top."""

import csv
import hashlib
import json
import math
import os
import threading
from dataclasses import replace

import numpy as np
import pytest

from tui_gradients.cli import main
from tui_gradients.core.errors import SettingError
from tui_gradients.core.files.export import load_settings, settings_to_dict
from tui_gradients.core.objectives import data as data_module
from tui_gradients.core.objectives import regression as regression_module
from tui_gradients.core.objectives.data import packaged, read_columns
from tui_gradients.core.objectives.theory import curvature
from tui_gradients.core.objectives.view import contains
from tui_gradients.core.runs.experiment import Experiment, PlaneSettings
from tui_gradients.core.runs.settings import edit, restore, saved
from tui_gradients.ui import setting_actions
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.widgets.lines import Lines

from .pilot_helpers import fields_ready, until

PENGUINS = packaged("penguins.csv")


def _penguin_columns(x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    """The shipped file read by the csv module alone, as a check on the app's reader."""
    with open(PENGUINS, newline="") as file:
        rows = list(csv.DictReader(file))
    return np.array([float(r[x]) for r in rows]), np.array([float(r[y]) for r in rows])


def _write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _plane(**changes) -> PlaneSettings:
    return PlaneSettings(function="penguins", **changes)


# --- least squares ---------------------------------------------------------------------------


def test_the_penguins_fit_is_numpys_least_squares_with_its_closed_form_hessian():
    x, y = _penguin_columns("flipper_length_mm", "body_mass_g")
    objective = _plane().objective
    design = np.column_stack([x, np.ones_like(x)])
    solution, residuals, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(objective.minima[0], solution, rtol=1e-9)
    assert objective.f_star == pytest.approx(residuals[0] / len(x), rel=1e-6)
    hessian = 2 * design.T @ design / len(x)
    curv = curvature(objective, (0.0, 0.0))
    np.testing.assert_allclose(curv.hessian, hessian, rtol=1e-12)
    assert curv.constant  # a quadratic: gd's predictions are exact
    low, high = np.linalg.eigvalsh(hessian)
    assert curv.condition == pytest.approx(high / low, rel=1e-9)
    assert 1e6 < curv.condition < 1e7  # flipper lengths near 200 mm: κ ≈ 8.3 million


def test_the_loss_and_its_gradient_are_the_mean_squared_error_and_its_derivative():
    x, y = _penguin_columns("flipper_length_mm", "body_mass_g")
    objective = _plane().objective
    for w, b in [(0.0, 0.0), (20.0, 100.0), (49.7, -5781.0)]:
        residual = w * x + b - y
        loss, grad = objective.value_and_grad(np.array([w, b]))
        assert loss == pytest.approx(np.mean(residual**2), rel=1e-9)
        expected = [np.mean(2 * residual * x), np.mean(2 * residual)]
        np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("standardize", ["x", "xy"])
def test_standardising_makes_the_hessian_twice_the_identity_and_keeps_the_line(standardize):
    raw, scaled = _plane().objective, _plane(standardize=standardize).objective
    curv = curvature(scaled, (0.0, 0.0))
    np.testing.assert_allclose(curv.hessian, 2 * np.eye(2), atol=1e-12)
    assert curv.condition == pytest.approx(1.0)
    line = scaled.regression.scaling.original(*scaled.minima[0])
    np.testing.assert_allclose(line, raw.minima[0], rtol=1e-9)
    assert scaled.suggested_lr == 0.5  # 1/λ_max: gd lands on the minimum in one step


def test_gd_on_the_standardised_penguins_arrives_in_one_step_and_crawls_unscaled():
    scaled = edit(edit(Experiment(), "function", "penguins"), "standardize", "x")
    run = scaled.plane_run()
    run.forward(1)
    np.testing.assert_allclose(run.params, scaled.plane.objective.minima[0], rtol=1e-9)
    raw = edit(Experiment(), "function", "penguins")
    run = raw.plane_run()
    run.forward(2000)
    minimum = np.array(raw.plane.objective.minima[0])
    distance = np.linalg.norm(run.params - minimum)
    assert distance > 0.99 * np.linalg.norm(minimum)  # 2000 steps, and not 1 % of the way
    # along the flat eigenvector the distance shrinks by exactly 1 − lr·λ_min a step
    low = curvature(raw.plane.objective, (0.0, 0.0)).eigenvalues[0]
    _, vectors = np.linalg.eigh(raw.plane.objective.hessian(np.zeros(2)))
    flat = vectors[:, 0]
    before = flat @ (run.history.params[1000] - minimum)
    after = flat @ (run.history.params[2000] - minimum)
    assert after / before == pytest.approx((1 - raw.hyper.lr * low) ** 1000, rel=1e-6)


# --- logistic ----------------------------------------------------------------------------------


def _logistic() -> PlaneSettings:
    return _plane(y_column="gentoo", model="logistic", standardize="x")


def test_logistic_gradient_and_hessian_match_finite_differences():
    objective = _logistic().objective
    for point in ([0.0, 0.0], [1.3, -0.7], [4.0, -2.0]):
        point = np.array(point)
        _, grad = objective.value_and_grad(point)
        h = 1e-6
        numeric = [
            (objective.value(*(point + h * e)) - objective.value(*(point - h * e))) / (2 * h)
            for e in np.eye(2)
        ]
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
        grad_at = lambda p: objective.value_and_grad(p)[1]  # noqa: E731
        second = [(grad_at(point + h * e) - grad_at(point - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(
            objective.hessian(point), np.array(second).T, rtol=1e-5, atol=1e-9
        )


def test_logistic_loss_is_the_mean_log_loss_and_its_minimum_has_no_gradient():
    x, y = _penguin_columns("flipper_length_mm", "gentoo")
    objective = _logistic().objective
    scaling = objective.regression.scaling
    point = np.array([1.5, -0.5])
    z = point[0] * (x - scaling.x_mean) / scaling.x_std + point[1]
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert objective.value(*point) == pytest.approx(expected, rel=1e-12)
    _, grad = objective.value_and_grad(np.array(objective.minima[0]))
    assert np.linalg.norm(grad) < 1e-10
    assert objective.f_star == pytest.approx(objective.value(*objective.minima[0]))


def test_separable_classes_have_no_minimum_to_show(tmp_path):
    path = _write(tmp_path, "x,y\n1,0\n2,0\n3,1\n4,1\n")
    objective = PlaneSettings(function="data", data=path, model="logistic").objective
    assert objective.minima == () and objective.f_star is None


def test_logistic_refuses_a_target_that_is_not_0_or_1():
    with pytest.raises(SettingError) as caught:
        _plane(model="logistic")  # body mass is not a class
    assert caught.value.name == "y_column" and "0/1" in caught.value.message


def test_a_logistic_run_steps_with_its_own_hessian_where_there_is_no_formula():
    experiment = edit(edit(Experiment(plane=_logistic()), "optimizer", "newton"), "lr", "1")
    run = experiment.plane_run()
    run.forward(30)
    np.testing.assert_allclose(run.params, experiment.plane.objective.minima[0], atol=1e-8)


# --- minibatches -------------------------------------------------------------------------------


def _batched(size: int = 32, seed: int = 7) -> Experiment:
    experiment = edit(Experiment(), "function", "penguins")
    for name, value in (("standardize", "x"), ("batch_size", str(size)), ("batch_seed", str(seed))):
        experiment = edit(experiment, name, value)
    return edit(experiment, "lr", "0.1")


def test_each_epoch_visits_every_sample_once_in_an_order_set_by_the_seed():
    batches = _batched().plane.batches
    assert batches.per_epoch == 11  # 342 samples in batches of 32, the last one of 22
    for epoch in range(3):
        steps = range(epoch * batches.per_epoch, (epoch + 1) * batches.per_epoch)
        seen = np.concatenate([batches.indices(step) for step in steps])
        assert sorted(seen) == list(range(342))
    first, second = (
        np.concatenate([batches.indices(s) for s in range(e * 11, e * 11 + 11)]) for e in (0, 1)
    )
    assert not np.array_equal(first, second)  # a new order each epoch
    other = _batched(seed=8).plane.batches
    assert not np.array_equal(batches.indices(0), other.indices(0))


def test_a_minibatch_run_replays_exactly_and_steps_on_its_batch_gradient():
    experiment = _batched()
    one, two = experiment.plane_run(), experiment.plane_run()
    one.forward(50)
    two.forward(20)
    two.back(5)
    two.forward(35)
    np.testing.assert_array_equal(one.history.params, two.history.params)
    regression, batches = experiment.plane.regression, experiment.plane.batches
    for step in (0, 11, 49):
        params = one.history.params[step]
        _, batch_grad = regression.batch_loss_and_grad(params, batches.indices(step))
        np.testing.assert_array_equal(one.history.grads[step], batch_grad)
        assert one.history.loss[step] == regression.value(*params)  # the full batch's loss
        np.testing.assert_allclose(
            one.history.params[step + 1], params - 0.1 * batch_grad, rtol=1e-15
        )
    full = experiment.plane.objective.value_and_grad(one.history.params[49])[1]
    assert not np.allclose(one.history.grads[49], full)  # noise: not the full gradient


def test_batch_size_is_checked_against_the_data_and_the_optimiser():
    with pytest.raises(SettingError, match="from 1 to 342"):
        edit(edit(Experiment(), "function", "penguins"), "batch_size", "343")
    with pytest.raises(SettingError, match="need data"):
        edit(Experiment(), "batch_size", "8")
    with pytest.raises(SettingError, match="full batch"):
        edit(_batched(), "optimizer", "lbfgs")


# --- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "x", "y", "name", "fragment"),
    [
        ("a,b\n1,2\n2,4\n", "c", "b", "x_column", "no column 'c'"),
        ("a,b\n1,2\n2,4\n", "a", "z", "y_column", "no column 'z'"),
        ("a,b\n1,2\n2,NA\n3,5\n", "a", "b", "data", "row 2, column 'b': 'NA' is not a number"),
        ("a,b\n1,2\n2,nan\n", "a", "b", "data", "row 2, column 'b': 'nan' is not a finite"),
        ("a,b\n1,2\n", "a", "b", "data", "1 data row(s); a fit needs at least 2"),
        ("a,b\n", "a", "b", "data", "0 data row(s)"),
        ("", "a", "b", "data", "empty"),
        ("a,b\n1,2\n1,3\n1,4\n", "a", "b", "x_column", "column 'a' is constant"),
        ("a,b\n1,2\n2,2\n", "a", "b", "y_column", "column 'b' is constant"),
        ("a,b\n1,2\n2\n", "a", "b", "data", "row 2 has 1 cells, the header 2"),
        ("name,note\nx,y\nz,w\n", "", "", "data", "no column of numbers"),
    ],
)
def test_each_malformed_file_is_one_line_naming_what_is_wrong(tmp_path, text, x, y, name, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(SettingError) as caught:
        read_columns(path, x, y)
    assert caught.value.name == name
    assert fragment in caught.value.message
    assert "\n" not in str(caught.value)


def test_files_that_are_not_csv_text_of_a_stated_size_are_refused(tmp_path, monkeypatch):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(SettingError, match="not UTF-8"):
        read_columns(str(binary))
    with pytest.raises(SettingError, match="not a regular file"):
        read_columns(str(tmp_path))
    with pytest.raises(SettingError, match="cannot read"):
        read_columns(str(tmp_path / "missing.csv"))
    monkeypatch.setattr(data_module, "MAX_DATA_BYTES", 10)
    with pytest.raises(SettingError, match="files up to 0 MB"):
        read_columns(_write(tmp_path, "a,b\n1,2\n2,3\n", "big.csv"))


def test_empty_column_names_mean_the_first_and_last_columns_of_numbers(tmp_path):
    path = _write(tmp_path, "label,u,v,w,tag\nk,1,5,2,q\nm,2,6,4,r\n")
    columns = read_columns(path)
    assert (columns.x_name, columns.y_name) == ("u", "w")
    assert columns.sha256 == hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()


def test_a_file_changed_on_disk_is_read_again(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n2,4\n")
    assert read_columns(path, "a", "b").y.tolist() == [2.0, 4.0]
    with open(path, "w") as file:
        file.write("a,b\n1,3\n2,5\n3,8\n")
    os.utime(path, ns=(1, 1))  # a new modification time whatever the clock's resolution
    assert read_columns(path, "a", "b").y.tolist() == [3.0, 5.0, 8.0]


def test_settings_round_trip_with_the_file_and_refuse_it_once_changed(tmp_path):
    path = _write(tmp_path, "u,v,k\n1,2.5,0\n2,3.9,1\n3,6.1,0\n4,8.2,1\n")
    experiment = Experiment()
    for name, value in (("data", path), ("y_column", "v"), ("standardize", "xy")):
        experiment = edit(experiment, name, value)
    experiment = edit(experiment, "batch_size", "2")
    values = saved(experiment)
    assert "function" not in values and values["data"] == path
    assert saved(restore(values)) == values
    document = tmp_path / "settings.json"
    document.write_text(json.dumps(settings_to_dict(experiment)))
    loaded = load_settings(document)
    assert saved(loaded) == values and loaded.plane.batches == experiment.plane.batches
    with open(path, "a") as file:
        file.write("5,10.1,1\n")
    with pytest.raises(SettingError) as caught:
        load_settings(document)
    assert "has changed since it was saved" in caught.value.message
    assert "\n" not in caught.value.message


def test_a_preset_or_formula_clears_the_data_and_its_settings():
    experiment = _batched()
    quadratic = edit(experiment, "function", "quadratic")
    assert quadratic.plane == PlaneSettings()
    assert "data" not in saved(quadratic) and "batch_size" not in saved(quadratic)
    with pytest.raises(SettingError, match="no data loaded"):
        edit(quadratic, "standardize", "x")


# --- the command line ----------------------------------------------------------------------------


def test_run_on_data_keeps_the_columns_and_its_rows_are_the_runs(tmp_path, capsys):
    path = _write(tmp_path, "size,price\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n")
    assert main(["run", "--data", path, "--x", "size", "--y", "price", "--steps", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step,w1,w2,loss,grad_w1,grad_w2,lr"
    experiment = restore({"data": path, "x_column": "size", "y_column": "price"})
    run = experiment.plane_run()
    run.forward(5)
    last = [float(v) for v in lines[-1].split(",")]
    assert last[1:3] == run.params.tolist() and last[3] == run.loss


def test_run_with_minibatches_is_reproducible_from_the_seed(capsys):
    flags = ["run", "--preset", "penguins", "--standardize", "x", "--batch-size", "16"]
    flags += ["--lr", "0.1", "--steps", "30"]
    outputs = []
    for seed in ("3", "3", "4"):
        main([*flags, "--seed", seed])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] != outputs[2]


def test_run_refuses_a_bad_file_in_one_line_under_its_flag(tmp_path, capsys):
    path = _write(tmp_path, "a,b\n1,2\n2,x\n")
    with pytest.raises(SystemExit) as caught:
        main(["run", "--data", path])
    assert caught.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.endswith("argument --data: " + f"{path}: row 2, column 'b': 'x' is not a number")
    with pytest.raises(SystemExit):
        main(["run", "--preset", "penguins", "--x", "beak"])
    assert "argument --x: no column 'beak'" in capsys.readouterr().err


# --- the app -------------------------------------------------------------------------------------


def _readout(app) -> str:
    return app.query_one("#readout", Lines).text


async def test_u_standardises_and_the_fit_row_keeps_the_line_in_the_datas_units():
    experiment = edit(Experiment(), "function", "penguins")
    app = GradientsApp(experiment)
    async with app.run_test(size=(160, 48)) as pilot:
        await fields_ready(pilot)
        await pilot.press("s")
        assert app.session.experiment.plane.standardize == "x"
        assert app.session.experiment.hyper.lr == 0.5
        await pilot.pause()
        assert "standardised: x; κ 1; lr 0.5" in app.query_one("#status", Lines).text
        await pilot.press("n")
        assert "fit       y = 49.69·x − 5781" in _readout(app)
        await pilot.press("s", "n")
        assert app.session.experiment.plane.standardize == "xy"
        assert "fit       y = 49.69·x − 5781" in _readout(app)
        await pilot.press("s")
        assert app.session.experiment.plane.standardize == "none"
        assert "fit       y = 0·x + 0" in _readout(app)


async def test_u_without_data_says_so_and_changes_nothing():
    app = GradientsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session.experiment
        await pilot.press("s")
        assert app.session.experiment is before
        assert "no data to standardise" in app.query_one("#status", Lines).text


async def test_the_batch_row_names_the_epoch_and_the_loss_of_the_batch():
    app = GradientsApp(_batched())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("1", "2", "n")
        session = app.session
        regression, batches = session.experiment.plane.regression, session.experiment.plane.batches
        loss, _ = regression.batch_loss_and_grad(session.plane.params, batches.indices(12))
        assert f"epoch     2, batch 2/11\nbatch f   {loss:.6g}\n" in _readout(app)


async def test_a_data_file_typed_in_the_panel_becomes_the_surface(tmp_path):
    path = _write(tmp_path, "size,price\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n")
    app = GradientsApp()
    async with app.run_test(size=(160, 48)) as pilot:
        await fields_ready(pilot)
        field = app.main_screen.panel.query_one("#data")
        field.focus()
        field.value = path
        await pilot.press("enter")
        plane = app.session.experiment.plane
        assert plane.data == path and plane.regression.columns.x_name == "size"
        minimum = plane.objective.minima[0]
        assert contains(app.main_screen.plot_view.window, minimum)  # the view fits the new surface
        field.value = str(tmp_path / "missing.csv")
        await pilot.press("enter")
        assert app.session.experiment.plane.data == path  # refused: nothing lost
        error = app.main_screen.panel.query_one("#data-error")
        assert "cannot read" in str(error.render())


def test_a_changed_data_file_hash_is_refused_by_the_flag(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n2,5\n")
    experiment = edit(Experiment(), "data", path)
    digest = experiment.plane.regression.columns.sha256
    assert edit(experiment, "data_sha256", digest) == experiment
    with pytest.raises(SettingError, match="has changed"):
        edit(experiment, "data_sha256", "0" * 64)
    assert replace(experiment.plane, start=(1.0, 1.0)).regression.columns.sha256 == digest


def test_a_logistic_contour_grid_over_many_samples_is_drawn_close_to_the_exact_loss(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, 5000)
    y = (x + rng.normal(0.0, 1.0, 5000) > 0).astype(int)
    lines = ["x,y", *(f"{a!r},{b}" for a, b in zip(x.tolist(), y.tolist(), strict=True))]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    objective = PlaneSettings(function="data", data=path, model="logistic").objective
    assert len(objective.regression._summary[0]) <= regression_module.DRAWN_SAMPLES < 5000
    w, b = np.meshgrid(np.linspace(-3, 6, 7), np.linspace(-4, 4, 5))
    exact = np.vectorize(lambda w, b: objective.value(float(w), float(b)))(w, b)
    np.testing.assert_allclose(objective.value(w, b), exact, rtol=1e-3)
    assert np.abs(objective.value(w, b) - exact).max() > 0  # it went through the summary


def _large_file(tmp_path, bad_row: int | None = None) -> str:
    """More than the panel reads in the foreground: 20 000 rows."""
    rng = np.random.default_rng(3)
    x = rng.normal(200.0, 14.0, 20_000)
    y = 50.0 * x - 5800.0 + rng.normal(0.0, 400.0, 20_000)
    cells = [f"{a!r},{b!r}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    if bad_row is not None:
        cells[bad_row - 1] = "1.5,oops"
    path = _write(tmp_path, "\n".join(["x,y", *cells]) + "\n", "large.csv")
    assert os.path.getsize(path) > setting_actions.THREADED_DATA_BYTES
    return path


async def test_a_large_file_typed_in_the_panel_is_read_in_a_thread_then_applied(
    tmp_path, monkeypatch
):
    path = _large_file(tmp_path)
    read_in = []
    real = data_module._read
    monkeypatch.setattr(
        data_module, "_read", lambda *a: read_in.append(threading.current_thread()) or real(*a)
    )
    app = GradientsApp()
    async with app.run_test(size=(160, 48)) as pilot:
        await fields_ready(pilot)
        field = app.main_screen.panel.query_one("#data")
        field.focus()
        field.value = path
        await pilot.press("enter")
        await until(pilot, lambda: app.session.experiment.plane.data == path, "the file applied")
        assert app.session.experiment.plane.regression.rows == 20_000
    assert read_in and threading.main_thread() not in read_in[:1]  # first read: in the thread


async def test_a_large_bad_file_is_refused_under_its_field_after_the_thread(tmp_path):
    path = _large_file(tmp_path, bad_row=12_345)
    app = GradientsApp()
    async with app.run_test(size=(160, 48)) as pilot:
        await fields_ready(pilot)
        before = app.session.experiment
        field = app.main_screen.panel.query_one("#data")
        field.focus()
        field.value = path
        await pilot.press("enter")
        error = app.main_screen.panel.query_one("#data-error")
        await until(pilot, lambda: "row 12345" in str(error.render()), "the refusal shown")
        assert "'oops' is not a number; still using the previous value" in str(error.render())
        assert app.session.experiment is before


@pytest.mark.parametrize(
    "rows",
    [
        [(1e160, 1e200), (2e160, 3e200), (5e160, 2e200)],
        [(1e300, 1e300), (-1e300, 2e300), (5e299, -1e300)],
        [(1e-200, 1.0), (2e-200, 3.0), (3e-200, 2.0)],
        [(1e-320, 1.0), (2e-320, 3.0), (3e-320, 2.0)],
        [(1.0, 1e-200), (2.0, 3e-200), (3.0, 2e-200)],
    ],
    ids=["1e160 and 1e200", "±1e300", "1e-200", "subnormal", "tiny y"],
)
def test_data_at_the_edges_of_the_doubles_is_standardised_or_refused_in_one_line(
    tmp_path, capsys, rows
):
    """Values whose squares overflow or vanish: standardised as they load (the fit is then the
    same line, rescaled), or, where the user asks for them unscaled, one line naming the
    column."""
    path = tmp_path / "edge.csv"
    path.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows))
    assert main(["run", "--data", str(path), "--steps", "3"]) == 0
    out = capsys.readouterr().out
    rows_out = list(csv.reader(out.splitlines()))[1:]
    assert len(rows_out) >= 2  # the start and a step (it may converge at once)
    assert all(math.isfinite(float(cell)) for row in rows_out for cell in row)
    experiment = edit(Experiment(), "data", str(path))
    assert experiment.plane.standardize != "none"  # chosen as the file loaded
    with pytest.raises(SystemExit):
        main(["run", "--data", str(path), "--standardize", "none"])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("column 'x'" in err or "column 'y'" in err)


def test_a_file_is_kept_as_float_columns_not_as_text(tmp_path, monkeypatch):
    """Parsed chunk by chunk into floats (a 63 MB file of blank lines once peaked at 5 GB, 11 M
    short rows kept 2.9 GB of strings): what stays is a float array per column, and the first
    bad cell of a column is still named, by row, once that column is used."""
    monkeypatch.setattr(data_module, "CHUNK_CELLS", 6)  # several chunks even for a small file
    path = tmp_path / "chunks.csv"
    path.write_text("a,b,c\n" + "".join(f"{i},{2 * i + 1},x{i}\n" for i in range(1, 12)))
    table = data_module._parsed(str(path), *_stat(path))
    assert [column.dtype for column in table.columns] == [np.float64] * 3
    assert not hasattr(table, "rows")  # no cell kept as text
    columns = read_columns(str(path), "a", "b")
    assert list(columns.y) == [2.0 * i + 1 for i in range(1, 12)]
    with pytest.raises(SettingError, match=r"row 1, column 'c': 'x1' is not a number"):
        read_columns(str(path), "a", "c")


def _stat(path):
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns

"""A plane through a network's weights: every grid value is the network's loss there (its own
pass, and torch's where installed), the path's coordinates are its least-squares projection,
and each plane is the one its definition says."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tui_gradients.cli import main
from tui_gradients.core.errors import SettingError
from tui_gradients.core.network.experiment import NetSettings
from tui_gradients.core.network.plane import (
    grid_loss,
    pca_plane,
    plane_of,
    random_plane,
    span,
    weight_index,
    weights_plane,
)
from tui_gradients.core.network.training import train
from tui_gradients.core.optimisation.optimizers import Hyperparameters

SETTINGS = NetSettings(depth=3, width=6, norm="layer")


def trained(steps: int = 20):
    network = SETTINGS.network()
    params = SETTINGS.initial_params(network.architecture)
    optimizer = Hyperparameters(optimizer="adam", lr=0.05).build()
    path = np.array(
        [s.params for s in itertools.islice(train(network, optimizer, params), steps + 1)]
    )
    return network, path


@pytest.mark.parametrize("kind", ["weights", "random", "pca"])
def test_each_grid_value_is_the_networks_loss_at_that_point(kind):
    network, path = trained()
    plane = plane_of(kind, network, path)
    u, v = np.linspace(-1.5, 2.0, 7), np.linspace(-0.5, 1.0, 5)
    loss = grid_loss(network, plane, u, v)
    assert loss.shape == (5, 7)
    for row, column in [(0, 0), (4, 6), (2, 3), (1, 5)]:
        point = plane.origin + u[column] * plane.directions[0] + v[row] * plane.directions[1]
        assert loss[row, column] == pytest.approx(network.loss_at(point), rel=1e-12)


def test_the_grid_equals_torch_where_installed():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(Path(__file__).parent))
    from make_network_reference import TorchNetwork, loss_of

    torch.set_default_dtype(torch.float64)
    network, path = trained()
    plane = plane_of("random", network, path)
    u = v = np.linspace(-1.0, 1.0, 4)
    loss = grid_loss(network, plane, u, v)
    for row, column in [(0, 0), (3, 1), (2, 2)]:
        point = plane.origin + u[column] * plane.directions[0] + v[row] * plane.directions[1]
        net = TorchNetwork(network.architecture, point)
        theirs = loss_of("x_classify", net(torch.tensor(network.x))[0], network.target).item()
        assert loss[row, column] == pytest.approx(theirs, rel=1e-9)


def test_the_path_is_projected_by_least_squares():
    network, path = trained()
    for kind in ("weights", "random", "pca"):
        plane = plane_of(kind, network, path)
        coordinates = plane.project(path)
        basis = np.stack(plane.directions, axis=1)
        normal = np.linalg.solve(basis.T @ basis, basis.T @ (path - plane.origin).T).T
        np.testing.assert_allclose(coordinates, normal, rtol=1e-9, atol=1e-12)
    assert np.allclose(plane_of("pca", network, path).project(path[-1]), 0)


def test_weights_plane_axes_are_the_named_weights():
    network, path = trained(2)
    architecture = network.architecture
    numbered = np.arange(architecture.layout.size, dtype=float)
    index = weight_index(architecture, "W2[3,4]")
    assert architecture.layout.weight(numbered, 2)[3, 4] == numbered[index]
    assert weight_index(architecture, "b4[2]") == architecture.layout.slots[3].bias.start + 2
    plane = weights_plane(architecture, path[-1])
    assert plane.axes == ("W1[0,0]", "W4[0,0]")
    assert [int(np.flatnonzero(d)[0]) for d in plane.directions] == [
        0,
        architecture.layout.slots[3].weight.start,
    ]
    for bad in ("W9[0,0]", "W1[6,0]", "W1[0]", "x"):
        with pytest.raises(SettingError):
            weight_index(architecture, bad)


def test_random_directions_are_filter_normalised():
    network, path = trained(2)
    architecture = network.architecture
    plane = random_plane(architecture, path[-1], seed=3)
    for direction in plane.directions:
        for layer, slot in enumerate(architecture.layout.slots, start=1):
            rows = architecture.layout.weight(direction, layer)
            weights = architecture.layout.weight(path[-1], layer)
            np.testing.assert_allclose(
                np.linalg.norm(rows, axis=1), np.linalg.norm(weights, axis=1)
            )
            assert not direction[slot.bias].any()
            if slot.gamma is not None:
                assert not direction[slot.gamma].any() and not direction[slot.beta].any()
    again = random_plane(architecture, path[-1], seed=3)
    np.testing.assert_array_equal(again.directions[0], plane.directions[0])


def test_the_pca_plane_is_the_paths_principal_directions():
    _, path = trained()
    plane = pca_plane(path)
    differences = path[:-1] - path[-1]
    values = np.linalg.svd(differences, compute_uv=False)
    shares = values**2 / np.sum(values**2)
    assert plane.explained == pytest.approx((shares[0], shares[1]))
    residual = differences - plane.project(path[:-1]) @ np.stack(plane.directions)
    assert np.linalg.norm(residual) ** 2 == pytest.approx(np.sum(values[2:] ** 2), rel=1e-6)
    assert plane.axes[0].startswith("PC1 ")


def test_stacks_of_networks_give_each_its_own_loss():
    network, path = trained(5)
    assert network.losses(path).tolist() == pytest.approx(
        [network.loss_at(p) for p in path], rel=1e-13
    )


def test_the_window_holds_the_path_and_the_origin():
    low_u, high_u, low_v, high_v = span(np.array([[3.0, -0.2], [5.0, 0.1]]))
    assert low_u <= -1 and high_u >= 5 and low_v <= -1 and high_v >= 1


def test_the_plane_command_writes_the_issues_json(capsys):
    assert (
        main(
            [
                "net",
                "--depth",
                "2",
                "--width",
                "4",
                "--plane",
                "pca",
                "--grid",
                "6",
                "--steps",
                "12",
                "--format",
                "json",
            ]
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert len(document["u"]) == len(document["v"]) == 6
    assert len(document["loss"]) == 6 and all(len(row) == 6 for row in document["loss"])
    assert len(document["path"]) == 13 and len(document["directions"]) == 2
    assert len(document["origin"]) == len(document["directions"][0])
    network = NetSettings(depth=2, width=4).network()
    origin, (d1, d2) = np.array(document["origin"]), (np.array(d) for d in document["directions"])
    u, v = document["u"][4], document["v"][1]
    assert document["loss"][1][4] == pytest.approx(
        network.loss_at(origin + u * d1 + v * d2), rel=1e-12
    )


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.parametrize("kind", ["weights", "random", "pca"])
async def test_the_current_point_is_drawn_where_the_status_says(kind, size, ascii_only):
    """The loss plane in the app: after steps and the grid computed in its thread, the main
    run's current point is drawn within a cell of its (u, v), read back through the axes' ticks;
    and (u, v) is the least-squares projection of the cursor's weights."""
    import re

    from tui_gradients.ui.app import GradientsApp
    from tui_gradients.ui.marks import MARKS
    from tui_gradients.ui.network_screen import NetworkStart
    from tui_gradients.ui.widgets.lines import Lines
    from tui_gradients.ui.widgets.loss_plane import LossPlane

    from .pilot_helpers import until
    from .test_picture import _assert_marker_agrees, _screen_cells, _ticks

    settings = NetSettings(depth=4, width=8, activation="sigmoid")
    start = NetworkStart(settings, Hyperparameters(optimizer="adam", lr=0.05), plane=kind)
    app = GradientsApp(network=start, ascii_only=ascii_only)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await pilot.press("1", "5", "n")
        await until(pilot, lambda: screen.run.cursor == 15, "fifteen steps")
        assert screen.chart == "landscape"
        plane = screen.query_one(LossPlane)
        await until(
            pilot,
            lambda: plane.landscape is not None and plane.landscape.u.size == 60,
            "the fine grid",
        )
        await pilot.pause(0.1)
        status = screen.query_one("#net-status", Lines).text
        match = re.search(r"u, v (\S+), (\S+)", status)
        assert match, status
        point = (float(match.group(1)), float(match.group(2)))
        expected = plane.landscape.plane.project(screen.run.current.params)[0]
        assert point == pytest.approx(tuple(expected), rel=1e-3, abs=1e-9)
        rows = _screen_cells(plane)
        _assert_marker_agrees(rows, MARKS[0].glyph(ascii_only), point, *_ticks(rows))


async def test_the_grid_never_holds_the_keys_and_esc_stops_it():
    from tui_gradients.ui.app import GradientsApp
    from tui_gradients.ui.network_screen import NetworkStart
    from tui_gradients.ui.widgets.lines import Lines
    from tui_gradients.ui.widgets.loss_plane import LossPlane

    from .pilot_helpers import until

    start = NetworkStart(NetSettings(depth=8, width=96), Hyperparameters(), plane="random")
    app = GradientsApp(network=start)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert screen.chart == "landscape"  # --plane opens on it
        await pilot.press("W")  # the grid of a large network: seconds of work in its thread
        await pilot.press("n", "n", "n")
        await until(pilot, lambda: screen.run.cursor == 3, "steps taken while the grid computes")
        await pilot.press("W", "escape")
        message = screen.query_one("#net-message", Lines).text
        assert "grid stopped" in message
        job = screen.query_one(LossPlane).computing
        assert job is not None and job.is_set()


async def test_the_app_takes_the_weights_plane_axes_from_the_flag(capsys):
    from tui_gradients.arguments import parse
    from tui_gradients.ui.app import GradientsApp
    from tui_gradients.ui.network_screen import NetworkStart
    from tui_gradients.ui.widgets.loss_plane import LossPlane

    from .pilot_helpers import until

    words = ["net", "--app", "--depth", "2", "--width", "4", "--plane", "weights"]
    args, experiment = parse([*words, "--plane-weights", "W2[1,3],b3[2]"])
    assert args.plane_axes == ("W2[1,3]", "b3[2]")
    start = NetworkStart(args.net, experiment.hyper, None, args.plane, args.plane_axes)
    app = GradientsApp(network=start)
    async with app.run_test(size=(100, 30)) as pilot:
        plane = app.screen.query_one(LossPlane)
        await until(pilot, lambda: plane.landscape is not None, "the loss plane")
        assert plane.landscape.plane.axes == ("W2[1,3]", "b3[2]")
    with pytest.raises(SystemExit) as exit_info:
        parse([*words, "--plane-weights", "W2[9,9],W1[0,0]"])
    assert exit_info.value.code == 2
    assert "argument --plane-weights: W2[9,9]: no such weight" in capsys.readouterr().err

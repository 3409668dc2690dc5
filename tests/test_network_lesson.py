"""The network lesson: each page's numbers are measured from the networks it names, and its
words follow what was measured."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tui_gradients.core.network import lessons
from tui_gradients.core.network.health import layer_health
from tui_gradients.core.network.lessons import Bridge, Depthwise
from tui_gradients.core.network.plane import weight_index
from tui_gradients.core.network.run import NetworkRun
from tui_gradients.core.optimisation.optimizers import Hyperparameters, label
from tui_gradients.ui.app import GradientsApp
from tui_gradients.ui.network_lesson import PAGES, bridge_page, planes_page, relu_page
from tui_gradients.ui.network_screen import NetworkStart

from .pilot_helpers import until


def test_a_depthwise_row_is_the_first_against_the_last_hidden_layer():
    label, settings = lessons.INITIALISATIONS[0]
    row = lessons.at_initialisation(label, settings)
    network = settings.network()
    params = settings.initial_params(network.architecture)
    rows = layer_health(network, params, network.evaluate(params), None)
    assert row.gradient_ratio == rows[0].grad_w_norm / rows[9].grad_w_norm
    assert (row.first_spread, row.last_spread) == (rows[0].act_std, rows[9].act_std)
    assert settings.depth == 10 and settings.activation == "sigmoid"


def test_the_curvature_is_the_losss_second_derivative_along_the_direction():
    settings = lessons.BRIDGE_SETTINGS
    coarse, fine = (lessons.curvature(settings, 1, h=h) for h in (1e-2, 1e-3))
    assert fine == pytest.approx(coarse, rel=1e-2, abs=1e-9)
    steep = lessons.curvature(settings, settings.depth + 1)
    assert abs(steep) > 1e3 * abs(fine)  # the bowl: flat along the first layer, steep at the end


def test_steps_to_is_the_first_step_at_90_percent():
    settings = lessons.BRIDGE_SETTINGS
    hyper = Hyperparameters(optimizer="adam", lr=0.01)
    step = lessons.steps_to(settings, hyper)
    assert step is not None
    network = settings.network()
    run = NetworkRun(network, hyper.build(), settings.initial_params(network.architecture))
    run.go_to(step)
    assert run.current.accuracy >= 0.9
    run.go_to(step - 1)
    assert run.current.accuracy < 0.9


def test_the_words_follow_the_numbers():
    settings = lessons.RELU_DEPTHS[0][1]
    grown = [Depthwise("x", settings, 1.0, 1.0, 1.0)] * 2 + [
        Depthwise("r", settings, 1.0, 1.0, 1e6),
        Depthwise("n", settings, 0.5, 1.0, 2.0),
    ]
    assert "grows to 1e+06" in relu_page(grown).replace("\n", " ")
    kept = [*grown[:2], Depthwise("r", settings, 1.0, 1.0, 2.0), grown[3]]
    assert "goes to 2" in relu_page(kept).replace("\n", " ")
    labels = [label(hyper.optimizer, hyper.lr) for hyper in lessons.BRIDGE_OPTIMIZERS]
    found = Bridge(lessons.BRIDGE_SETTINGS, 1e-9, 0.03, {labels[0]: None, labels[1]: 192})
    text = bridge_page(found).replace("\n", " ")
    assert "does not reach 90% accuracy in 2000 steps" in text
    assert "reaches 90% accuracy at step 192" in text and "3e+07 times" in text


async def test_the_lesson_opens_measures_pages_and_loads_its_network():
    app = GradientsApp(network=NetworkStart(lessons.RELU_DEPTHS[1][1], Hyperparameters()))
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("t")
        screen = app.screen
        text = screen.query_one("#net-lesson-text")
        await until(pilot, lambda: "| start |" in text.source, "the first page's numbers")
        rows = lessons.initialisations()
        for row in rows:
            assert f"| {row.label} | {row.gradient_ratio:.2g} |" in text.source
        await pilot.press("right_square_bracket")
        await until(
            pilot, lambda: "ReLU wants" in text.source and "| start |" in text.source, "page 2"
        )
        await pilot.press("enter")
        await pilot.pause()
        assert screen.settings == PAGES[1].setup[0]
        status = screen.query_one("#net-status").text
        assert "step 0 " in status and "gd lr 0.05" in status
        assert len(screen.query_one("LayerTable").text.splitlines()) > 5
        await pilot.press("t")
        assert not screen.query_one("#net-lesson").display


def test_every_page_loads_a_network_it_can_train():
    for page in PAGES:
        settings, hyper = page.setup
        network = settings.network()
        run = NetworkRun(network, hyper.build(), settings.initial_params(network.architecture))
        run.advance(2)
        assert math.isfinite(run.current.loss) and np.isfinite(run.summary().loss).all()


def test_the_planes_page_measures_what_each_plane_holds_of_the_path():
    views = lessons.planes()
    weights, random, pca = views
    assert [view.kind for view in views] == ["weights", "random", "pca"]
    share = pca.explained[0] + pca.explained[1]
    assert pca.off_plane == pytest.approx(math.sqrt(max(1 - share, 0.0)), abs=1e-6)
    network = lessons.PLANE_SETTINGS.network()
    optimizer = lessons.PLANE_OPTIMIZER.build()
    run = NetworkRun(
        network, optimizer, lessons.PLANE_SETTINGS.initial_params(network.architecture)
    )
    run.go_to(lessons.PLANE_STEPS)
    path = run.visited()
    moved = path - path[-1]
    columns = [weight_index(network.architecture, name) for name in weights.axes]
    on_plane = np.sum(moved[:, columns] ** 2)
    assert weights.off_plane == pytest.approx(math.sqrt(1 - on_plane / np.sum(moved**2)), rel=1e-6)
    h = 0.05
    direction = np.zeros(path.shape[1])
    direction[columns[0]] = 1.0
    along_u = (
        network.loss_at(path[-1] + h * direction)
        - 2 * network.loss_at(path[-1])
        + network.loss_at(path[-1] - h * direction)
    ) / h**2
    assert weights.curvature[0] == pytest.approx(along_u, rel=1e-6, abs=1e-9)
    assert random.lowest <= random.highest
    text = planes_page(views).replace("\n", " ")
    assert f"{random.off_plane:.0%} of it lies off the plane" in text

"""The lesson's pages: every number quoted is the one the maths and the app's own runs give."""

import math
import re
import string
from importlib import resources

import numpy as np
import pytest

from tui_gradients.core.network.chain import Chain
from tui_gradients.core.objectives.theory import steps_until_fraction
from tui_gradients.core.runs.lesson import PAGES, page, page_count
from tui_gradients.core.runs.rivals import Rival
from tui_gradients.core.runs.session import Session


def _words(number: int) -> str:
    return " ".join(page(number).text.split())


def test_every_template_field_is_filled_and_no_number_is_typed_into_the_words():
    for number, (name, _, _) in enumerate(PAGES, start=1):
        template = resources.files("tui_gradients.lesson").joinpath(f"{name}.md").read_text()
        fields = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        assert fields, name
        assert "{" not in page(number).text
        # Digits in the words themselves are only the 1 % rule's "0.01", powers and layer indices.
        prose = re.sub(r"\{[^}]*\}", "", template)
        assert not re.search(r"\d{3,}", prose), f"{name}: a number typed into the text"


def test_page_one_quotes_the_contraction_factors_of_the_bowl():
    words = _words(1)
    lr, a, b = 0.5, 0.001, 1.0
    assert f"by **{1 - lr * 2 * a:.4g}**" in words  # 0.999 along w1
    assert f"by **{abs(1 - lr * 2 * b):.4g}**" in words  # w2 solved in one step
    assert f"{2 * b / (2 * a):g} times steeper" in words
    assert f"to {-40 * (1 - lr * 2 * a):.6g}" in words


def test_page_two_predicts_4603_steps_from_the_closed_form_and_finds_the_trap_step():
    words = _words(2)
    predicted = math.ceil(math.log(0.01) / math.log(0.999))
    assert f"≈ **{predicted} steps**" in words
    # After step 1, ‖∇f‖ = 0.002·|w1| = 0.002·40·0.999^k: below 1e-2 once 0.999^k < 1/8.
    trap = math.ceil(math.log(0.01 / (0.002 * 40)) / math.log(0.999))
    assert f"step **{trap}**" in words and f"type {predicted - trap} and press space" in words


def test_page_three_quotes_the_steps_the_race_itself_reaches():
    words = _words(3)
    setup = page(3).setup
    session = Session(setup.experiment)
    session.set_rivals(setup.rivals)
    session.forward(7000)
    arrivals = {name: session.arrival(run) for name, run in session.plane_runs}
    assert arrivals["adagrad lr 0.5"] > 6000 and arrivals["adagrad lr 5"] < 100
    for name, steps in arrivals.items():
        optimizer, _, lr = name.partition(" lr ")
        assert f"{optimizer}, lr {lr}: {steps}" in words.replace("**", "")


def test_page_four_ratio_is_the_product_of_w_times_g_prime_down_the_chain():
    setup = page(4).setup
    assert setup.focus == "chain"
    chain = setup.experiment.chain
    trace = Chain(chain).trace(chain.initial_params())
    product = np.prod(trace.weight[1:] * trace.gprime[:-1])
    assert f"δ¹ is {abs(product):.2e} times δᴸ" in _words(4)
    assert np.all(trace.gprime <= 0.25)


def test_page_five_shows_relu_exploding_by_the_weight_to_the_depth():
    words = _words(5)
    assert f"δ¹/δᴸ = {1.5**7:.3g}" in words
    setup = page(5).setup
    assert setup.experiment.chain.activation == "relu"
    run = setup.experiment.chain_run()
    run.forward(1)
    assert f"the cost becomes {run.loss:.4g}" in words


@pytest.mark.parametrize("number", [0, page_count() + 1])
def test_pages_outside_the_lesson_are_refused(number):
    with pytest.raises(IndexError):
        page(number)


def test_the_race_page_starts_everyone_from_the_same_point():
    setup = page(3).setup
    assert setup.rivals[1] == Rival("adagrad", lr=5.0)
    session = Session(setup.experiment)
    session.set_rivals(setup.rivals)
    starts = {tuple(run.history.params[0]) for _, run in session.plane_runs}
    assert starts == {setup.experiment.plane.start_point}
    assert steps_until_fraction(session.path(session.plane), [(0.0, 0.0)]) is None


def test_page_six_quotes_newton_and_its_rivals_from_their_own_runs():
    """One step for Newton on both bowls; the diagonal one step on the bowl only; every number
    is the run's own."""
    setup = page(6).setup
    assert setup.experiment.plane.function == "rotated"
    session = Session(setup.experiment)
    session.set_rivals(setup.rivals)
    session.forward(5000)
    arrivals = {name: session.arrival(run) for name, run in session.plane_runs}
    assert arrivals["newton lr 1"] == 1 and arrivals["newton_diag lr 1"] > 1000
    rows = [line for line in page(6).text.splitlines() if line.startswith("| ")]
    table = {row.split("|")[1].strip(): row.split("|")[2:4] for row in rows[1:]}
    assert [cell.strip() for cell in table["newton, lr 1"]] == ["**1**", "**1**"]
    assert table["g / diag(H), lr 1"][1].strip() == str(arrivals["newton_diag lr 1"])
    assert table["gd, lr 0.5"][1].strip() == str(arrivals["gd lr 0.5"])


NAMED = {
    r"\bchart\b": "#race-chart",
    r"\btable\b": "#layers",
    r"\b(readout|rows?)\b": "#readout",
    r"\bplot\b": "#plot",
}
"""What a page's words point at, and the widget that must be on the screen for them."""


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_page_names_only_what_is_on_the_screen_while_it_is_open(size):
    from tui_gradients.ui.app import GradientsApp

    app = GradientsApp(lesson_page=1)
    async with app.run_test(size=size) as pilot:
        for number in range(1, page_count() + 1):
            await pilot.pause()
            text = page(number).text
            for pattern, selector in NAMED.items():
                if re.search(pattern, text, re.IGNORECASE):
                    widget = app.query_one(selector)
                    seen = widget.display and widget.region.area > 0 and widget.visible
                    assert seen, f"page {number} names {pattern} but {selector} is not shown"
            await pilot.press("right_square_bracket")

"""The `?` screen: every key, and what each panel is showing you."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Markdown

from tui_gradients.core.objectives.data import MAX_DATA_BYTES
from tui_gradients.core.runs.summary import TRAP_TOL
from tui_gradients.ui.glyphs import ASCII_BULLETS, LABELS, PROSE_TO_ASCII, tables_as_lists
from tui_gradients.ui.keys import cheat_sheet, markdown_table
from tui_gradients.ui.marks import MARKS


def marker_legend() -> str:
    """What each mark on the plot means, from the marks the plot draws with."""
    names = ["main run", *(f"rival {number}" for number in range(1, len(MARKS)))]
    runs = ", ".join(
        f"`{mark.glyph(False)}` (ASCII `{mark.glyph(True)}`) {name}"
        for mark, name in zip(MARKS, names, strict=True)
    )
    return (
        f"Runs differ by shape, not only by colour: {runs}. A run's shape marks each of its "
        "iterates, older ones dim and the last few bold, and its current point in reverse "
        "video; a line joins its iterates (braille dots, or `-` `|` `/` `\\` in ASCII). "
        "`★` (`X`) marks a minimum; an arrow from the current point shows −lr·∇f, and one at "
        "the edge points to a run out of view. The main run is drawn over the others."
    )


HELP = f"""\
# tui-gradients

Press a key, watch one iteration, see why it went where it went.
**`esc`, `q` or `?` closes this help; `/` searches it**; arrows and `pgdn` `pgup` scroll it.

{cheat_sheet()}

## Markers

{marker_legend()}

## Keys

{markdown_table()}

A long count runs in the background: the status line shows how far it has got, `esc` stops it
at a step every run has reached, and keys that would change the runs wait until it is done.
One key may jump up to 10⁶ steps. The 2-D runs go through a loop written for their formula and
optimiser in plain Python, about a microsecond a step; with the `fast` extra (numba) installed,
a jump of 20 000 steps or more also loads numba's compiled loops in the background, faster
again, and the chain, which otherwise steps in numpy, uses them too. Every loop applies the same
formulas, to within rounding. After a long jump the 2-D runs are drawn first; the chain table
says "catching up" until its steps are done.
An export of more than 10 000 steps writes a row every k steps and the last (k is in the JSON).

`u` (or `ctrl+z`) undoes what threw the runs' history away: `r`, a new function, start, data
or setting, a click on the plot, a dropped rival. Each undo brings back the runs exactly as they
were, their step and history included, up to 20 actions back. The status line keeps one row;
`@` lists every message of the session in full.

## The plot

Contour lines of f, spaced geometrically: each ring is about a third of the height of the one
outside it, measured from the lowest value in view. That keeps the flat floor of a stretched
bowl readable. The tick labels at the ends of each axis give the range in view. With each axis
fitted to its own range, a long thin ellipse can look round: press `=` to see the true shape.

From 32 rows up, two trend lines sit under the plot: log₁₀(f − f*) of the 2-D run and log₁₀ of
the chain's cost, one bar per stretch of steps, each bar the highest value in its stretch. A
straight slope there means a constant factor per step, as gd has on a quadratic.

## The readout

The point, f, both gradient components, the gradient norm ‖∇f‖, the distance to the nearest
known minimum and f − f*. `{LABELS["ratio"][0]}` shows how unequal the two components are.

**The trap.** A small gradient does not mean the minimum is near. On 0.001·w1² + w2², gd with
lr 0.5 removes w2 in a single step and then shrinks w1 by only 0.1% per step, because the
curvature along w1 is 0.002. A rule such as "stop when ‖∇f‖ < {TRAP_TOL:g}" fires while w1 is
still far from 0. The readout flags every point where ‖∇f‖ < {TRAP_TOL:g} yet the distance to the
minimum is many times larger. The app itself only stops on ‖∇f‖ < 1e-12.

**Theory (`i`).** The Hessian H comes from the formula, differentiated twice by the same rules
as the gradient; its eigenvalues λ are the curvatures along its two axes and κ = λ_max/λ_min.
On a quadratic, plain gd multiplies the distance along each of those axes by |1 − lr·λ| every
step, so it is stable only for lr < 2/λ_max, and the slowest axis sets how many steps it takes
to get within 1 % of the minimum. The readout prints that prediction next to the step at which
the run really got there. Elsewhere H is the one at the current point. To make room at 80×24,
f and the component ratio are left out while theory is shown.

## Race

`C` starts six optimisers (the main one, then adagrad, rmsprop, adam, momentum, nesterov or
gd) from the same point with the same settings, so six paths share the plot; `a` adds any
other optimiser, up to six runs, `A` drops the last. `w`, or a click on a run's row or legend
entry, selects a run: the panel's optimiser fields, `o` and `<` `>` then change that run alone.
The readout gives each run a row (its marker and lr, then f − f*, or the step at which it
first came within 1 % of the start's distance to the minimum) and names the run that got there
first. In place of the chain table, a chart draws log₁₀(f − f*) of each run against the step
with the same markers; the legend in its title names them, the selected run in brackets. `C`
again ends the race, and `c` goes back to a single comparison.

## Data

The bowl is what least squares looks like when a feature is not scaled. `f` reaches
**penguins**, a regression that ships with the app: body mass (g) against flipper length (mm)
of 342 Palmer penguins. There w1 is the slope w and w2 the intercept b of y = w·x + b, and the
surface is the mean squared error, a quadratic whose Hessian 2·[[mean x², mean x], [mean x, 1]]
comes from the data: with x near 200, κ is about 8 million, and gd crawls exactly as on the
seed's bowl. `--data FILE --x COL --y COL` fits your own CSV file (a header row, then numbers;
up to {MAX_DATA_BYTES >> 20} MB); `--model logistic` fits a 0/1 column by the mean log loss,
p = σ(w·x + b), whose Hessian changes from point to point.

`s` standardises x, then x and y (mean 0, standard deviation 1), then neither: the surface, κ
and the runs start again, with the learning rate the new surface suggests (1/λ_max at the
start). With x standardised the Hessian is 2·I, κ = 1, and gd at lr 0.5 lands on the minimum in
one step. The readout's **fit** row gives the fitted line in the data's own units whichever
way the problem is parameterised.

`--batch-size N` steps on minibatches of N samples, drawn without replacement, in an order that
follows from `--seed` and the epoch: replaying or stepping back gives the same batches. The
contours, f and f − f* stay those of the full batch; the readout's **batch** row gives the
epoch, the batch and the loss on it. The gradient shown is the minibatch's, the one the step
follows. An export records the data file's SHA-256, and `--load` refuses a file that changed.

## The lesson

`t` opens the lesson's pages, each with a short text beside the live panels. A page puts the
app in a prepared state at step 0 (the bowl, a race, a chain) and you step on from there; every
number in its text is computed from the same runs when the page is built. The text takes the room of
the panels that page does not use. `t` closes it and keeps whatever state you reached; opening
it again returns to the same page and sets it up afresh. `tui-gradients --lesson 3` starts on
page 3.

## Optimisers

All follow the formulas and defaults documented for `torch.optim` (checked step for step
against torch 2.13 in float64). Only the settings an optimiser reads are shown in the panel.

- **gd**: w ← w − lr·g.
- **momentum**, **nesterov**: torch's SGD with momentum 0.9: the buffer starts as the first
  gradient, then b ← μ·b + (1 − dampening)·g (dampening 0; nesterov needs 0).
- **adagrad**: torch's form: the sum of squared gradients starts at 0, and eps = 1e-10 is added
  *after* the square root: w ← w − lr·g / (√Σg² + eps). (Keras starts its sum at 0.1 and places
  eps differently; its paths are not the same.)
- **rmsprop**: alpha 0.99, eps 1e-8 after the square root.
- **adam**: betas (0.9, 0.999), eps 1e-8, with bias correction; `amsgrad` divides by the largest
  second moment so far. **adamw**: the same, its weight decay (0.01) applied to w directly.
- **nadam**: Adam with a Nesterov look-ahead and a momentum that warms up (decay 0.004).
- **radam**: Adam once the variance of its step size can be estimated (ρₜ > 5), rectified;
  momentum alone for the first few steps.
- **adamax**: Adam with the largest |g| (decayed by β2) in place of √v.
- **adadelta**: lr 1 in torch; the step is √(E[Δ²] + eps) / √(E[g²] + eps)·g, rho 0.9, eps 1e-6.
- **rprop**: each coordinate's own step, ×1.2 while its gradient keeps its sign, ×0.5 when it
  flips (that step skipped), within 1e-6…50; it moves by the sign of g only; lr is the first step.
- **asgd**: w shrinks by λ·η and steps by η·g, η = lr / (1 + λ·lr·t)^alpha (λ 1e-4, alpha 0.75);
  the path shown is the iterates, not torch's running average of them.

- **lbfgs**: torch's LBFGS. One step here is one call of its `step(closure)`: up to `max iter`
  (20) L-BFGS iterations from the last `history` (100) pairs of steps and gradient changes,
  each a fixed step of lr or, with `line search` strong_wolfe, a step found by torch's strong
  Wolfe search. `max iter` 1 shows every iteration. It stops, as converged, where torch's next
  step would not move (its tolerance_grad 1e-7 or tolerance_change 1e-9).
- **newton**: w ← w − lr·H⁻¹∇f, with the surface's own Hessian (lr 1 is the full step, less
  damps it). On any quadratic it reaches the minimum in one step, turned or not. Where H is not
  positive definite the step would not go downhill: the run stops and says whether H is
  singular, indefinite (a saddle) or negative definite (a maximum). **newton_diag** divides by
  the diagonal of H only: exact on the bowl, no better than Adagrad on the rotated one. Long
  jumps of both go through the fast loops, which evaluate the formula's second derivatives; the
  chain (which has no Hessian here) steps with gd.

**Schedules** (`schedule` and `sched. args` in the panel, `--schedule NAME --schedule-args
k=v,…`) are torch.optim.lr_scheduler's StepLR (`step`), ExponentialLR, CosineAnnealingLR
(`cosine`), OneCycleLR, LinearLR (`linear`, a warm-up) and ReduceLROnPlateau (`plateau`, given
the loss of each step), stepped once after every optimiser step, each lr computed from the last
as torch does. The readout's `lr now` is the lr of the next step, and a third trend line draws
it. OneCycleLR also cycles the momentum by default, as torch does (`cycle_momentum=1`, from
`max_momentum` 0.95 down to `base_momentum` 0.85 while the lr climbs, then back): SGD's momentum
(so gd steps as SGD with momentum under it) or Adam's β1. adagrad, adadelta and rmsprop have
none here to cycle and start it with `cycle_momentum=0`. It holds its last lr past total_steps,
where torch raises. rprop and
asgd take no schedule (lr is not their step size). A scheduled run's long jumps go through the
straight-line loop, which calls the schedule's own formulas (numba's loops take no schedule).

Every optimiser but rprop takes `weight decay` (torch's weight_decay: wd·w added to g). Flags
and fields share one name: `--weight-decay`, `--dampening`, `--amsgrad on`, `--rho`,
`--momentum-decay`, `--etas 0.5,1.2`, `--step-sizes 1e-6,50`, `--lambd`, `--history-size`,
`--max-iter`, `--line-search strong_wolfe`; `default` restores an
optimiser's own eps, alpha or weight decay.

Adagrad's first step moves every coordinate by lr whatever the size of its gradient. That
per-coordinate scaling is what rescues w1 on the bowl, but only because the bowl's axes are w1
and w2: on the **rotated** function the stretched direction mixes both coordinates and the
advantage is gone.

## The chain network

One neuron per layer: zˡ = wˡ·aˡ⁻¹ + bˡ, aˡ = g(zˡ), cost C = ½(aᴸ − y)². Backpropagation gives
δᴸ = (aᴸ − y)·g′(zᴸ) and δˡ = wˡ⁺¹·g′(zˡ)·δˡ⁺¹, then ∂C/∂wˡ = δˡ·aˡ⁻¹. Each layer below the last
multiplies δ by another wˡ⁺¹·g′(zˡ). For the sigmoid g′ is never above 1/4, so unless the weights
are large, δ and ∂C/∂w shrink layer after layer and the first layers barely move. The table
colours each value by its order of magnitude and prints the exponent; the last column is
|δˡ/δᴸ|. Where the table has room, a bar per layer draws log₁₀|δˡ| on a shared scale, so a
vanishing gradient is a staircase shrinking towards layer 1. The chain has its own learning
rate and steps together with the 2-D run.
"""


class SearchField(Input):
    """`/` in the help: what is typed filters the help as it is typed; `esc` clears it and
    gives the whole help back, `enter` leaves the matches to be read."""

    BINDINGS = [Binding("escape", "clear", "Clear", show=False)]

    def action_clear(self) -> None:
        self.value = ""
        self.display = False
        self.screen.query_one(VerticalScroll).focus()


class HelpScreen(Screen[None]):
    AUTO_FOCUS = "VerticalScroll"
    """The text has the keys (the search field only once `/` shows it)."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("slash", "search", "Search"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 110;
        height: 1fr;
        border: round $accent;
        background: $surface;
    }
    HelpScreen > SearchField {
        width: 90%;
        max-width: 110;
        display: none;
    }
    HelpScreen.-ascii > VerticalScroll {
        border: ascii $accent;
        scrollbar-size-vertical: 0;
    }
    HelpScreen.-ascii > SearchField {
        border: ascii $accent;
    }
    """

    def __init__(self, *, ascii_only: bool = False, document: str = HELP) -> None:
        """`document` is the help of the screen it opens from (the network's has its own)."""
        super().__init__(classes="-ascii" if ascii_only else None)
        self._ascii_only = ascii_only
        if ascii_only:
            document = tables_as_lists(document).translate(PROSE_TO_ASCII)
        self.document = document

    def compose(self) -> ComposeResult:
        yield SearchField(placeholder="search the help (esc: all of it)", id="help-search")
        with VerticalScroll():
            document = Markdown(self.document)
            if self._ascii_only:
                document.BULLETS = ASCII_BULLETS
            yield document

    def action_search(self) -> None:
        field = self.query_one(SearchField)
        field.display = True
        field.focus()

    def on_input_submitted(self) -> None:
        """`enter`: the matches stay, and the keys scroll them."""
        self.query_one(VerticalScroll).focus()

    async def on_input_changed(self, event: Input.Changed) -> None:
        await self.query_one(Markdown).update(matching(self.document, event.value))
        self.query_one(VerticalScroll).scroll_home(animate=False)


def matching(document: str, query: str) -> str:
    """The paragraphs, list items and table rows of `document` that hold `query` (any case),
    each under its section's heading; all of it for an empty query."""
    wanted = query.strip().lower()
    if not wanted:
        return document
    found: list[str] = []
    heading, shown_heading = "", ""
    for block in document.split("\n\n"):
        if block.startswith("#"):
            heading = block.splitlines()[0]
            continue
        lines = block.splitlines()
        if lines and lines[0].startswith("|"):
            rows = [line for line in lines[2:] if wanted in line.lower()]
            kept = "\n".join([*lines[:2], *rows]) if rows else ""
        elif lines and lines[0].startswith("- "):
            kept = "\n".join(item for item in _items(lines) if wanted in item.lower())
        else:
            kept = block if wanted in block.lower() else ""
        if kept:
            if heading != shown_heading:
                found.append(heading)
                shown_heading = heading
            found.append(kept)
    if not found:
        return f"Nothing in the help mentions **{query.strip()}**."
    return "\n\n".join(found)


def _items(lines: list[str]) -> list[str]:
    """A list's items, each with its indented continuation lines."""
    items: list[str] = []
    for line in lines:
        if line.startswith("- ") or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items

"""The network screen's help: its keys from its key table, and what each number means."""

from __future__ import annotations

from tui_gradients.core.network.datasets import TOYS
from tui_gradients.core.network.init import SCHEMES
from tui_gradients.ui.keys import NETWORK_GROUPS, NETWORK_KEYS, cheat_sheet, markdown_table

NETWORK_HELP = f"""\
# tui-gradients: a network

A multilayer perceptron trains on its data one step per key. The table is the chain's δ table
grown up: one row per layer, the output layer last (`out`).
**`esc`, `q` or `?` closes this help; `/` searches it.**

{cheat_sheet(NETWORK_KEYS, NETWORK_GROUPS)}

## The table

The output layer's outputs are its logits (classes) or values. A dead unit's input is ≤ 0 for
every sample of the batch.

| column | what it is |
|---|---|
| n | units in the layer |
| σ(W) | the spread of the layer's weights: at step 0, what the initialisation gave |
| mean a, σ(a) | mean and spread of the layer's outputs (after a residual sum) |
| saturated | sigmoid, tanh: outputs past 97 % of the range (g′ nearly 0); ReLUs: dead units |
| rms δ | root mean square of δ = ∂C/∂z, z the activation's input after any normalisation |
| ‖∂C/∂W‖ | the size of the layer's weight gradient |
| grad:data | std(∂C/∂W) / std(W) |
| log₁₀ u:d | log₁₀ of std(ΔW) / std(W) for the update this step's gradient makes |

Every statistic is over the whole batch and the layer's units, with population spreads. Colour is
a second cue only: rms δ and ‖∂C/∂W‖ are coloured by their decade, and update:data by its
distance from −3 (green within a decade of it, yellow and red above, where the weights churn,
blue below, where they hardly move). Where there is room, two small histograms follow: the
layer's outputs, over one range for every hidden layer, and its δ, over its own range.

A deep sigmoid network started from normal(0, 1) weights shows the seed's story on real data:
rms δ falls by a factor of four or more per layer towards the input, and the first layer's
update:data sits decades below −3 while the last one's is near it.

## The charts

`x` cycles them: the loss over the steps (with the accuracy for classes, on the right axis;
with rivals, every run's log₁₀ loss, each with its mark, the table showing the main run's);
update:data for up to six layers spread from the first to the output, with a guide at −3; and
‖∂C/∂W‖ for the same layers on a log scale. For data with two inputs (the toy sets
{", ".join(TOYS)}) the input plane shows the network's decision regions, shaded deeper where the
network is surer, with each data point drawn as its class's mark.

## The loss plane

A network's loss lives in as many dimensions as it has weights. The loss plane (`x`'s last
chart, or `--plane KIND` from the start) draws it on a plane through the weights, in the plane's
own coordinates u and v, with the contour plot of the surfaces: `w` switches between two single
weights (one of the first layer's and one of the output layer's by default, `--plane-weights`
names others), two random directions scaled filter by filter to the weights' own norms (Li et
al., 2018), and the path's plane, the first two principal directions of the weights visited,
with the share of the path's variance each explains. The first two pass through the weights
now and follow the steps; the path's plane stays until `W` computes it again. The grid is
computed in the background once the keys settle, a coarse one first; `esc` stops it. Every
run's path is projected onto the plane (least squares), and the status line gives the current
point's (u, v). Page 4 of the lesson says what each plane can and cannot tell.

## Settings

They come from the command line: `tui-gradients net --app` with the flags of `tui-gradients net`
(depth, width, activation, norm, residual, init, data, features, target, task, standardize,
batch size, seed, and every optimiser flag). Initialisations follow torch.nn.init:
{", ".join(SCHEMES)}; kaiming's use the activation's gain, the others torch's default gain of 1,
and `default` is nn.Linear's own. The losses are torch's: mean squared error (mean, no ½) for
numbers, cross-entropy (mean) for classes. Adagrad is torch's form (accumulator 0, eps outside
the square root). `o` and `<` `>` train a new run from the same weights to the step you were at;
`c`, `C` and `a` start other optimisers from the same weights, stepping together with it.

## Keys

{markdown_table(NETWORK_KEYS)}

A count typed before a step key multiplies it (`250n`). Work that would hold a frame (a long
jump, or a step back to a step whose weights were not kept) runs in the background with its
progress on the status line; `esc` stops it.
"""

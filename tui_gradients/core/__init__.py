"""The numerical core, in rooms that import downwards only (`docs/architecture.md`):

- `objectives`: the surfaces f(w1, w2), parsed once from their formula, and what theory says;
- `optimisation`: each optimiser's rule, written once, and the transformations that run it;
- `network`: the chain, one neuron per layer;
- `fast`: the loops that take many steps at once, running those same definitions;
- `runs`: runs with their histories, the settings, the session stepped by the app, lessons;
- `files`: what is written to disk and read back.

Imports numpy only, never Textual, so that the maths can be used and tested headless.
"""

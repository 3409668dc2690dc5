"""The numerical core: objectives, optimisers, runs and the chain network.

Imports numpy only, never Textual, so that the maths can be used and tested headless.
"""

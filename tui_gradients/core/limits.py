"""Where a run stops being meaningful: shared by the numpy loop and the fast loops."""

HUGE = 1e150
"""Parameters beyond this (or a loss beyond its square) count as diverged: the next step would
overflow float64 and show nothing useful."""
LIMIT = 1_000_000
"""The most steps a run may take."""

"""Runs and what steps them: a run's history, the experiment (every setting), the session the
app steps through, rivals, lessons and the summaries shown beside the plot."""

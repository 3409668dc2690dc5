"""What undo brings back: whole sessions, each as it was before an action that threw its
history away (a reset, a new surface or start, a setting that rebuilds runs, a rival dropped).

The action is done on a successor (`Session.successor`) and the old session is kept here with
the runs the action replaced, so undoing is only a swap: nothing is recomputed, and the
histories come back as they were. The stack is bounded in depth and in the memory its
histories hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_gradients.core.runs.session import HISTORY_BUDGET, Session

UNDO_DEPTH = 20
"""Undo goes back this many actions at most."""


@dataclass(frozen=True)
class Undone:
    """A session kept for undo, and what was done to the one that replaced it."""

    session: Session
    action: str


class UndoStack:
    def __init__(self, depth: int = UNDO_DEPTH, budget: int = HISTORY_BUDGET) -> None:
        self._kept: list[Undone] = []
        self._depth, self._budget = depth, budget

    def __len__(self) -> int:
        return len(self._kept)

    def push(self, session: Session, action: str) -> None:
        """Keep `session` as it was before `action`; the oldest go first past the depth or
        the memory budget (the newest is always kept)."""
        self._kept.append(Undone(session, action))
        while len(self._kept) > self._depth or (
            len(self._kept) > 1 and self.history_bytes() > self._budget
        ):
            self._kept.pop(0)

    def pop(self) -> Undone | None:
        return self._kept.pop() if self._kept else None

    def history_bytes(self) -> int:
        """What the kept sessions' histories hold, each run counted once (a successor shares
        the runs an action left alone)."""
        runs = {id(run): run for undone in self._kept for run in undone.session.runs}
        return sum(run.history.nbytes for run in runs.values())

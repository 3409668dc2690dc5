"""The base of the main screen's action mixins: `MainScreen` itself to a type checker, so each
mixin is checked against the screen it serves, and `object` at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_gradients.ui.screen import MainScreen as ScreenPart
else:
    ScreenPart = object

__all__ = ["ScreenPart"]

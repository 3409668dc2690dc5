"""The main screen's keys that change how the runs are seen, not the runs: zoom, scale,
markers, theory, the settings panel, focus and help."""

from __future__ import annotations

from textual.widget import Widget

from tui_gradients.core.functions import zoom
from tui_gradients.ui.screen_part import ScreenPart
from tui_gradients.ui.widgets.contour_plot import ContourPlot


class ViewMixin(ScreenPart):
    """For `MainScreen`."""

    def action_zoom(self, factor: float) -> None:
        center = tuple(float(v) for v in self.session.plane.params)
        self._set_view(zoom(self.view, factor, center))

    def action_reset_view(self) -> None:
        self._set_view(self._fitted_view())

    def action_toggle_equal_scale(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.equal_scale = not plot.equal_scale
        self.show_status()

    def action_toggle_markers(self) -> None:
        ascii_only = not self.ascii_only
        self.app.ascii_only = ascii_only  # type: ignore[attr-defined]
        self.say("plain ASCII" if ascii_only else "braille contours and symbol markers")

    def action_toggle_theory(self) -> None:
        self.theory = not self.theory
        self.say("theory beside the run" if self.theory else "theory hidden")
        self.refresh_views()

    def action_toggle_panel(self) -> None:
        self.panel.display = not self.panel.display
        if self.panel.display:
            self.panel.focus_first_field()
        else:
            self.set_focus(None)

    def action_leave_field(self) -> None:
        """esc: stop a jump being computed, else give the keys back to the plot."""
        if not self.driver.cancel():
            self.set_focus(None)

    def _show_where_keys_go(self, focused: Widget | None) -> None:
        self.field_focused = focused is not None

    def _panel_focused(self) -> bool:
        return self.focused is not None and self.panel in self.focused.ancestors

    def action_help(self) -> None:
        from tui_gradients.ui.help import HelpScreen  # Markdown is slow to import: not at start

        self.app.push_screen(HelpScreen(ascii_only=self.ascii_only))

"""The main screen's keys that change how the runs are seen, not the runs: zoom, pan, follow,
scale, markers, shading, theory, the settings panel, focus and help."""

from __future__ import annotations

from textual.widget import Widget

from tui_gradients.core.objectives.functions import zoom
from tui_gradients.core.objectives.view import PAN_FRACTION, contains, fit_view, pan
from tui_gradients.ui.screen_part import ScreenPart
from tui_gradients.ui.widgets.contour_plot import ContourPlot

WHEEL_ZOOM = 1.25
"""How much one notch of the wheel widens the view (towards the user) or narrows it."""


class ViewMixin(ScreenPart):
    """For `MainScreen`."""

    def action_zoom(self, factor: float) -> None:
        """About the current point while it is in view, else about the view's middle."""
        w1, w2 = (float(v) for v in self.session.plane.params)
        here = (w1, w2)
        center = here if contains(self.view, here) else None
        self.set_view(zoom(self.view, factor, center))
        self._view_moved_by_hand()

    def action_pan(self, right: int, up: int) -> None:
        self.set_view(pan(self.view, right * PAN_FRACTION, up * PAN_FRACTION))
        self._view_moved_by_hand()

    # --- the mouse on the plot ------------------------------------------------------------------

    def on_contour_plot_clicked(self, event: ContourPlot.Clicked) -> None:
        """A click sets the start point there: every run starts again from it."""
        if self.driver.jump is not None:
            self.say("a jump is being computed: click again once it is done (esc stops it)")
            return
        w1, w2 = event.point
        self.change_setting(
            "start",
            f"{w1:.4g},{w2:.4g}",
            f"start set by a click to ({w1:.4g}, {w2:.4g}): the runs start again at step 0",
        )

    def on_contour_plot_resized(self, _: ContourPlot.Resized) -> None:
        self.refresh_views()  # the readout's iterates row counts the plot's cells

    def on_contour_plot_scrolled(self, event: ContourPlot.Scrolled) -> None:
        """The wheel zooms about the pointer, as `z` and `x` do about the current point."""
        factor = WHEEL_ZOOM**event.steps
        self.set_view(zoom(self.view, factor, event.point))
        self._view_moved_by_hand()

    def on_contour_plot_dragged(self, event: ContourPlot.Dragged) -> None:
        self.set_view(pan(self.view, event.right, event.up))
        self._view_moved_by_hand()

    def _view_moved_by_hand(self) -> None:
        """Following would pan straight back to a point the user has just moved away from, so
        a hand-made view that leaves a current point out turns following off (and says so)."""
        if self.following and not self._all_in_view():
            self.following = False
            self.say("following off: arrows at the edge point to runs out of view; F follows")
        self.refresh_views()

    def _all_in_view(self) -> bool:
        return all(
            contains(self.view, (float(run.params[0]), float(run.params[1])))
            for _, run in self.session.plane_runs
        )

    def action_reset_view(self) -> None:
        """Fit everything: the start, the minimum and every path so far; following on."""
        session = self.session
        plane = session.experiment.plane
        paths = [session.path(run) for _, run in session.plane_runs]
        self.set_view(fit_view(plane.objective, plane.start_point, paths))
        self.following = True
        self.refresh_views()

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        self.say(
            "following: the view keeps every run in sight"
            if self.following
            else "following off: arrows at the edge point to runs out of view"
        )
        self.refresh_views()

    def action_toggle_equal_scale(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.equal_scale = not plot.equal_scale
        self.show_status()

    def action_toggle_shading(self) -> None:
        plot = self.query_one(ContourPlot)
        plot.shading = not plot.shading
        self.say("shading: darker is lower" if plot.shading else "shading off")

    def action_toggle_markers(self) -> None:
        ascii_only = not self.ascii_only
        self.app.ascii_only = ascii_only  # type: ignore[attr-defined]  # GradientsApp's flag
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
        """esc: dismiss a failure shown, or stop a jump being computed, else give the keys
        back to the plot."""
        if not self.dismiss_alert() and not self.driver.cancel():
            self.set_focus(None)

    def _show_where_keys_go(self, focused: Widget | None) -> None:
        self.field_focused = focused is not None

    def _panel_focused(self) -> bool:
        return self.focused is not None and self.panel in self.focused.ancestors

    def action_help(self) -> None:
        """The help screen, built once for each of Unicode and ASCII: the first opening
        renders its Markdown (most of a second); later ones only show it again."""
        from tui_gradients.ui.help import HelpScreen  # Markdown is slow to import: not at start

        name = "help-ascii" if self.ascii_only else "help"
        if not self.app.is_screen_installed(name):
            self.app.install_screen(HelpScreen(ascii_only=self.ascii_only), name)
        self.app.push_screen(name)

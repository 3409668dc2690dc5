"""Waiting for what the app does after its first frame."""

from tui_gradients.ui.widgets.settings_panel import SettingsPanel


async def fields_ready(pilot) -> None:
    """The settings fields are mounted just after the first frame; wait for them."""
    panel = pilot.app.query_one(SettingsPanel)
    for _ in range(100):
        if panel.filled:
            return
        await pilot.pause()
    raise AssertionError("the settings fields never appeared")

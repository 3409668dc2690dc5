"""Waiting for what the app does after its first frame."""


async def fields_ready(pilot) -> None:
    """The settings panel is mounted just after the first frame (`Lazy`); wait for it."""
    panel = pilot.app.main_screen.panel
    for _ in range(100):
        if panel.is_mounted and panel.query("Input"):
            return
        await pilot.pause()
    raise AssertionError("the settings fields never appeared")

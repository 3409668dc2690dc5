"""Waiting for what the app does after its first frame."""


async def fields_ready(pilot) -> None:
    """The settings panel's fields are made just after the first frame; wait for them."""
    panel = pilot.app.main_screen.panel
    for _ in range(100):
        if panel.filled:
            return
        await pilot.pause()
    raise AssertionError("the settings fields never appeared")


async def until(pilot, condition, what: str) -> None:
    """Let the app run until `condition()` holds: work done after the first frame (the steps
    asked for at start) lands after as many refreshes as a loaded machine needs."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")

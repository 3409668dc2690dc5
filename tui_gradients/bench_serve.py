"""`serve` under load, measured: many browser tabs stepping at once, each key timed to the
frame that shows its step (`python -m tui_gradients.bench --serve`).

Each tab is a websocket, as the page's script opens it: it waits for the app's first screen,
then presses `n` and times the wait until the app's first output after it (a step rewrites
only the cells it changes), and waits for the screen to be quiet before the next press, as a
user reading the screen would. The baseline is one tab alone, in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence

WAIT = 120.0
"""Seconds any one answer may take before the tab counts as stuck (the bench then fails)."""
QUIET = 0.15
"""Seconds without output after which a tab's screen counts as drawn."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(tabs: int) -> tuple[int, subprocess.Popen]:
    port = _free_port()
    command = ["serve", "--port", str(port), "--max-apps", str(tabs), "--lr", "0.2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return port, process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("serve did not start") from None
            time.sleep(0.2)


async def _tab(port: int, presses: int, pause: float, started: asyncio.Barrier) -> list[float]:
    """One tab's key → frame times, in seconds."""
    import aiohttp

    url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(url, origin=f"http://127.0.0.1:{port}") as websocket,
    ):

        async def output(timeout: float = WAIT) -> bytes:
            message = await asyncio.wait_for(websocket.receive(), timeout=timeout)
            if message.type == aiohttp.WSMsgType.BINARY:
                return message.data
            if message.type == aiohttp.WSMsgType.TEXT:
                return message.data.encode()
            raise RuntimeError(f"a tab's websocket ended: {message.type}")

        async def quiet() -> None:
            """Until the app has written nothing for a while: the last frame is out."""
            with contextlib.suppress(TimeoutError):
                while True:
                    await output(QUIET)

        seen = b""
        while b"(gd lr=0.2)" not in seen:
            seen = seen[-200:] + await output()
        await quiet()
        await started.wait()  # every tab up before any presses: they step at once
        times = []
        for _ in range(presses):
            sent = time.perf_counter()
            await websocket.send_json(["stdin", "n"])
            await output()  # a step redraws only the cells it changes: its first bytes
            times.append(time.perf_counter() - sent)
            await asyncio.sleep(pause)
            await quiet()
        await websocket.send_json(["stdin", "q"])
        return times


def key_to_frame(tabs: int, presses: int, pause: float = 0.2) -> list[list[float]]:
    """Each tab's key → frame times, `tabs` tabs stepping at once (their first presses in the
    same instant: the worst case)."""
    port, process = _serve(tabs)
    try:

        async def all_tabs() -> list[list[float]]:
            started = asyncio.Barrier(tabs)
            return await asyncio.gather(*(_tab(port, presses, pause, started) for _ in range(tabs)))

        return asyncio.run(all_tabs())
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]

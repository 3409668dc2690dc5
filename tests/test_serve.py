"""`tui-gradients serve`: the app for a web browser, through textual-serve, on loopback."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tui_gradients.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp (hex, as stored)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            addresses.add(address)
    return addresses


@pytest.fixture
def server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", "serve", "--port", str(port), "--lr", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield port, process
    process.terminate()
    process.wait(timeout=10)


def _fetch(port: int, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_page_is_served_over_http(server):
    port, process = server
    page = _fetch(port)
    assert "<html" in page.lower() and "tui-gradients" in page
    assert process.poll() is None


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_it_listens_on_loopback_only_by_default(server):
    port, _ = server
    _fetch(port)
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, as Linux writes it


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "0"], "argument --port: must be from 1 to 65535, got 0"),
        (["serve", "--port", "http"], "argument --port: not a whole number: 'http'"),
        (["serve", "--lr", "abc"], "argument --lr: "),
    ],
)
def test_bad_flags_are_refused_before_serving(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_browser_connection_runs_the_app_with_the_given_flags(server):
    """What the page's script does: open the websocket, read the app's screen, send a key."""
    import asyncio

    import aiohttp

    port, _ = server
    _fetch(port)

    async def session() -> tuple[bytes, bytes]:
        url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
        async with aiohttp.ClientSession() as client, client.ws_connect(url) as websocket:

            async def read_until(text: bytes) -> bytes:
                seen = b""
                while text not in seen:
                    message = await asyncio.wait_for(websocket.receive(), timeout=30)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                    elif message.type == aiohttp.WSMsgType.TEXT:
                        seen += message.data.encode()
                    else:
                        raise AssertionError(f"websocket ended: {message.type}")
                return seen

            first = await read_until(b"(gd lr=0.2)")
            await websocket.send_json(["stdin", "n"])
            second = await read_until(b"1  (gd lr=0.2)")
            await websocket.send_json(["stdin", "q"])
            return first, second

    first, second = asyncio.run(session())
    assert b"0.001*w1**2" in first and b"1  (gd lr=0.2)" in second

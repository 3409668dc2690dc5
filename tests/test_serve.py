"""`tui-gradients serve`: the app for a web browser, through textual-serve, on loopback."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tui_gradients.cli import main

pytestmark = pytest.mark.terminal  # real terminals and processes, timed by the clock


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


def _start(*flags: str) -> tuple[int, subprocess.Popen]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", "serve", "--port", str(port), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return port, process


@pytest.fixture
def server():
    port, process = _start("--lr", "0.2")
    yield port, process
    process.terminate()
    process.wait(timeout=10)


def _fetch(port: int, timeout: float = 20.0, address: str = "127.0.0.1") -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://{address}:{port}/", timeout=2) as response:
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
        origin = f"http://127.0.0.1:{port}"  # the page's own, as a browser sends it
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(url, origin=origin) as websocket,
        ):

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
            # a step rewrites only the cells that changed (the step's digit); the window's new
            # size redraws the screen whole, readout row and all
            await websocket.send_json(["resize", {"width": 101, "height": 30}])
            second = await read_until(b"1  (gd lr=0.2)")
            await websocket.send_json(["stdin", "q"])
            return first, second

    first, second = asyncio.run(session())
    assert b"0.001*w1**2" in first and b"1  (gd lr=0.2)" in second


def _handshake(port: int, headers: dict[str, str]) -> int:
    """The HTTP status a websocket handshake to /ws gets with these headers."""
    import base64
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "GET",
        "/ws?width=80&height=24",
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
            **headers,
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


def test_only_the_servers_own_page_may_start_an_app(server):
    """Any page a user visits could open a websocket to localhost: without the page's Origin
    (or with a name that is not this machine's) there is no app."""
    port, _ = server
    _fetch(port)
    own = f"http://127.0.0.1:{port}"
    assert _handshake(port, {"Origin": "http://evil.example"}) == 403
    assert _handshake(port, {}) == 403
    assert _handshake(port, {"Origin": "http://evil.example", "Host": "evil.example"}) == 403
    assert _handshake(port, {"Origin": own}) == 101


def test_the_page_loads_nothing_from_the_web(server):
    port, _ = server
    page = _fetch(port)
    assert "googleapis" not in page and "https://" not in page
    assert f"http://127.0.0.1:{port}/static/fonts/RobotoMono" in page


def test_at_most_max_apps_run_at_once():
    import asyncio

    import aiohttp

    port, process = _start("--max-apps", "1")
    try:
        _fetch(port)
        url, origin = f"http://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}"

        async def two_tabs() -> int:
            async with (
                aiohttp.ClientSession() as client,
                client.ws_connect(url, origin=origin) as first,
            ):
                await asyncio.wait_for(first.receive(), timeout=30)  # its app is running
                try:
                    async with client.ws_connect(url, origin=origin):
                        return 101
                except aiohttp.WSServerHandshakeError as refused:
                    return refused.status

        assert asyncio.run(two_tabs()) == 503
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's loopback range")
def test_all_interfaces_warn_and_the_page_uses_the_address_the_browser_used():
    port, process = _start("--host", "0.0.0.0")
    try:
        page = _fetch(port, address="127.0.0.2")  # another of this machine's addresses
        assert f"ws://127.0.0.2:{port}/ws" in page and "0.0.0.0" not in page
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "warning: listening on 0.0.0.0: anyone who can reach port" in err


def test_a_port_in_use_is_one_line_and_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "tui_gradients", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1" in done.stderr
    assert "serving" not in done.stdout  # said only once the port is its own


def test_only_names_of_this_machine_are_answered_on_an_open_server():
    """With --host 0.0.0.0 a page could rebind its own DNS name to this machine and pass as
    its own origin: only addresses, loopback names and the machine's own name are answered."""
    from tui_gradients.serve import names_this_machine

    assert names_this_machine("localhost", loopback_only=True)
    assert not names_this_machine("192.168.1.5", loopback_only=True)
    assert names_this_machine("192.168.1.5", loopback_only=False)
    assert names_this_machine("[::1]", loopback_only=False)
    assert names_this_machine(socket.gethostname(), loopback_only=False)
    assert not names_this_machine("rebound.example.com", loopback_only=False)


def test_a_malformed_message_is_logged_in_one_line(server):
    """Anyone who can reach the port may send garbage on the websocket: the server says so in
    one line, not a traceback with every local, and goes on serving."""
    import asyncio

    import aiohttp

    port, process = server
    _fetch(port)

    async def send_garbage() -> None:
        url = f"http://127.0.0.1:{port}/ws?width=80&height=24"
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(url, origin=f"http://127.0.0.1:{port}") as websocket,
        ):
            await websocket.send_str("\x1b]2;PWNED\x07 not json")
            await websocket.receive(timeout=10)  # the server closes it, or the app answers

    asyncio.run(send_garbage())
    assert "<html" in _fetch(port).lower()  # still serving its page
    process.terminate()
    _, err = process.communicate(timeout=10)
    assert "Traceback" not in err and "\x1b" not in err
    assert err.count("JSONDecodeError") == 1, err


async def test_half_open_connections_are_capped_and_closed_and_others_still_served(monkeypatch):
    """A client that opens connections and sends half a request head (slowloris) holds none
    for long, and past a cap none at all; the page is served to others meanwhile."""
    import asyncio

    import aiohttp

    from tui_gradients import serve

    monkeypatch.setattr(serve, "HEADER_SECONDS", 1.0)
    monkeypatch.setattr(serve, "MOST_PER_CLIENT", 20)
    port = _free_port()
    stop = asyncio.Event()
    running = asyncio.create_task(serve.locked_server("true", "127.0.0.1", port, 4).run(stop))
    for _ in range(100):  # until it listens
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    try:
        held = []
        for _ in range(40):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=("127.0.0.2", 0)
            )
            writer.write(b"GET / HTTP/1.1\r\n")
            held.append((reader, writer))
        await asyncio.sleep(0.2)
        closed_at_once = sum(reader.at_eof() for reader, _ in held)
        assert closed_at_once >= 20  # past the cap of 20 from that address
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/") as response,
        ):
            assert response.status == 200  # another address is served meanwhile
        ends = await asyncio.gather(*(asyncio.wait_for(reader.read(), 10) for reader, _ in held))
        assert all(end == b"" for end in ends)  # every half-open one closed by the deadline
    finally:
        stop.set()
        await running


def test_the_server_lives_through_a_thousand_half_open_connections():
    """1000 connections that send half a request head, to a server allowed 256 open files:
    past its caps they are closed at once, past its file limit accepting pauses (asyncio logs
    it) instead of ending the server, and once the head deadline has closed them the page is
    served again."""
    import resource

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_gradients", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=few_files,
    )
    try:
        _fetch(port)
        held = []
        for i in range(1000):
            client = socket.socket()
            client.bind((f"127.0.0.{2 + i % 8}", 0))  # eight addresses, as a small botnet
            client.settimeout(0.2)  # a full backlog drops the handshake: do not wait on it
            try:
                client.connect(("127.0.0.1", port))
                client.sendall(b"GET / HTTP/1.1\r\n")
            except OSError:
                pass  # the backlog is full: the kernel refuses, the server lives
            held.append(client)
        time.sleep(12)  # past the head deadline (10 s): the guard closes what it admitted
        assert process.poll() is None
        assert "<html" in _fetch(port, timeout=30).lower()
    finally:
        for client in held:
            client.close()
        process.terminate()
        process.wait(timeout=10)


def test_a_network_is_served_with_net_app(capsys):
    """`serve net --app …`: a tab runs the network screen with the net command's flags; `serve
    net` without --app, or with a bad value, is refused before serving."""
    import asyncio

    import aiohttp

    for argv, message in (
        (["serve", "net"], "serve runs the app: 'serve net --app [options]'"),
        (["serve", "net", "--app", "--width", "999"], "argument --width: must be"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
    port, process = _start("net", "--app", "--depth", "3", "--width", "8")
    try:
        _fetch(port)

        async def session() -> bytes:
            url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
            origin = f"http://127.0.0.1:{port}"
            async with (
                aiohttp.ClientSession() as client,
                client.ws_connect(url, origin=origin) as websocket,
            ):
                seen = b""
                while b"3 \xc3\x97 8 tanh" not in seen:  # the table's title: 3 × 8 tanh
                    message = await asyncio.wait_for(websocket.receive(), timeout=30)
                    if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                        data = message.data
                        seen += data if isinstance(data, bytes) else data.encode()
                    else:
                        raise AssertionError(f"websocket ended: {message.type}")
                await websocket.send_json(["stdin", "q"])
                return seen

        assert b"step 0" in asyncio.run(session())
    finally:
        process.terminate()
        process.wait(timeout=10)

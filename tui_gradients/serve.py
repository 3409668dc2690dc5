"""`tui-gradients serve`: the app in a web browser, each tab its own copy of the app.

textual-serve runs a process per websocket. Left as it is, any web page the user visits could
open that websocket (browsers let a page connect to any host) and drive an app that writes files
where the server runs. So the server here answers a websocket only from its own page (the Origin
is the address the page was served from), to a host name that is this machine's unless `--host`
opened it to others, and runs at most `--max-apps` at once. The page points at the address the
browser used, and takes its font from the server, not from the web.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import logging
import re
import resource
import shlex
import signal
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

from tui_gradients.arguments import PROG
from tui_gradients.core.text import inert

LOCAL_FONT = """<style>
@font-face {{
  font-family: "Roboto Mono";
  src: url("{base}/static/fonts/RobotoMono-VariableFont_wght.ttf");
}}
</style>"""
"""textual-serve's page asks Google for its font; the same font ships in its static folder."""
EXTERNAL_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, without a port) means this machine only."""
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command_serve(args: argparse.Namespace) -> int:
    """Serve the app with `args.app_argv`, the app's flags as typed (checked by the parser)."""
    try:
        from textual_serve.server import Server  # noqa: F401 (installed: the serve extra)
    except ImportError:
        print(
            f"{PROG} serve: needs textual-serve: pip install 'tui-gradients[serve]'",
            file=sys.stderr,
        )
        return 2
    command = shlex.join([sys.executable, "-m", "tui_gradients", *args.app_argv])
    if not is_loopback(args.host):
        print(
            f"{PROG} serve: warning: listening on {args.host}: anyone who can reach port "
            f"{args.port} can drive the app, and its exports write files here",
            file=sys.stderr,
        )
    server = locked_server(command, args.host, args.port, args.max_apps)
    try:
        server.serve()
    except OSError as error:  # the port is taken, or the address is not this machine's
        print(
            f"{PROG} serve: cannot listen on {args.host}:{args.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 2
    return 0


def names_this_machine(name: str, loopback_only: bool) -> bool:
    """Whether a request's host names this machine: a loopback name or address; and, on a
    server open to others (`--host`), any address typed as such, or the machine's own host
    name. A DNS name that merely resolves here is refused: a page that rebound its own name
    to this machine's address would pass as its own origin."""
    if is_loopback(name):
        return True
    if loopback_only:
        return False
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return name.lower() in own_names()


@functools.cache
def own_names() -> frozenset[str]:
    """This machine's host names, looked up once: `getfqdn` may ask DNS, not for each request."""
    return frozenset({socket.gethostname().lower(), socket.getfqdn().lower()})


class OneLine(logging.Formatter):
    """A log record in one line, control characters made inert; an exception as its type and
    message, not a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{type(error).__name__}: {error}"
        return inert(" ".join(message.split()))


HEADER_SECONDS = 10.0
"""A connection that has not sent a whole request head by then is closed: a client holding
connections open with half a request (slowloris) would otherwise hold file descriptors for
ever."""
MOST_CONNECTIONS = 512
"""Connections open at once, in all, where the process may open enough files; more are closed
as they come (`ConnectionGuard`)."""
FILES_KEPT = 64
"""Files kept for the server's own use (its apps' pipes, its static files) below the limit."""
MOST_PER_CLIENT = 128
"""Connections open at once from one address (a browser with 30 tabs holds about 35)."""


class ConnectionGuard:
    """Counts the connections open, in all and by client address, for `GuardedProtocol`."""

    def __init__(self) -> None:
        self.by_client: dict[str, int] = {}
        files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.most = (
            MOST_CONNECTIONS if files < 0 else min(MOST_CONNECTIONS, files // 2 - FILES_KEPT)
        )
        """Below the open-file limit with room to spare, so that accepting never runs out of
        files: what comes past it is closed at once, and the server goes on."""

    def admit(self, client: str) -> bool:
        if sum(self.by_client.values()) >= self.most:
            return False
        if self.by_client.get(client, 0) >= MOST_PER_CLIENT:
            return False
        self.by_client[client] = self.by_client.get(client, 0) + 1
        return True

    def leave(self, client: str) -> None:
        left = self.by_client.get(client, 0) - 1
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)


class GuardedProtocol(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind the guard: refused past the caps, closed
    if its first request head is not in within HEADER_SECONDS."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self.inner, self.guard = inner, guard
        self.client: str | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        if not self.guard.admit(client):
            transport.close()
            return
        self.client = client
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(HEADER_SECONDS, transport.close)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.timer is not None:
            seen = self.tail + data
            if b"\r\n\r\n" in seen:  # the head is in: from here aiohttp's own timeouts
                self.timer.cancel()
                self.timer = None
            self.tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.client is None:  # refused at the door: aiohttp never saw it
            return
        self.guard.leave(self.client)
        self.inner.connection_lost(exc)


def locked_server(command: str, host: str, port: int, most: int) -> Any:
    """textual-serve's Server, answering only its own page, at most `most` apps at a time.

    Built on its public face alone: the constructor and the two request handlers it documents,
    each extended around a call to textual-serve's own."""
    from aiohttp import web
    from textual_serve.server import Server

    class LockedServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title=PROG)
            self.running = 0

        def initialize_logging(self) -> None:
            """textual-serve's hook for its logging: one line a record, an error by its type
            and words (its own prints a traceback with every local for a malformed message,
            which anyone who can reach the port may send)."""
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(OneLine())
            logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

        def serve(self, debug: bool = False) -> None:
            """textual-serve's server, built from its public handlers, behind the guard:
            caps on connections and a deadline for each one's first request head (its own
            `serve` takes aiohttp's defaults, which wait for a request head for ever)."""
            self.debug = debug
            self.initialize_logging()
            asyncio.run(self.run_until_signalled())

        async def run_until_signalled(self) -> None:
            loop, stop = asyncio.get_running_loop(), asyncio.Event()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stop.set)
            await self.run(stop)

        async def run(self, stop: asyncio.Event) -> None:
            """Serve until `stop` is set."""
            import aiohttp_jinja2
            import jinja2

            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
            await runner.setup()
            server, guard = runner.server, ConnectionGuard()
            assert server is not None
            loop = asyncio.get_running_loop()
            try:
                listening = await loop.create_server(
                    lambda: GuardedProtocol(server(), guard), host, port
                )
                # said once the port is ours: a port in use is one line on stderr, not this
                print(f"serving tui-gradients on http://{host}:{port} (ctrl+c stops)", flush=True)
                async with listening:
                    await stop.wait()
            finally:
                await runner.cleanup()

        def refuse(self, request: web.Request) -> None:
            """403 for a host name that is not this machine's (a page that renamed itself to
            reach it: DNS rebinding), and for a websocket opened by any page but ours."""
            request_host = urlsplit(f"//{request.host}").hostname or ""
            if not names_this_machine(request_host, loopback_only=is_loopback(host)):
                raise web.HTTPForbidden(text="forbidden: not a name of this machine\n")
            if request.path == "/ws":
                origin = urlsplit(request.headers.get("Origin", "")).netloc
                if origin != request.host:
                    raise web.HTTPForbidden(text="forbidden: not this server's page\n")

        async def handle_index(self, request: web.Request) -> Any:
            """textual-serve's page, with every address taken from the one the browser used
            (a server bound to 0.0.0.0 would send ws://0.0.0.0, which no remote browser can
            reach) and its font from the server."""
            self.refuse(request)
            page: object = await super().handle_index(request)
            assert isinstance(page, web.Response) and page.text is not None
            served = f"{request.scheme}://{request.host}"
            text = page.text.replace(self.public_url, served)
            text = text.replace("ws" + self.public_url.removeprefix("http"), "ws" + served[4:])
            page.text = EXTERNAL_FONT.sub(lambda _: LOCAL_FONT.format(base=served), text)
            return page

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            self.refuse(request)
            if self.running >= most:
                raise web.HTTPServiceUnavailable(
                    text=f"busy: {most} apps are running (serve --max-apps)\n"
                )
            self.running += 1
            try:
                return await super().handle_websocket(request)
            finally:
                self.running -= 1

    return LockedServer()

"""`tui-gradients serve`: the app in a web browser, each tab its own copy of the app.

textual-serve runs a process per websocket. Left as it is, any web page the user visits could
open that websocket (browsers let a page connect to any host) and drive an app that writes files
where the server runs. So the server here answers a websocket only from its own page (the Origin
is the address the page was served from), to a host name that is this machine's unless `--host`
opened it to others, and runs at most `--max-apps` at once. The page points at the address the
browser used, and takes its font from the server, not from the web.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from tui_gradients.arguments import (
    APP_FLAGS,
    PROG,
    ArgumentParser,
    app_parser,
    build,
    whole_number,
)

port = whole_number(1, 65535)
max_apps = whole_number(1, 64)
LOCAL_FONT = """<style>
@font-face {{
  font-family: "Roboto Mono";
  src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf");
}}
</style>"""
"""textual-serve's page asks Google for its font; the same font ships in its static folder."""
EXTERNAL_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>")


def serve_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=f"{PROG} serve",
        description="Serve the app to a web browser through textual-serve (an optional extra: "
        "pip install 'tui-gradients[serve]'). Each browser tab runs its own copy of the app. Any "
        f"other flags are the app's own ('{PROG} --help'). Bound to this machine unless --host "
        "says otherwise: from a remote box, forward the port with ssh -L. Only the server's "
        "own page may start an app.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--max-apps",
        type=max_apps,
        default=4,
        metavar="N",
        help="apps (browser tabs) running at once, at most (4)",
    )
    return parser


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, without a port) means this machine only."""
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command_serve(argv: Sequence[str]) -> int:
    args, app_argv = serve_parser().parse_known_args(argv)
    build(app_parser(), app_argv, APP_FLAGS)  # refuse bad app flags here, not in every tab
    try:
        from textual_serve.server import Server  # noqa: F401 (installed: the serve extra)
    except ImportError:
        print(
            f"{PROG} serve: needs textual-serve: pip install 'tui-gradients[serve]'",
            file=sys.stderr,
        )
        return 2
    command = shlex.join([sys.executable, "-m", "tui_gradients", *app_argv])
    if not is_loopback(args.host):
        print(
            f"{PROG} serve: warning: listening on {args.host}: anyone who can reach port "
            f"{args.port} can drive the app, and its exports write files here",
            file=sys.stderr,
        )
    print(f"serving tui-gradients on http://{args.host}:{args.port} (ctrl+c stops)", flush=True)
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


def locked_server(command: str, host: str, port: int, most: int) -> Any:
    """textual-serve's Server, answering only its own page, at most `most` apps at a time."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server, to_int

    class LockedServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title=PROG)
            self.running = 0

        def _refusal(self, request: web.Request) -> web.Response | None:
            """403 for a host name that is not this machine's on a loopback server (a page
            that renamed itself to reach it: DNS rebinding), and for a websocket opened by
            any page but ours."""
            request_host = urlsplit(f"//{request.host}").hostname or ""
            if is_loopback(host) and not is_loopback(request_host):
                return web.Response(status=403, text="forbidden: not a name of this machine\n")
            if request.path == "/ws":
                origin = urlsplit(request.headers.get("Origin", "")).netloc
                if origin != request.host:
                    return web.Response(status=403, text="forbidden: not this server's page\n")
            return None

        async def handle_index(self, request: web.Request) -> web.Response:
            """textual-serve's page, with every address taken from the one the browser used
            (a server bound to 0.0.0.0 would send ws://0.0.0.0, which no remote browser can
            reach) and its font from the server."""
            if refused := self._refusal(request):
                return refused
            base = f"{request.scheme}://{request.host}"
            static = f"{base}{request.app.router['static'].url_for(filename='/')}".rstrip("/")
            websocket = (
                "ws" + base.removeprefix("http") + str(request.app.router["websocket"].url_for())
            )
            context = {
                "font_size": max(6, min(48, to_int(request.query.get("fontsize", "16"), 16))),
                "app_websocket_url": websocket,
                "config": {"static": {"url": static + "/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            assert response.text is not None
            local = LOCAL_FONT.format(static=static + "/")
            response.text = EXTERNAL_FONT.sub(lambda _: local, response.text)
            return response

        async def handle_websocket(  # type: ignore[override]  # may refuse with a plain response
            self, request: web.Request
        ) -> web.StreamResponse:
            if refused := self._refusal(request):
                return refused
            if self.running >= most:
                return web.Response(
                    status=503, text=f"busy: {most} apps are running (serve --max-apps)\n"
                )
            self.running += 1
            try:
                return await super().handle_websocket(request)
            finally:
                self.running -= 1

    return LockedServer()

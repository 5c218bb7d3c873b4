"""The admin origin inside ``permapress serve``: a uvicorn server of its own, on its own port
(``--admin-port``, default 127.0.0.1:8001), in a thread of the serving process.

``AdminServer(spec)`` binds the address at once (a port in use is one line naming
``--admin-port``, before any build), and ``server(home)`` starts answering with
``admin_app(home)``. The site's server never serves /admin/ and this one never serves
/ipfs/: two origins, so published pages cannot reach an editor's session cookie.

While it runs, the admin publishes scheduled articles when their time comes (``scheduler``:
every few seconds it looks for due ones), so an embargo ends without anyone at the keyboard.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from permapress.admin.store import ADMIN_FILE
from permapress.errors import ConfigError

if TYPE_CHECKING:
    import uvicorn

DEFAULT = "127.0.0.1:8001"


def parse_address(spec: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``PORT`` (on 127.0.0.1)."""
    host, _, port = spec.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--admin-port {spec!r}: give a port (8001) or HOST:PORT "
                          "(127.0.0.1:8001)")  # fmt: skip
    return host, int(port)


def admin_server(
    home: Path | None, spec: str | None, off: bool, resolve: Callable[[Path | None], Path]
) -> AdminServer | None:
    """The admin's server for ``serve``, bound now, or None. It is served when asked for with
    --admin-port, or by default when the newsroom has people (admin.sqlite, made by
    ``permapress users add``); never with --no-admin."""
    if off:
        return None
    if spec is None:
        try:
            found = resolve(home)
        except ConfigError:  # serve says so itself, after binding its own port
            return None
        if not (found / ADMIN_FILE).exists():
            return None
    return AdminServer(spec or DEFAULT)


class AdminServer:
    """The admin's listening socket, bound now; calling it with the newsroom starts serving."""

    def __init__(self, spec: str) -> None:
        from permapress.newsroom.serving import listen_socket

        self.host, port = parse_address(spec)
        try:
            self.sock = listen_socket(self.host, port)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("--port", "--admin-port")) from None
        self.port = int(self.sock.getsockname()[1])
        self.thread: threading.Thread | None = None
        self.server: uvicorn.Server | None = None

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{shown}:{self.port}"

    def __call__(self, home: Path) -> None:
        import uvicorn

        from permapress.admin.app import admin_app

        app = admin_app(home, base_url=self.url, scheduler=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                               lifespan="on"))  # fmt: skip
        self.server = server
        sock: socket.socket = self.sock
        self.thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                       name="permapress-admin", daemon=True)  # fmt: skip
        self.thread.start()
        click.echo(f"Admin (sign-in and the editor) at {self.url}/admin/")

    def close(self) -> None:
        """Stop serving (when started) and let the port go."""
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(30)
        self.sock.close()

"""``permapress serve``: build the site if needed, then serve it with the gateway.

The address is bound first: a port another program holds is one line saying so (choose
another with ``--port``), before any build and never after "Serving … at …". The server reads
the newsroom read-only. Every request (to the website or the gateway) first looks whether the
catalog changed, so the site of a `permapress build` run beside it is served at once, without a
restart.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from starlette.applications import Starlette

from permapress.catalog import Catalog
from permapress.config import CONFIG_NAME, Config, load_config
from permapress.errors import ConfigError
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.newsroom.demo import DEMO_NAME, import_demo
from permapress.newsroom.home import Newsroom, init_newsroom
from permapress.site.build import build_site

REFRESH_SECONDS = 2.0


class LatestSite:
    """The newest built site root: re-read from the catalog as soon as the catalog's files
    change (a ``stat`` per call), and at least every ``REFRESH_SECONDS``."""

    def __init__(self, catalog_path: Path, on_change: Callable[[CID], None]) -> None:
        self._catalog = Catalog.open(catalog_path, readonly=True)
        self._files = (catalog_path, catalog_path.with_name(catalog_path.name + "-wal"))
        self._on_change = on_change
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp: tuple[int, ...] = ()
        self._root: CID | None = None
        self.__call__()

    def _file_stamp(self) -> tuple[int, ...]:
        stamp: list[int] = []
        for path in self._files:
            try:
                info = path.stat()
            except OSError:
                stamp += (0, 0)
                continue
            stamp += (info.st_mtime_ns, info.st_size)
        return tuple(stamp)

    def __call__(self) -> CID | None:
        now = time.monotonic()
        stamp = self._file_stamp()
        if now - self._checked < REFRESH_SECONDS and stamp == self._stamp:
            return self._root
        with self._lock:
            self._checked = now
            self._stamp = stamp
            latest = self._catalog.latest_build()
            if latest is not None and (self._root is None or str(self._root) != latest):
                root = CID.parse(latest)
                self._on_change(root)
                self._root = root
        return self._root


def prepare_home(demo: bool, home: Path | None, resolve: Callable[[Path | None], Path]) -> Path:
    """The newsroom folder to serve, creating a demo newsroom when asked."""
    if not demo:
        return resolve(home)
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="permapress-demo-")) / "newsroom"
    if not (home / CONFIG_NAME).exists():
        init_newsroom(home, DEMO_NAME)
        with Newsroom.open(home) as newsroom:
            count = import_demo(newsroom, now=datetime.now(UTC))
        click.echo(f"Demo newsroom with {count} articles in {home}")
    return home


def serving_app(home: Path) -> Starlette:
    """The web app over an already built newsroom (read-only)."""
    from permapress.server.app import create_app
    from permapress.server.ipns import records_from
    from permapress.server.served import ServedSet

    config = load_config(home)
    blocks = FileBlockstore(config.blocks_path)
    served = ServedSet(blocks.get)
    latest = LatestSite(config.catalog_path, lambda root: served.replace([root]))

    def is_served(cid: CID) -> bool:
        latest()  # a build finished a moment ago is served at once, not after a request to /
        return served.is_served(cid)

    return create_app(
        blocks=blocks,
        site_root=latest,
        is_served=is_served,
        site_name=config.name,
        ipns_records=records_from(config.catalog_path),
    )


def newsroom_app(home: Path) -> tuple[Starlette, str, Config]:
    """Build the newsroom's site (incrementally) and make the web app that serves it."""
    with Newsroom.open(home) as newsroom:
        result = build_site(newsroom)
        config = newsroom.config
    return serving_app(home), result.root_cid, config


_WORKER_HOME = "PERMAPRESS_SERVE_HOME"


def worker_app() -> Starlette:
    """Entry point of each worker process when serving with --workers N > 1."""
    return serving_app(Path(os.environ[_WORKER_HOME]))


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (as uvicorn binds it), or ``ConfigError`` in one line
    when the port is taken or the address cannot be used."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # readers who come before the server starts wait in the queue
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is in use (another server is listening there); "
                "choose another with --port, e.g. --port 8080"
            ) from None
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"port {port} on {host} needs administrator rights; choose one from 1024 up "
                "with --port"
            ) from None
        raise ConfigError(
            f"cannot listen on {host} port {port} ({exc.strerror or exc}); check --host "
            "and --port"
        ) from None
    except BaseException:
        sock.close()
        raise
    return sock


def run_server(
    *,
    host: str,
    port: int,
    demo: bool,
    home: Path | None,
    resolve: Callable[[Path | None], Path],
    workers: int = 1,
) -> None:
    import uvicorn

    # The address first: a busy port is reported before any work, and never after "Serving".
    sock = listen_socket(host, port)
    try:
        home = prepare_home(demo, home, resolve)
        app, root, config = newsroom_app(home)
    except BaseException:
        sock.close()
        raise
    port = int(sock.getsockname()[1])  # the port the system chose for --port 0
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Site root {root}")
    click.echo(f"Serving {config.name} at http://{shown}:{port}/  (Ctrl+C to stop)")
    options: dict[str, Any] = {"log_level": "warning", "access_log": False}
    if workers > 1:
        # uvicorn binds the workers' socket itself: hand the port over at the last moment.
        sock.close()
        os.environ[_WORKER_HOME] = str(home.resolve())
        with suppress(KeyboardInterrupt):  # Ctrl+C is how a server is stopped: no error
            uvicorn.run(
                "permapress.newsroom.serving:worker_app",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                **options,
            )
        return
    with sock, suppress(KeyboardInterrupt):
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options))
        server.run(sockets=[sock])

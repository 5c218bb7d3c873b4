"""``permapress serve``: build the site if needed, then serve it with the gateway.

The address is bound first: a port another program holds is one line saying so (choose
another with ``--port``), before any build and never after "Serving … at …". The server reads
the newsroom read-only. ``server.published.PublishedSite`` notices a `permapress build` run
beside it: the gateway serves its new root at once, without a restart or a request to ``/``.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from starlette.applications import Starlette

from permapress.config import CONFIG_NAME, Config, load_config
from permapress.errors import ConfigError
from permapress.ipfs.blockstore import FileBlockstore
from permapress.newsroom.demo import DEMO_NAME, import_demo
from permapress.newsroom.home import Newsroom, init_newsroom
from permapress.site.build import build_site


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
    from permapress.server.carstream import CarLimits
    from permapress.server.ipns import records_from
    from permapress.server.published import PublishedSite

    config = load_config(home)
    blocks = FileBlockstore(config.blocks_path)
    published = PublishedSite(config.catalog_path, blocks.get)
    return create_app(
        blocks=blocks,
        site_root=published.root,
        is_served=published.is_served,
        refresh=published.refresh,
        car_limits=CarLimits(max_bytes=int(config.serve.car_max_mb * (1 << 20)),
                             max_blocks=config.serve.car_max_blocks),
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

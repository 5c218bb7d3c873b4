"""``permapress serve``: build the site if needed, then serve it with the gateway; or serve a
site straight from one CAR file (``permapress serve FILE.car``).

The address is bound first: a port another program holds is one line saying so (choose
another with ``--port``), before any build and never after "Serving … at …". The server reads
the newsroom read-only. ``server.published.PublishedSite`` notices a `permapress build` run
beside it: the gateway serves its new root at once, without a restart or a request to ``/``.

From a CAR (``car_app``): the blocks are read through ``ipfs.carstore.CarBlockstore`` (random
access by the CAR's index, or one built beside it as ``FILE.car.idx``, or in memory; every block
verified as it is read, so a damaged block gives an error page, never its bytes). The CAR's
single root is the site at ``/``; the gateway serves exactly the blocks reachable from it (the
pages, every version's bundle, the signed records, the publisher log and key). Nothing is
written except the index file.

The server is granian (``run_server``): its HTTP/1.1 core is in Rust, and with the app's
cached-response shortcut (``server/app.py``) an article page or its CAR costs little Python per
request; measured against uvicorn (httptools + uvloop) in docs/gateway.md. Every worker is a
process forked from this one, which has already built the site (or opened the CAR and its
index), so a worker's own start is short: it opens the catalog and walks the served set in a
thread while it answers (``server.served.ServedSet``). "Serving … at …" is printed once the port
answers.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from starlette.applications import Starlette

from permapress.config import CONFIG_NAME, Config, load_config
from permapress.errors import ConfigError, PermapressError
from permapress.handle import Newsroom
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.newsroom.demo import DEMO_NAME, import_demo
from permapress.newsroom.home import init_newsroom
from permapress.site.build import build_site

if TYPE_CHECKING:
    from granian.server.common import AbstractServer

    from permapress.ipfs.carstore import CarBlockstore


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
    from permapress.publish.state import ipns_lookup
    from permapress.server.app import create_app
    from permapress.server.carstream import CarLimits
    from permapress.server.published import PublishedSite
    from permapress.server.search import catalog_search

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
        ipns_records=ipns_lookup(config.catalog_path),
        search=catalog_search(config.catalog_path),
    )


def car_app(path: Path, *, index_file: bool = True) -> tuple[Starlette, CID, str]:
    """The web app over one CAR file (read-only): the app, the site root and the site's name."""
    from permapress.server.app import create_app
    from permapress.server.carstream import CarLimits
    from permapress.server.served import ServedSet

    store, root, name = open_car(path, index_file=index_file)
    served = ServedSet(store.get, (root,), background=True)
    app = create_app(blocks=store, site_root=lambda: root, is_served=served.is_served,
                     car_limits=CarLimits(), site_name=name)  # fmt: skip
    return app, root, name


def open_car(path: Path, *, index_file: bool = True) -> tuple[CarBlockstore, CID, str]:
    """The CAR as a store, its single root (the site) and the site's name; ``ConfigError`` for a
    CAR with more or fewer roots."""
    from permapress.ipfs.carstore import CarBlockstore

    store = CarBlockstore(path, index_file=index_file)
    if len(store.roots) != 1:
        store.close()
        raise ConfigError(
            f"{path} has {len(store.roots)} roots; serve needs a CAR with one root (a site)"
        )
    root = store.roots[0]
    return store, root, _site_name(root, store.get) or path.stem


def _site_name(root: CID, get: Callable[[CID], bytes]) -> str | None:
    """The publisher's name from the site's publisher.json, when it has a readable one."""
    from permapress.ipfs.reader import read_file, resolve_path
    from permapress.trust.log import PUBLISHER_FILE, decode_publisher_document

    try:
        cid, _trail = resolve_path(root, [PUBLISHER_FILE], get)
        return decode_publisher_document(b"".join(read_file(cid, get))).name
    except PermapressError:
        return None


def newsroom_app(home: Path) -> tuple[Starlette, str, Config]:
    """Build the newsroom's site (incrementally) and make the web app that serves it."""
    from permapress.newsroom.mirror import adopted_root

    mirrored = adopted_root(home)  # a mirror folder (`permapress mirror`) is never built
    if mirrored is not None:
        return serving_app(home), mirrored, load_config(home)
    with Newsroom.open(home) as newsroom:
        result = build_site(newsroom)
        config = newsroom.config
    return serving_app(home), result.root_cid, config


_WORKER_HOME = "PERMAPRESS_SERVE_HOME"
_WORKER_CAR = "PERMAPRESS_SERVE_CAR"
_WORKER_NO_INDEX = "PERMAPRESS_SERVE_NO_INDEX_FILE"
# The CAR opened by the serving process, inherited by the workers it forks (its index, read or
# built once; reads use os.pread, so the processes share the descriptor safely).
_OPENED: tuple[CarBlockstore, CID, str] | None = None


def worker_app() -> Starlette:
    """Entry point of each worker process (granian loads it by name in every worker)."""
    from permapress.server.app import create_app
    from permapress.server.carstream import CarLimits
    from permapress.server.served import ServedSet

    car = os.environ.get(_WORKER_CAR)
    if car:
        if _OPENED is None:  # a worker started afresh rather than forked
            return car_app(Path(car), index_file=not os.environ.get(_WORKER_NO_INDEX))[0]
        store, root, name = _OPENED
        served = ServedSet(store.get, (root,), background=True)
        return create_app(blocks=store, site_root=lambda: root, is_served=served.is_served,
                          car_limits=CarLimits(), site_name=name)  # fmt: skip
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
    car: Path | None = None,
    index_file: bool = True,
    admin: Callable[[Path], None] | None = None,
) -> None:
    global _OPENED
    if car is not None and (demo or home is not None):
        raise ConfigError("serve FILE.car serves the file alone: leave out --demo and --home")
    # The address first: a busy port is reported before any work, and never after "Serving".
    sock = listen_socket(host, port)
    try:
        if car is not None:
            _OPENED = open_car(car, index_file=index_file)
            _store, car_root, name = _OPENED
            root = str(car_root)
            os.environ[_WORKER_CAR] = str(car.resolve())
            if not index_file:
                os.environ[_WORKER_NO_INDEX] = "1"
        else:
            home = prepare_home(demo, home, resolve)
            if admin is not None:  # the admin origin on its own port (permapress/admin/serve.py)
                admin(home)
            root, name = newsroom_root(home)
            os.environ[_WORKER_HOME] = str(home.resolve())
        port = int(sock.getsockname()[1])  # the port the system chose for --port 0
    finally:
        # granian binds the port in each worker: hand it over at the last moment
        sock.close()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Site root {root}")
    announce = threading.Thread(target=_announce, args=(shown, port, name), daemon=True)
    announce.start()
    _granian(host, port, workers).serve()


def newsroom_root(home: Path) -> tuple[str, str]:
    """Build the newsroom's site (incrementally; a mirror folder is never built): its root and
    the newsroom's name."""
    from permapress.newsroom.mirror import adopted_root

    config = load_config(home)
    mirrored = adopted_root(home)
    if mirrored is not None:
        return mirrored, config.name
    with Newsroom.open(home) as newsroom:
        return build_site(newsroom).root_cid, config.name


def _announce(host: str, port: int, name: str) -> None:
    """Say where the site is served once the port answers (the workers bind it themselves)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    while True:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            if probe.connect_ex((host, port)) == 0:
                break
        time.sleep(0.05)
    click.echo(f"Serving {name} at http://{host}:{port}/  (Ctrl+C to stop)")


def _granian(host: str, port: int, workers: int) -> AbstractServer[Any]:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    return Granian(
        "permapress.newsroom.serving:worker_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGINL,  # the app has no lifespan events
        workers=workers,
        http=HTTPModes.http1,  # as before: no HTTP/2
        # as before: an upgrade to a websocket reaches the app as one, which refuses it (403)
        websockets=True,
        log_level=LogLevels.warning,
        log_access=False,
    )

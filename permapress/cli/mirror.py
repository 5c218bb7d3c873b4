"""``permapress mirror SOURCE DIR``: keep a verified copy of a newsroom's site
(``permapress.newsroom.mirror``). Progress (bytes and blocks) is drawn on standard error when it
is a terminal; ``--json`` prints the result; ``--watch`` polls until Ctrl+C."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click

from permapress.newsroom.mirror import HistoryRefused, MirrorResult, mirror_once
from permapress.newsroom.mirror_fetch import Limits, MirrorError, dns_lookup

DEFAULT_INTERVAL = 60.0


@contextmanager
def _progress(shown: bool) -> Iterator[Callable[[int, bool], None] | None]:
    """A callback drawing fetched bytes and blocks on stderr (nothing when not a terminal)."""
    if not shown:
        yield None
        return
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), DownloadColumn(),
               TextColumn("{task.fields[fetched]} blocks fetched, {task.fields[held]} held"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("mirroring", total=None, fetched=0, held=0)
        counts = {"fetched": 0, "held": 0}

        def advance(size: int, fetched: bool) -> None:
            counts["fetched" if fetched else "held"] += 1
            bar.update(task, advance=size if fetched else 0, fetched=counts["fetched"],
                       held=counts["held"])

        yield advance


def _say(result: MirrorResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    what = "Adopted" if result.adopted else "Up to date:"
    click.echo(
        f"{what} {result.root_cid} ({result.name}: {result.log_entries} log entries); fetched "
        f"{result.blocks_fetched} blocks, {result.bytes_fetched} bytes"
    )


@click.command()
@click.argument("source")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--key", default=None,
              help="The publisher's key fingerprint (or public key) to require; without it the "
              "key is pinned on the first run.")
@click.option("--json", "as_json", is_flag=True,
              help="Print {root_cid, blocks_fetched, bytes_fetched, adopted} as JSON.")
@click.option("--watch", type=click.FloatRange(min=1.0), is_flag=False,
              flag_value=DEFAULT_INTERVAL, default=None, metavar="[INTERVAL]",
              help="Keep following the site, looking every INTERVAL seconds (default 60) until "
              "Ctrl+C.")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Blocks requested at the same time.")
@click.option("--timeout", type=click.FloatRange(min=1.0), default=30.0, show_default=True,
              help="Seconds to wait for the source before giving up (each request must have "
              "finished within twice as long).")
@click.option("--gateway", metavar="URL", default=None,
              help="The trustless gateway that resolves an ipns://NAME source and serves its "
              "blocks.")
@click.option("--rpc", metavar="URL", default=None,
              help="Read blocks block by block through this IPFS node's RPC API "
              "(/api/v0/block/get), for a node whose gateway is not trustless.")
@click.option("--dns", "dns_server", metavar="HOST[:PORT]", default=None,
              help="The DNS server for DNSLink lookups (default: the system's).")
def mirror(
    source: str, directory: Path, key: str | None, as_json: bool, watch: float | None,
    workers: int, timeout: float, gateway: str | None, rpc: str | None, dns_server: str | None,
) -> None:  # fmt: skip
    """Mirror the site at SOURCE into DIRECTORY, verifying the publisher's key, log and signed
    versions; a rewritten history is refused. SOURCE is the site's address, a gateway address
    of its root (https://gw/ipfs/CID/) or of its name (https://gw/ipns/NAME/), or ipns://NAME
    with --gateway; NAME is an IPNS key name (k51…) or a domain with DNSLink."""
    limits = Limits(timeout=timeout, workers=workers)
    lookup = dns_lookup(dns_server, timeout) if dns_server is not None else None
    shown = sys.stderr.isatty()
    run = partial(mirror_once, key=key, limits=limits, gateway=gateway, rpc=rpc, lookup=lookup)
    if watch is None:
        with _progress(shown) as on_block:
            result = run(source, directory, on_block=on_block)
        _say(result, as_json)
        return
    failed = False
    first = True
    try:
        while True:
            try:
                with _progress(shown) as on_block:
                    result = run(source, directory, on_block=on_block, check_held=first)
                first = False
                failed = False
                if result.adopted or as_json:
                    _say(result, as_json)
            except HistoryRefused as exc:
                failed = True
                click.echo(f"Error: {exc}", err=True)
            except MirrorError as exc:  # the source is down or misbehaves: try again later
                click.echo(f"Error: {exc}", err=True)
            time.sleep(watch)
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)
    if failed:
        sys.exit(1)


def register(group: click.Group) -> None:
    group.add_command(mirror)

"""``permapress mirror SOURCE DIR``: keep a verified copy of a newsroom's site
(``permapress.newsroom.mirror``). Progress (bytes and blocks) is drawn on standard error when it
is a terminal; ``--json`` prints the result; ``--watch`` polls until Ctrl+C."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from permapress.newsroom.mirror import HistoryRefused, MirrorResult, mirror_once
from permapress.newsroom.mirror_fetch import Limits, MirrorError

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
              help="Seconds to wait for the source before giving up.")
def mirror(
    source: str, directory: Path, key: str | None, as_json: bool, watch: float | None,
    workers: int, timeout: float,
) -> None:  # fmt: skip
    """Mirror the site at SOURCE (its address, or a gateway address of its root) into DIRECTORY,
    verifying the publisher's key, log and signed versions; a rewritten history is refused."""
    limits = Limits(timeout=timeout, workers=workers)
    shown = sys.stderr.isatty()
    if watch is None:
        with _progress(shown) as on_block:
            result = mirror_once(source, directory, key=key, limits=limits, on_block=on_block)
        _say(result, as_json)
        return
    failed = False
    first = True
    try:
        while True:
            try:
                with _progress(shown) as on_block:
                    result = mirror_once(source, directory, key=key, limits=limits,
                                         on_block=on_block, check_held=first)
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

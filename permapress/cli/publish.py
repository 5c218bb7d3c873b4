"""Publishing commands: publish, status, dnslink, ipns show, ipns publish.

Each finds its newsroom, reads the ``[publish.<name>]`` targets of permapress.toml, calls one
function of ``permapress.publish`` and prints one line per target (``--json`` for scripts).
``publish`` exits with 1 when any target failed, with 3 when every target holds the site but
an IPNS step failed ("site pinned; IPNS failed: <reason>" on standard error), else 0 (see
``run.exit_code``); its progress bar goes to standard error and is drawn only on a terminal.
Tokens are read from the environment or a file, never printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from permapress.cli.options import echo_json, home_option, json_option, resolve_home

if TYPE_CHECKING:
    from rich.progress import TaskID


class _Bar:
    """A rich progress bar per target upload (see ``run.Reporter``)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, target: str, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(f"uploading to {target}", total=total or None)

    def advance(self, nbytes: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, nbytes)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        self._progress.stop()


@click.command(name="publish")
@click.option("--to", "names", multiple=True, metavar="NAME", help="Only this target (repeatable).")
@click.option(
    "--full", is_flag=True, help="Send every block again, not only what the target lacks."
)
@home_option
@json_option
def publish_cmd(names: tuple[str, ...], full: bool, home: Path | None, as_json: bool) -> None:
    """Publish the newest site to the targets in permapress.toml (resumable)."""
    from permapress.handle import Newsroom
    from permapress.publish.run import exit_code, publish
    from permapress.publish.targets import read_targets, select

    folder = resolve_home(home)
    targets = select(read_targets(folder), names)
    reporter = _Bar() if not as_json and sys.stderr.isatty() else None
    with Newsroom.open(folder) as newsroom:
        outcomes = publish(newsroom, targets, env=os.environ, full=full, reporter=reporter)
    if as_json:
        echo_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            line = f"{o.result:<8} {o.target:<16} {o.root}  ({o.seconds:.1f} s)"
            if o.ipns:
                line += f"  /ipns/{o.ipns}"
            click.echo(line)
            if o.message:
                click.echo(f"         {o.message}", err=o.result == "failed")
            if o.ipns_error:
                click.echo(f"         site pinned; IPNS failed: {o.ipns_error}", err=True)
    code = exit_code(outcomes)
    if code:
        sys.exit(code)


@click.command(name="status")
@home_option
@json_option
def status_cmd(home: Path | None, as_json: bool) -> None:
    """Show, per target, which site roots are pinned, pending or failed."""
    from permapress.handle import Newsroom
    from permapress.publish.run import status
    from permapress.publish.targets import read_targets, select

    folder = resolve_home(home)
    targets = select(read_targets(folder), ())
    with Newsroom.open(folder, readonly=True) as newsroom:
        report = status(newsroom, targets)
    if as_json:
        echo_json(report)
        return
    for item in report:
        state = "up to date" if item["latest_published"] else "newest site NOT published yet"
        click.echo(f"{item['target']} ({item['type']}, {item['url']}): {state}")
        for root in item["pinned"]:  # type: ignore[attr-defined]
            click.echo(f"  pinned   {root}")
        for entry in item["pending"]:  # type: ignore[attr-defined]
            click.echo(f"  pending  {entry['root']}  {entry['status']} {entry['detail']}".rstrip())
        for entry in item["failed"]:  # type: ignore[attr-defined]
            click.echo(f"  failed   {entry['root']}  {entry['detail']}")
        if item["ipns"]:
            ipns = item["ipns"]
            click.echo(f"  ipns     /ipns/{ipns['name']} (sequence {ipns['sequence']})")  # type: ignore[index]
        if item["ipns_pending"]:
            pending = item["ipns_pending"]
            click.echo(
                f"  ipns     record sequence {pending['sequence']} -> {pending['value']} "  # type: ignore[index]
                "NOT accepted here yet: run `permapress publish` again"
            )


@click.command(name="dnslink")
@click.argument("domain")
@click.option(
    "--ipfs",
    "pin_root",
    is_flag=True,
    help="Point at the newest site root instead of the IPNS name.",
)
@home_option
@json_option
def dnslink_cmd(domain: str, pin_root: bool, home: Path | None, as_json: bool) -> None:
    """Print the _dnslink TXT record that points DOMAIN at the site."""
    from permapress.handle import Newsroom
    from permapress.publish.dnslink import dnslink_record
    from permapress.publish.ipns import name_of_key
    from permapress.publish.run import latest_root
    from permapress.trust.keys import has_key, load_private_key

    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        if not pin_root and has_key(newsroom.config.keys_path):
            value = f"/ipns/{name_of_key(load_private_key(newsroom.config.keys_path))}"
        else:
            value = f"/ipfs/{latest_root(newsroom)}"
    record = dnslink_record(domain, value)
    if as_json:
        echo_json({"host": record.host, "type": "TXT", "value": record.txt})
        return
    click.echo(
        f"Set this DNS TXT record (then the site opens at /ipns/{domain.strip().rstrip('.')}):"
    )
    click.echo(f"  host:  {record.host}")
    click.echo("  type:  TXT")
    click.echo(f"  value: {record.txt}")
    click.echo(record.zone_line())


@click.group(name="ipns")
def ipns_group() -> None:
    """The newsroom's IPNS name: a stable address for the newest site."""


@ipns_group.command(name="show")
@home_option
@json_option
def ipns_show(home: Path | None, as_json: bool) -> None:
    """Show the IPNS name and the newest record signed for it."""
    from permapress.handle import Newsroom
    from permapress.publish.ipns import name_of_key, verify_record
    from permapress.publish.state import PublishState
    from permapress.trust.keys import load_private_key

    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        name = name_of_key(load_private_key(newsroom.config.keys_path))
        with PublishState.open(newsroom.config.catalog_path, readonly=True) as state:
            row = state.latest_ipns(str(name))
    data: dict[str, Any] = {"name": str(name), "record": None}
    if row is not None:
        try:
            verify_record(name, row.record)
            valid = "valid"
        except Exception as exc:  # noqa: BLE001 - shown, not raised: the name is still useful
            valid = str(exc)
        data["record"] = {
            "value": row.value,
            "sequence": row.sequence,
            "validity": row.validity,
            "check": valid,
        }
    if as_json:
        echo_json(data)
        return
    click.echo(f"/ipns/{name}")
    if row is None:
        click.echo(
            "no record signed yet: run `permapress publish` to a kubo target with ipns = true"
        )
    else:
        click.echo(
            f"-> {row.value}  (sequence {row.sequence}, valid until {row.validity}: "
            f"{data['record']['check']})"
        )


@ipns_group.command(name="publish")
@click.option(
    "--to", "names", multiple=True, metavar="NAME", help="Only this kubo target (repeatable)."
)
@home_option
@json_option
def ipns_publish(names: tuple[str, ...], home: Path | None, as_json: bool) -> None:
    """Sign a record for the newest site and put it on the kubo targets with ipns = true."""
    from permapress.handle import Newsroom
    from permapress.publish.errors import PublishError
    from permapress.publish.http import TargetClient
    from permapress.publish.run import latest_root, publish_ipns
    from permapress.publish.state import PublishState
    from permapress.publish.targets import read_targets, secret, select

    folder = resolve_home(home)
    targets = [
        t for t in select(read_targets(folder), names) if t.kind == "kubo" and (t.ipns or names)
    ]
    if not targets:
        raise click.UsageError(
            "no kubo target with ipns = true; add it to a [publish.<name>] table"
        )
    results: list[dict[str, str | None]] = []
    with (
        Newsroom.open(folder) as newsroom,
        PublishState.open(newsroom.config.catalog_path) as state,
    ):
        root = latest_root(newsroom)
        for target in targets:
            item: dict[str, str | None] = {
                "target": target.name,
                "name": None,
                "value": f"/ipfs/{root}",
                "error": None,
            }
            try:
                with TargetClient(target, secret(target, os.environ)) as client:
                    item["name"] = publish_ipns(newsroom, state, target, root, client)
            except PublishError as exc:
                item["error"] = exc.reason
            results.append(item)
    if as_json:
        echo_json(results)
    else:
        for item in results:
            if item["error"]:
                click.echo(f"{item['target']}: IPNS failed: {item['error']}", err=True)
            else:
                click.echo(f"{item['target']}: /ipns/{item['name']} -> {item['value']}")
    if any(item["error"] for item in results):
        sys.exit(1)


COMMANDS = (publish_cmd, status_cmd, dnslink_cmd, ipns_group)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)

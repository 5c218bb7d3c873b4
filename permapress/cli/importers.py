"""Commands that move articles in and out: export and watch (import lives in cli/newsroom.py).

    permapress export --format ninjs|jsonfeed|markdown OUT [--drafts]
    permapress watch FEED... [--every 15m] [--once | --rounds N] [--fetch]

``print_report`` is the human summary of an import report (used by ``import`` and ``watch``):
one line per article, notes and failures with their reasons on stderr, a table of the counts
and the plain count line last ("held" appears only when an import kept a correction over a
changed source).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from permapress.cli.options import echo_json, home_option, json_option, resolve_home
from permapress.errors import ConfigError


def print_report(report: dict[str, Any], *, title: str = "Import") -> None:
    """The report for people; see the module docstring."""
    from rich.console import Console  # only here: `import --json` does without rich
    from rich.table import Table

    for item in report["items"]:
        click.echo(f"{item['status']:<10} {item['slug']}  ({item['source']})")
    for note in report.get("notes", []):
        click.echo(f"note       {note['source']}: {note['message']}", err=True)
    for failure in report["failed"]:
        click.echo(f"failed     {failure['source']}: {failure['error']}", err=True)
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("result")
    table.add_column("articles", justify="right")
    for key in ("imported", "updated", "unchanged"):
        table.add_row(key, str(report[key]))
    held = report.get("held", 0)
    if held:
        table.add_row("held (corrected since)", str(held))
    table.add_row("failed", str(len(report["failed"])))
    Console(file=sys.stdout, highlight=False).print(table)
    click.echo(
        f"{report['imported']} imported, {report['updated']} updated, "
        f"{report['unchanged']} unchanged, "
        + (f"{held} held (use --force), " if held else "")
        + f"{len(report['failed'])} failed"
    )


@click.command(name="export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ninjs", "jsonfeed", "markdown", "car"]),
    required=True,
    help="ninjs (one JSON file per article), jsonfeed (feed.json), markdown (<slug>/index.md) "
    "or car (the whole published site, with everything needed to verify it, as one CARv2 file).",
)
@click.option("--drafts", is_flag=True, help="Also export drafts.")
@home_option
@json_option
def export(out: Path, fmt: str, drafts: bool, home: Path | None, as_json: bool) -> None:
    """Write every article (latest version, with its media) to the new folder OUT, or with
    --format car the whole site to the file OUT."""
    from permapress.handle import Newsroom
    from permapress.newsroom.exporting import export_newsroom

    if fmt == "car":
        _export_car(out, drafts, home, as_json)
        return
    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        count = export_newsroom(newsroom, fmt, out, drafts=drafts)
    if as_json:
        echo_json({"format": fmt, "out": str(out), "articles": count})
    else:
        click.echo(f"Exported {count} articles as {fmt} to {out}")


def _export_car(out: Path, drafts: bool, home: Path | None, as_json: bool) -> None:
    from permapress.handle import Newsroom
    from permapress.newsroom.exporting import export_car

    if drafts:
        raise ConfigError("--drafts does not apply to --format car: the CAR holds the published "
                          "site as readers see it")
    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        done = export_car(newsroom, out)
    if as_json:
        echo_json({"format": "car", "out": str(out), "root_cid": done.root_cid,
                    "blocks": done.blocks, "bytes": done.size})
    else:
        click.echo(f"Exported the site ({done.blocks} blocks, {done.size} bytes) to {out}")
        click.echo(done.root_cid)


@click.command(name="watch")
@click.argument("feeds", nargs=-1, required=True)
@click.option("--every", default="15m", show_default=True, help="Time between polls: 90s, 15m, 2h.")
@click.option("--once", is_flag=True, help="Poll once and exit (for cron and scripts).")
@click.option("--rounds", type=click.IntRange(1), default=None, help="Stop after N polls.")
@click.option("--fetch", is_flag=True, help="Fetch and extract each entry's page.")
@click.option("--no-media", is_flag=True, help="Leave remote images as they are (no download).")
@home_option
@json_option
def watch(
    feeds: tuple[str, ...],
    every: str,
    once: bool,
    rounds: int | None,
    fetch: bool,
    no_media: bool,
    home: Path | None,
    as_json: bool,
) -> None:
    """Poll feeds (URLs or files) and record every change at the source as a new version."""
    from permapress.articles.items import ReadOptions
    from permapress.handle import Newsroom
    from permapress.newsroom.watch import parse_interval
    from permapress.newsroom.watch import watch as run_watch

    seconds = parse_interval(every)
    folder = resolve_home(home)
    failures = 0

    @contextmanager
    def open_newsroom() -> Iterator[Newsroom]:
        with Newsroom.open(folder) as newsroom:
            yield newsroom

    def on_round(number: int, report: dict[str, Any]) -> None:
        nonlocal failures
        failures += len(report["failed"])
        if as_json:
            echo_json({"round": number, **report})
        else:
            when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            print_report(report, title=f"Poll {number} at {when}")

    with Newsroom.open(folder, readonly=True) as newsroom:
        config = newsroom.config
        options = ReadOptions(fetch=fetch, language=config.language, media=not no_media,
                              categories=config.categories)  # fmt: skip
    if not as_json and not once:
        click.echo(f"Watching {len(feeds)} feed(s) every {every}; Ctrl+C stops.", err=True)
    done = run_watch(open_newsroom, list(feeds), every=seconds, rounds=1 if once else rounds,
                     options=options, on_round=on_round)  # fmt: skip
    if not as_json and not once:
        click.echo(f"Stopped after {done} poll(s).", err=True)
    if failures:
        sys.exit(1)


COMMANDS = (export, watch)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)

"""Newsroom commands: init, import, list, show, build, serve.

Each command finds its newsroom (``--home``, else the current folder or the nearest parent
folder holding ``permapress.toml``, else ``$PERMAPRESS_HOME``), calls one
function from ``permapress.newsroom`` or ``permapress.site`` and prints the result: a readable
table for people, ``--json`` for scripts, and the one value a script wants (a CID) alone on the
last line where there is one.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from permapress.cli import Interrupted
from permapress.cli.options import echo_json, home_option, json_option, resolve_home
from permapress.errors import ConfigError, PermapressError

if TYPE_CHECKING:
    from permapress.articles.items import ReadOptions
    from permapress.handle import Newsroom
    from permapress.newsroom.live import Round


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="The newsroom's name, shown on every page.")
@click.option("--demo", is_flag=True, help="Also import the example articles.")
def init(directory: Path, name: str | None, demo: bool) -> None:
    """Create a newsroom folder in DIRECTORY."""
    from permapress.handle import Newsroom
    from permapress.newsroom.home import init_newsroom

    demo_name = "The Harbour Courier"
    config = init_newsroom(directory, name or (demo_name if demo else directory.resolve().name))
    click.echo(f"Created newsroom {config.name!r} in {directory}")
    if demo:
        from permapress.newsroom.demo import import_demo

        with Newsroom.open(directory) as newsroom:
            count = import_demo(newsroom, now=datetime.now(UTC))
        click.echo(f"Imported {count} example articles. Next: permapress build --home {directory}")


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "page", "html", "feed", "wxr", "ninjs"]),
    default=None,
    help="Force a source format instead of detecting it.",
)
@click.option("--note", default=None, help="Correction note for articles that changed.")
@click.option("--fetch", is_flag=True, help="Feeds: fetch each entry's page and extract it.")
@click.option("--drafts", is_flag=True, help="WordPress: also drafts and scheduled posts.")
@click.option("--private", is_flag=True, help="WordPress: also private and password posts.")
@click.option("--pages", is_flag=True, help="WordPress: also pages, not only posts.")
@click.option("--no-media", is_flag=True, help="Leave remote images as they are (no download).")
@click.option("--force", is_flag=True,
              help="Record a changed source even over a correction made since its last import.")
@click.option("--watch", is_flag=True,
              help="Keep running: import each file as it is saved and build the site again "
              "(one line per save; Ctrl+C stops).")
@click.option("--rounds", type=click.IntRange(1), default=None,
              help="With --watch: stop after N saves have been imported and built.")
@home_option
@json_option
def import_(
    paths: tuple[str, ...],
    fmt: str | None,
    note: str | None,
    fetch: bool,
    drafts: bool,
    private: bool,
    pages: bool,
    no_media: bool,
    force: bool,
    watch: bool,
    rounds: int | None,
    home: Path | None,
    as_json: bool,
) -> None:
    """Import articles from files, folders or URLs: Markdown, pages like the seed, HTML
    pages, RSS/Atom/JSON feeds, WordPress exports (WXR) and ninjs."""
    from permapress.articles.items import ReadOptions
    from permapress.handle import Newsroom
    from permapress.newsroom.importing import import_paths

    if rounds is not None and not watch:
        raise ConfigError("--rounds goes with --watch (stop watching after N saves)")
    if watch and fetch:
        raise ConfigError("--fetch is for feeds; --watch takes files and folders")
    now = datetime.now(UTC)
    with Newsroom.open(resolve_home(home)) as newsroom:
        config = newsroom.config
        options = ReadOptions(
            fetch=fetch,
            drafts=drafts,
            private=private,
            pages=pages,
            media=not no_media,
            language=config.language,
            categories=config.categories,
            now=now,
            force=force,
        )
        if watch:
            _watch(newsroom, paths, fmt, note, options, rounds, as_json)
            return
        report = import_paths(
            newsroom,
            list(paths),
            fmt=fmt,
            note=note,
            now=now,
            progress=not as_json and sys.stderr.isatty(),
            options=options,
        )
    if as_json:
        echo_json(report)
    else:
        from permapress.cli.importers import print_report

        print_report(report)
    if report["failed"]:
        sys.exit(1)


def _watch(
    newsroom: Newsroom,
    paths: tuple[str, ...],
    fmt: str | None,
    note: str | None,
    options: ReadOptions,
    rounds: int | None,
    as_json: bool,
) -> None:
    """``import --watch``: the edit loop (``newsroom/live.py``), one line per round."""
    from permapress.newsroom.live import EditLoop, check_paths

    loop = EditLoop(newsroom, check_paths(paths), fmt=fmt, note=note, options=options)
    show = partial(_show_round, as_json=as_json)
    try:
        show(loop.first())
        loop.run(show, rounds=rounds, ready=lambda: click.echo(
            "Watching for saves (Ctrl+C to stop)", err=True))  # fmt: skip
    except KeyboardInterrupt:
        # A round stopped half-way records nothing half-made (an import's version and a build
        # are each written whole or not at all): the site is the last finished round's.
        raise Interrupted("stopped watching") from None


def _show_round(done: Round, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(done.as_json(), ensure_ascii=False))
        return
    report = done.report
    if len(report["items"]) <= 3:
        what = ", ".join(f"{i['status']} {i['slug']}"
                         + (f" v{done.versions[i['slug']]}" if i["slug"] in done.versions else "")
                         for i in report["items"])  # fmt: skip
    else:
        counts = {k: report[k] for k in ("imported", "updated", "unchanged", "held") if report[k]}
        what = ", ".join(f"{n} {k}" for k, n in counts.items())
    if report["failed"]:
        first, more = report["failed"][0], len(report["failed"]) - 1
        what += ("; " if what else "") + f"failed: {first['error']}"
        what += f" (and {more} more)" if more else ""
    if done.mode is None:
        site = "site unchanged"
    else:
        how = "nothing changed" if done.mode == "patched" and not done.rendered else (
            f"{done.mode}, {done.rendered} rendered")
        site = f"site {done.root_cid} ({how})"
    saved = "start" if done.number == 0 else ", ".join(Path(c).name for c in done.changed)
    stamp = datetime.now().strftime("%H:%M:%S")
    click.echo(f"{stamp}  {saved}: {what}; {site} in {done.seconds:.2f} s")


@click.command(name="list")
@click.option("--category", default=None, help="Only articles in this category.")
@click.option("--drafts", is_flag=True, help="Include drafts.")
@home_option
@json_option
def list_(category: str | None, drafts: bool, home: Path | None, as_json: bool) -> None:
    """List the newsroom's articles, newest first."""
    from permapress.handle import Newsroom
    from permapress.newsroom.query import list_articles

    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        rows = list_articles(newsroom, category=category, drafts=drafts)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("No articles yet. Import some with `permapress import PATH`.")
        return
    for row in rows:
        cats = ", ".join(row["categories"])
        click.echo(f"{row['published'][:10]}  {row['slug']:<48} v{len(row['versions'])}  {cats}")


@click.command()
@click.argument("slug")
@home_option
@json_option
def show(slug: str, home: Path | None, as_json: bool) -> None:
    """Show one article with its versions and content addresses."""
    from permapress.handle import Newsroom
    from permapress.newsroom.query import show_article

    with Newsroom.open(resolve_home(home), readonly=True) as newsroom:
        data = show_article(newsroom, slug)
    if as_json:
        echo_json(data)
        return
    click.echo(data["headline"])
    click.echo(f"published {data['published']}  by {', '.join(data['authors']) or 'unknown'}")
    click.echo(f"categories: {', '.join(data['categories'])}  status: {data['status']}")
    for version in data["versions"]:
        note = f"  {version['note']}" if version["note"] else ""
        click.echo(f"  v{version['number']}  {version['time']}  {version['bundle_cid']}{note}")
    click.echo(data["bundle_cid"])


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the site as a plain folder.",
)
@click.option(
    "--cars", is_flag=True, help="With --out: write each article's <slug>.car beside its page."
)
@home_option
@json_option
def build(out: Path | None, cars: bool, home: Path | None, as_json: bool) -> None:
    """Render every article and the whole site; print the site's root CID."""
    from permapress.handle import Newsroom
    from permapress.site.build import build_site
    from permapress.site.export import export_site

    if cars and out is None:
        raise ConfigError("--cars needs --out DIR (the folder to write the site and CAR files to)")
    try:
        with Newsroom.open(resolve_home(home)) as newsroom:
            result = build_site(newsroom, progress=not as_json and sys.stderr.isatty())
            if out is not None:
                export_site(newsroom, result.root_cid, out, cars=cars)
    except KeyboardInterrupt:
        # Nothing half-made is kept: the catalog records a build only when it is whole, and
        # the --out folder is written aside and renamed into place (or removed).
        raise Interrupted("interrupted; run build again to finish") from None
    if as_json:
        echo_json(
            {
                "root_cid": result.root_cid,
                "articles": result.articles,
                "pages": result.pages,
                "rendered": result.rendered,
                "mode": result.mode,
                "seconds": round(result.seconds, 3),
            }
        )
        return
    how = {"patched": ", patched into the last site", "incremental": ", the rest reused"}
    if result.mode == "patched" and not result.rendered:
        how["patched"] = ": nothing changed"
    click.echo(
        f"Built {result.articles} articles, {result.pages} pages "
        f"({result.rendered} rendered{how.get(result.mode, '')}) in {result.seconds:.2f} s"
    )
    if out is not None:
        click.echo(f"Wrote the site to {out}")
    click.echo(result.root_cid)


@click.command()
@click.argument(
    "car_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--demo", is_flag=True, help="Serve a demo newsroom (in a temporary folder unless --home)."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (one per CPU core serves the most readers).",
)
@click.option(
    "--no-index-file",
    is_flag=True,
    help="With CAR_FILE: keep the index of a CAR that has none in memory instead of writing "
    "CAR_FILE.idx beside it.",
)
@click.option("--admin-port", "admin_port", default=None, metavar="[HOST:]PORT",
              help="Serve the admin (sign-in, editor, API) on its own origin here "
              "[default: 127.0.0.1:8001 when the newsroom has people].")
@click.option("--no-admin", is_flag=True, help="Do not serve the admin.")
@home_option
def serve(
    car_file: Path | None,
    host: str,
    port: int,
    demo: bool,
    workers: int,
    no_index_file: bool,
    admin_port: str | None,
    no_admin: bool,
    home: Path | None,
) -> None:
    """Serve the newest site at / and a trustless IPFS gateway at /ipfs/; with CAR_FILE, serve
    the site in that CAR file (read-only, every block verified as it is read)."""
    from permapress.admin.serve import admin_server
    from permapress.newsroom.serving import run_server

    admin = None if car_file else admin_server(home, admin_port, no_admin, resolve_home)
    run_server(host=host, port=port, demo=demo, home=home, resolve=resolve_home, workers=workers,
               car=car_file, index_file=not no_index_file, admin=admin)  # fmt: skip


COMMANDS = (init, import_, list_, show, build, serve)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)


__all__ = ["register", "PermapressError"]

"""Trust commands: keys init/show, correct, retract, verify.

``keys`` manages the publisher's signing key; ``correct`` and ``retract`` change what the
newsroom has published, always through a signed version or log entry; ``verify`` checks a CAR
or a folder offline and exits 1 with the reason when anything does not hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from permapress.cli.options import echo_json, home_option, json_option, resolve_home


@click.group()
def keys() -> None:
    """The newsroom's publisher key (Ed25519) that signs every version."""


@keys.command(name="init")
@home_option
def keys_init(home: Path | None) -> None:
    """Create the publisher key of a newsroom that has none (never replaces one)."""
    from permapress.config import load_config
    from permapress.trust.keys import fingerprint, generate_key, public_bytes

    config = load_config(resolve_home(home))
    key = generate_key(config.keys_path)
    click.echo(f"Created the publisher key in {config.keys_path}; keep a backup of it.")
    click.echo(fingerprint(public_bytes(key)))


@keys.command(name="show")
@home_option
@json_option
def keys_show(home: Path | None, as_json: bool) -> None:
    """Print the public key and its fingerprint (what readers compare)."""
    from permapress.config import load_config
    from permapress.trust.keys import fingerprint, key_text, load_public_key

    config = load_config(resolve_home(home))
    public = load_public_key(config.keys_path)
    if as_json:
        echo_json({"key": key_text(public), "public_key": public.hex(),
                   "fingerprint": fingerprint(public)})
        return
    click.echo(f"public key   {public.hex()}")
    click.echo(f"fingerprint  {fingerprint(public)}")


@click.command()
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", required=True, help="What was corrected, as readers will see it.")
@home_option
@json_option
def correct(slug: str, file: Path, note: str, home: Path | None, as_json: bool) -> None:
    """Publish FILE (Markdown or a page) as a corrected version of article SLUG."""
    from permapress.handle import Newsroom
    from permapress.newsroom.record import correct_article

    with Newsroom.open(resolve_home(home)) as newsroom:
        recorded = correct_article(newsroom, slug, file, note=note, now=datetime.now(UTC))
    if as_json:
        echo_json({"slug": recorded.slug, "version": recorded.version,
                   "bundle_cid": recorded.bundle_cid})
        return
    click.echo(f"Published version {recorded.version} of {recorded.slug}. "
               "Run `permapress build` to update the site.")
    click.echo(recorded.bundle_cid)


@click.command()
@click.argument("slug")
@click.option("--reason", required=True, help="Why it is withdrawn, as readers will see it.")
@click.option("--purge", is_flag=True, help="Also delete its content blocks from this newsroom.")
@home_option
@json_option
def retract(slug: str, reason: str, purge: bool, home: Path | None, as_json: bool) -> None:
    """Withdraw article SLUG: off listings and feeds, a tombstone page with the reason."""
    from permapress.handle import Newsroom
    from permapress.newsroom.retract import retract_article

    with Newsroom.open(resolve_home(home)) as newsroom:
        done = retract_article(newsroom, slug, reason=reason, purge=purge, now=datetime.now(UTC))
    if as_json:
        echo_json({"slug": done.slug, "version": done.version, "purged": done.purged,
                   "deleted_blocks": done.deleted_blocks, "root_cid": done.root_cid})
        return
    click.echo(f"Retracted {done.slug} (its {done.version} version(s) stay in its history).")
    if done.purged:
        click.echo(f"Purged: deleted {done.deleted_blocks} blocks; the site was rebuilt.")
        click.echo(done.root_cid or "")
    else:
        click.echo("Run `permapress build` to update the site.")


@click.command()
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "expected", default=None,
              help="The publisher's fingerprint or public key that must have signed it.")
@json_option
def verify(target: Path, expected: str | None, as_json: bool) -> None:
    """Check a downloaded CAR or a folder (one article or a whole site) offline."""
    import sys

    from permapress.trust.verify import verify_path

    report = verify_path(target, expected)
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(report.summary())
    if not report.valid:
        sys.exit(1)


COMMANDS = (keys, correct, retract, verify)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)

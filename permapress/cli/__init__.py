"""The ``permapress`` command line.

Each command parses its arguments, calls one function of the package and prints the result.
Errors raised on purpose (``PermapressError``) are caught once, in ``main``, and become one line
on standard error and exit code 1. Ctrl+C is one line too ("interrupted", or the command's own
``Interrupted`` message, e.g. build's) and exit code 130. Sub-groups live in their own
modules: ``cli/ipfs.py`` (the IPFS tools), ``cli/newsroom.py`` (init, import, build, serve,
…) and ``cli/trust.py`` (keys, correct, retract, verify).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from permapress import __version__
from permapress.errors import PermapressError

# Which module of permapress.cli defines each command. A command's module is imported only when
# that command runs (or when help lists them all), so `permapress build` starts fast.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("init", "import", "list", "show", "build", "serve"), "newsroom"),
    "ipfs": "ipfs",
    "mirror": "mirror",
    **dict.fromkeys(("export", "watch"), "importers"),
    **dict.fromkeys(("keys", "correct", "retract", "verify"), "trust"),
    **dict.fromkeys(("publish", "status", "dnslink", "ipns"), "publish"),
    **dict.fromkeys(("users", "tokens"), "users"),
}

# Each command's one-line help as `permapress --help` lists it (the first sentence of its
# docstring), so the listing imports no command module; tests/cli/test_startup.py checks that
# these agree with the commands' own help.
COMMAND_HELP: dict[str, str] = {
    "build": "Render every article and the whole site; print the site's root CID.",
    "correct": "Publish FILE (Markdown or a page) as a corrected version of article SLUG.",
    "dnslink": "Print the _dnslink TXT record that points DOMAIN at the site.",
    "export": "Write every article (latest version, with its media) to the new folder OUT, or "
    "with --format car the whole site to the file OUT.",
    "import": "Import articles from files, folders or URLs: Markdown, pages like the seed, HTML "
    "pages, RSS/Atom/JSON feeds, WordPress exports (WXR) and ninjs.",
    "init": "Create a newsroom folder in DIRECTORY.",
    "ipfs": "IPFS tools: import files as UnixFS, verify and unpack CAR files, reindex packs.",
    "ipns": "The newsroom's IPNS name: a stable address for the newest site.",
    "keys": "The newsroom's publisher key (Ed25519) that signs every version.",
    "list": "List the newsroom's articles, newest first.",
    "mirror": "Mirror the site at SOURCE into DIRECTORY, verifying the publisher's key, log and "
    "signed versions; a rewritten history is refused.",
    "publish": "Publish the newest site to the targets in permapress.toml (resumable).",
    "retract": "Withdraw article SLUG: off listings and feeds, a tombstone page with the reason.",
    "serve": "Serve the newest site at / and a trustless IPFS gateway at /ipfs/; with CAR_FILE, "
    "serve the site in that CAR file (read-only, every block verified as it is read).",
    "show": "Show one article with its versions and content addresses.",
    "status": "Show, per target, which site roots are pinned, pending or failed.",
    "tokens": "API tokens for scripts (sent as 'Authorization: Bearer TOKEN').",
    "users": "The people who write, edit and publish in the admin, and their roles.",
    "verify": "Check a downloaded CAR or a folder (one article or a whole site) offline.",
    "watch": "Poll feeds (URLs or files) and record every change at the source as a new version.",
}


class Interrupted(Exception):  # noqa: N818 (it is what happened, not an error of the input)
    """Ctrl+C during a command: ``main`` prints the message as the one line and exits 130."""


class _LazyGroup(click.Group):
    listing = False  # True while help lists the commands: unloaded ones are read from the table

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            if self.listing and cmd_name in COMMAND_HELP:
                return click.Command(cmd_name, help=COMMAND_HELP[cmd_name])
            _load(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.listing = False

    def invoke(self, ctx: click.Context) -> object:
        # Caught here, before click turns it into "Aborted." after an empty line.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="permapress")
def cli() -> None:
    """Publish news that cannot be silently changed or quietly taken down."""


def _load(name: str) -> None:
    module = importlib.import_module(f"permapress.cli.{name}")
    if name == "ipfs":
        cli.add_command(module.ipfs)
    else:
        module.register(cli)


def _register() -> None:
    """Load every command now (the docs test and the help listing want them all)."""
    for name in sorted(set(COMMAND_MODULES.values())):
        _load(name)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning our errors into one line and exit code 1."""
    try:
        cli.main(args=argv, prog_name="permapress", standalone_mode=False)
    except PermapressError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except Interrupted as exc:
        click.echo(str(exc), err=True)
        sys.exit(130)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("interrupted", err=True)
            sys.exit(130)
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(1 if exc.exit_code else 0)
    except BrokenPipeError:
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line, with details only when asked
        if os.environ.get("PERMAPRESS_DEBUG"):
            raise
        click.echo(
            f"Internal error ({type(exc).__name__}: {exc}). This is a bug in permapress; "
            "run again with PERMAPRESS_DEBUG=1 for details and report it.",
            err=True,
        )
        sys.exit(1)

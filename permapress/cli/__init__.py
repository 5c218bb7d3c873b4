"""The ``permapress`` command line.

Each command parses its arguments, calls one function of the package and prints the result.
Errors raised on purpose (``PermapressError``) are caught once, in ``main``, and become one line
on standard error and exit code 1. Sub-groups live in their own modules: ``cli/ipfs.py`` (the
IPFS tools), ``cli/newsroom.py`` (init, import, build, serve, …) and ``cli/trust.py`` (keys,
correct, retract, verify).
"""

from __future__ import annotations

import os
import sys

import click

from permapress import __version__
from permapress.errors import PermapressError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="permapress")
def cli() -> None:
    """Publish news that cannot be silently changed or quietly taken down."""


def _register() -> None:
    from permapress.cli import importers
    from permapress.cli.ipfs import ipfs
    from permapress.cli.newsroom import register
    from permapress.cli.publish import register as register_publish
    from permapress.cli.trust import register as register_trust

    cli.add_command(ipfs)
    register(cli)
    importers.register(cli)
    register_trust(cli)
    register_publish(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning our errors into one line and exit code 1."""
    _register()
    try:
        cli.main(args=argv, prog_name="permapress", standalone_mode=False)
    except PermapressError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(1 if exc.exit_code else 0)
    except BrokenPipeError:
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
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

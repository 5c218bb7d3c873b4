"""What every newsroom command shares: its options and how it prints for scripts.

    @home_option        --home DIR (default: the current folder or the nearest one above it
                        that holds permapress.toml, else $PERMAPRESS_HOME)
    @json_option        --json: print JSON for scripts (the parameter ``as_json``)
    resolve_home(home)  the newsroom folder those rules give (``config.find_home``)
    echo_json(data)     JSON on standard output, indented, non-ASCII kept
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from permapress.config import find_home

F = TypeVar("F", bound=Callable[..., Any])


def home_option(func: F) -> F:
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Newsroom folder (default: the current folder or the nearest one above it that "
        "holds permapress.toml, else $PERMAPRESS_HOME).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def resolve_home(home: Path | None) -> Path:
    return find_home(home, Path.cwd(), os.environ)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))

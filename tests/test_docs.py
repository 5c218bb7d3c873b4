"""Every command, option and setting a user can meet is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from permapress.cli import _register, cli
from permapress.config import default_config_text

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    _register()
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        for name, command in sorted(group.commands.items()):
            full = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                walk(full, command)
            else:
                found.append((full, command))

    walk("", cli)
    return found


def test_every_command_says_where_it_lives() -> None:
    from permapress.cli import COMMAND_MODULES

    _register()
    assert set(cli.commands) == set(COMMAND_MODULES)


def test_readme_starts_with_the_two_commands() -> None:
    head = README.strip().splitlines()[:4]
    assert any(line.startswith("make run") for line in head)
    assert any(line.startswith("make test") for line in head)


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_and_option_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"permapress {name}" in README, f"`permapress {name}` is missing from the README"
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help", "--home"):
                    assert opt in README, (
                        f"option {opt} of `permapress {name}` is missing from the README"
                    )


def test_every_setting_is_in_the_readme() -> None:
    keys = re.findall(r"^#?\s*([a-z_]+) = ", default_config_text("x"), flags=re.M)
    assert keys
    for key in keys:
        assert f"`{key}`" in README, f"setting {key} is missing from the README"

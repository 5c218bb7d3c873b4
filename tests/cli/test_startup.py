"""The command line loads only the module of the command that runs.

`permapress --help` lists every command with its one-line help from a table in
``permapress/cli/__init__.py`` (no command module is imported); running a command imports its own
module and no other one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from permapress.cli import COMMAND_HELP, COMMAND_MODULES, _register, cli

SCRIPT = """
import json, sys
from permapress.cli import main
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exit:
    assert not exit.code, exit.code
print(json.dumps(sorted(m for m in sys.modules if m.startswith("permapress.cli."))))
"""


def _cli_modules_after(args: list[str]) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    *shown, last = done.stdout.strip().splitlines()
    return "\n".join(shown), list(json.loads(last))


def test_help_lists_every_command_without_loading_one() -> None:
    shown, loaded = _cli_modules_after(["--help"])
    assert loaded == []
    for name in COMMAND_MODULES:
        assert f"\n  {name} " in shown
    _register()  # the same listing from the commands themselves
    listed = CliRunner().invoke(cli, ["--help"], prog_name="permapress", terminal_width=78)
    assert shown + "\n" == listed.output


def test_a_command_loads_its_own_module_only() -> None:
    _shown, loaded = _cli_modules_after(["build", "--help"])
    assert loaded == ["permapress.cli.newsroom", "permapress.cli.options"]
    _shown, loaded = _cli_modules_after(["keys", "--help"])
    assert "permapress.cli.newsroom" not in loaded
    assert "permapress.cli.trust" in loaded


def test_every_command_has_its_line_in_the_table() -> None:
    assert set(COMMAND_HELP) == set(COMMAND_MODULES)


@pytest.mark.parametrize("name", sorted(COMMAND_MODULES))
def test_the_table_says_what_the_command_says(name: str) -> None:
    _register()
    command = cli.commands[name]
    listed = click.Command(name, help=COMMAND_HELP[name])
    for limit in (30, 45, 60, 80, 200, 1000):
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), limit


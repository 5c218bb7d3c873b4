"""``[serve]`` in permapress.toml: the CAR limits of `permapress serve`, read and enforced."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from permapress.cli import main
from permapress.config import ServeSettings, load_config
from permapress.errors import ConfigError
from permapress.newsroom.serving import serving_app

sys.path.insert(0, str(Path(__file__).parent))
from crafted import read_all, running  # noqa: E402

STORY = "---\ntitle: Harbour opens\ndate: 2025-06-01T08:00:00+00:00\n---\n\nThe harbour.\n"


def _cli(*args: str) -> None:
    try:
        main(list(args))
    except SystemExit as exc:
        assert not exc.code, args


def _set_serve(home: Path, text: str) -> None:
    config = home / "permapress.toml"
    kept = config.read_text(encoding="utf-8").split("\n[serve]")[0]
    config.write_text(kept + "\n[serve]\n" + text, encoding="utf-8")


def test_defaults_are_written_by_init_and_limits_are_enforced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "newsroom"
    _cli("init", str(home))
    assert load_config(home).serve == ServeSettings(4096.0, 1_000_000)
    story = tmp_path / "harbour.md"
    story.write_text(STORY, encoding="utf-8")
    _cli("import", str(story), "--home", str(home))
    _cli("build", "--home", str(home))
    capsys.readouterr()
    _set_serve(home, "car_max_blocks = 3\n")
    assert load_config(home).serve.car_max_blocks == 3
    app = serving_app(home)
    root = app.website.site_root()  # type: ignore[attr-defined]
    with running(app) as base:
        status, _headers, _body, complete = read_all(f"{base}/ipfs/{root}?format=car")
        assert status == 200 and not complete, "a site of more than 3 blocks is cut off"
        small = read_all(f"{base}/ipfs/{root}?format=car&dag-scope=block")
        assert small[0] == 200 and small[3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("car_max_mb = 0\n", "car_max_mb must be a number from 1"),
        ('car_max_mb = "big"\n', "car_max_mb must be a number from 1"),
        ("car_max_blocks = 2.5\n", "car_max_blocks must be a whole number"),
        ("car_max_blocks = true\n", "car_max_blocks must be a whole number"),
        ("car_dups = 3\n", "[serve] has no setting 'car_dups'"),
    ],
)
def test_bad_serve_settings_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    home = tmp_path / "newsroom"
    _cli("init", str(home))
    _set_serve(home, text)
    with pytest.raises(ConfigError) as error:
        load_config(home)
    assert message in str(error.value) and "permapress.toml" in str(error.value)

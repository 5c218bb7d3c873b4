"""permapress.toml loading and newsroom discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from permapress.config import CONFIG_NAME, default_config_text, find_home, load_config
from permapress.errors import ConfigError


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / CONFIG_NAME).write_text(text, encoding="utf-8")
    return home


def test_default_config_round_trips(tmp_path: Path) -> None:
    home = write(tmp_path / "n", default_config_text('The "Quoted" Courier'))
    config = load_config(home)
    assert config.name == 'The "Quoted" Courier'
    assert config.profile == "unixfs-v1-2025"
    assert config.base_url is None
    assert config.per_page == 20
    assert config.catalog_path == home / "catalog.sqlite"


def test_base_url_gets_a_trailing_slash_and_categories_are_read(tmp_path: Path) -> None:
    home = write(
        tmp_path,
        '[newsroom]\nname = "X"\nbase_url = "https://news.example"\n'
        '[categories]\n"City Hall" = "medtop:11000000"\n',
    )
    config = load_config(home)
    assert config.base_url == "https://news.example/"
    assert config.category_topics == {"City Hall": "medtop:11000000"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[newsroom]\nname = "X"\nprofile = "fast"\n', "profile 'fast' is unknown"),
        (
            '[newsroom]\nname = "X"\ntimezone = "Mars/Olympus"\n',
            "timezone 'Mars/Olympus' is unknown",
        ),
        (
            '[newsroom]\nname = "X"\nbase_url = "news.example"\n',
            "base_url must start with https://",
        ),
        ('[newsroom]\nname = "X"\nper_page = 0\n', "per_page must be a whole number"),
        ("[newsroom]\nname = 5\n", "`name` must be text"),
        ("[newsroom\n", "not valid TOML"),
        ('[categories]\n"A" = 3\n', "[categories] maps names"),
    ],
)
def test_bad_settings_name_the_file_and_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    home = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(home)
    assert fragment in str(info.value)
    assert str(home / CONFIG_NAME) in str(info.value)


def test_find_home_prefers_flag_then_cwd_then_environment(tmp_path: Path) -> None:
    a = write(tmp_path / "a", default_config_text("A"))
    b = write(tmp_path / "b", default_config_text("B"))
    assert find_home(a, b, {}) == a
    assert find_home(None, b, {"PERMAPRESS_HOME": str(a)}) == b
    assert find_home(None, tmp_path, {"PERMAPRESS_HOME": str(a)}) == a


def test_find_home_explains_how_to_make_a_newsroom(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="permapress init"):
        find_home(None, tmp_path, {})
    with pytest.raises(ConfigError, match="PERMAPRESS_HOME="):
        find_home(None, tmp_path, {"PERMAPRESS_HOME": str(tmp_path / "nope")})
    with pytest.raises(ConfigError, match="not a newsroom folder"):
        find_home(tmp_path, tmp_path, {})

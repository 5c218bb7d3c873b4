"""Fuzzing the newsroom settings: a mutated permapress.toml loads or raises ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzkit import FUZZ, mutated, ours_or_success, replay
from hypothesis import given

from permapress.config import Config, default_config_text, load_config

SEEDS = [
    default_config_text("The Harbour Courier").encode("utf-8"),
    b'[newsroom]\nname = "x"\ntimezone = "Europe/Berlin"\nbase_url = "https://news.example/"\n'
    b'per_page = 500\n[categories]\n"City Hall" = "medtop:11000000"\n'
    b"[media]\narchive = false\ntimeout = 0.5\nmax_redirects = 0\n",
]
TOKENS = (
    b"[newsroom]\n", b"[media]\n", b"[categories]\n", b"[[x]]\n", b" = ", b'"', b"'''", b'"""',
    b"\\u0000", b"\\uD800", b"1e400", b"-1", b"inf", b"nan", b"0x7fffffffffffffffff",
    b"1979-05-27T07:32:00Z", b"[", b"{a = 1}", b"true", b'timezone = "../../etc/passwd"\n',
    b'timezone = "Europe/\\u0000"\n', b'profile = "x"\n', b"per_page = 99999999999999999999\n",
    b"timeout = -1\n", b"max_file_mb = nan\n", b"max_redirects = 1e9\n", b"archive = 1\n",
)  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-config")


@FUZZ
@replay("config")
@given(mutated(SEEDS, TOKENS))
def test_config(home: Path, data: bytes) -> None:
    (home / "permapress.toml").write_bytes(data)
    result = ours_or_success(lambda: load_config(home))
    if isinstance(result, Config):
        assert 1 <= result.per_page <= 500
        assert result.media.timeout > 0 and result.media.max_redirects >= 0

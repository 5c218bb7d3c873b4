"""The test data travels with the repository: every file under tests/vectors is named in
tests/vectors/SOURCES.md (and every named file exists), and no test, benchmark or Makefile
rule reaches for a folder beside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from data_paths import GATEWAY_CONFORMANCE, IPIP_499, SEED_ARTICLE, TESTS, VECTORS

REPO = TESTS.parent
# "shared" / ... path joins, or the folder's known contents named through "../"
OUTSIDE = re.compile(
    r"[\"']shared[\"']\s*/|/\s*[\"']shared[\"']|\.\./shared/(vectors|seed|extraction|DESIGN|STYLE)"
)


def test_every_vector_file_is_named_in_sources() -> None:
    text = (VECTORS / "SOURCES.md").read_text(encoding="utf-8")
    named = {m for m in re.findall(r"^- `([^`]+)`", text, flags=re.M)}
    on_disk = {
        p.relative_to(VECTORS).as_posix()
        for p in VECTORS.rglob("*")
        if p.is_file() and p.name != "SOURCES.md"
    }
    assert named == on_disk


def test_the_data_the_tests_read_is_in_the_repo() -> None:
    assert (IPIP_499 / "vectors.json").is_file()
    assert len(list(GATEWAY_CONFORMANCE.rglob("*.car"))) >= 20
    assert len(list(GATEWAY_CONFORMANCE.rglob("*.ipns-record"))) >= 10
    assert SEED_ARTICLE.read_text(encoding="utf-8").lstrip().startswith("## ")
    assert (SEED_ARTICLE.parent / "SOURCES.md").is_file()
    for path in (IPIP_499, GATEWAY_CONFORMANCE, SEED_ARTICLE):
        assert path.resolve().is_relative_to(REPO)


def test_nothing_reads_a_folder_beside_the_repo() -> None:
    files = [REPO / "Makefile", *REPO.glob("benchmarks/**/*.py")]
    files += [p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts]
    offenders = [
        str(p.relative_to(REPO))
        for p in files
        if p != Path(__file__) and OUTSIDE.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []

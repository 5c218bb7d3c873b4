"""Fuzzing verification of what readers download: a signed bundle CAR, a whole site and the
files that carry trust (publisher.json, log.jsonl, version records and signatures).

A real newsroom (init, import of one demo article with its image, build, all through the CLI)
gives the seeds. Two ways in: CAR bytes mutated and verified as ``permapress verify`` does
(``verify_path``), and one trust file of the site mutated, the site DAG rebuilt around it (so
every hash is right and only the content is wrong) and verified from its root.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import FUZZ, mutated, ours_or_success, replay, tree_mutated
from hypothesis import given
from hypothesis import strategies as st

from permapress.cli import main
from permapress.demo import demo_articles_path
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import dag_blocks, write_car
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.trust.log import decode_publisher_document, parse_log
from permapress.trust.records import canonical_json, decode_record, decode_signature
from permapress.trust.verify import verify_path, verify_root

ARTICLE = "2025-03-12-harbour-budget.md"
JSON_TOKENS = (
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"null", b"true", b"1e99999", b"-1", b"\n",
    b'"bafkqaaa"', b'"ed25519:"', b'"../x"', b'"seq":0', b'"previous":"x"', b"[" * 500,
)  # fmt: skip


def _cli(*args: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(list(args))
        except SystemExit as exc:
            assert not exc.code, f"permapress {' '.join(args)} failed"


def _tree(folder: Path) -> dict[str, Any]:
    return {
        p.name: _tree(p) if p.is_dir() else p.read_bytes() for p in sorted(folder.iterdir())
    }


class Site(dict[str, Any]):
    """The seeds; shown short in failure reports (the whole site is half a megabyte)."""

    def __repr__(self) -> str:
        return "<the fuzz newsroom's site>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("fuzz-trust")
    home, out = base / "news", base / "site"
    _cli("init", str(home), "--name", "Fuzz News")
    _cli("import", str(demo_articles_path() / ARTICLE), "--home", str(home))
    _cli("build", "--home", str(home), "--out", str(out))
    tree = _tree(out)
    profile = get_profile(json.loads(tree["publisher.json"])["profile"])
    store = MemoryBlockstore()
    root = import_tree(tree, profile, store.put).cid
    [slug] = tree["articles"]
    cars = []
    for part in (tree["articles"][slug]["v"]["1"], tree):
        part_store = MemoryBlockstore()
        part_root = import_tree(part, profile, part_store.put).cid
        car = io.BytesIO()
        write_car([part_root], dag_blocks(part_root, part_store.get), car)
        cars.append(car.getvalue())
    report = verify_root(root, store.get)
    assert report.valid and report.kind == "site", report.problems
    return Site(tree=tree, slug=slug, profile=profile, cars=cars, base=base)


def _trust_files(tree: dict[str, Any], slug: str) -> dict[tuple[str, ...], bytes]:
    version = ("articles", slug, "v", "1")
    paths = [
        ("publisher.json",), ("log.jsonl",), (*version, "record", "version.json"),
        (*version, "record", "version.sig"), (*version, "article.json"), (*version, "article.md"),
    ]  # fmt: skip
    files = {}
    for path in paths:
        node: Any = tree
        for name in path:
            node = node[name]
        files[path] = node
    return files


@st.composite
def site_edits(draw: st.DrawFn, site: dict[str, Any]) -> tuple[tuple[str, ...], bytes]:
    files = _trust_files(site["tree"], site["slug"])
    path = draw(st.sampled_from(sorted(files)))
    return path, draw(mutated([files[path]], JSON_TOKENS))


def _replace(tree: dict[str, Any], path: tuple[str, ...], data: bytes) -> dict[str, Any]:
    copy = dict(tree)
    if len(path) == 1:
        copy[path[0]] = data
    else:
        copy[path[0]] = _replace(tree[path[0]], path[1:], data)
    return copy


@FUZZ
@replay("trust-car")
@given(st.data())
def test_downloaded_car(site: dict[str, Any], data: st.DataObject | bytes) -> None:
    car = data if isinstance(data, bytes) else data.draw(mutated(site["cars"], JSON_TOKENS))
    path = site["base"] / "download.car"
    path.write_bytes(car)
    ours_or_success(lambda: verify_path(path))


@FUZZ
@given(st.data())
def test_site_with_one_trust_file_changed(site: dict[str, Any], data: st.DataObject) -> None:
    where, changed = data.draw(site_edits(site))
    store = MemoryBlockstore()
    tree = _replace(site["tree"], where, changed)
    root = import_tree(tree, site["profile"], store.put).cid
    ours_or_success(lambda: verify_root(root, store.get))


@FUZZ
@replay("trust-files")
@given(st.data())
def test_trust_file_decoders(site: dict[str, Any], data: st.DataObject | bytes) -> None:
    seeds = list(_trust_files(site["tree"], site["slug"]).values())
    raw = data if isinstance(data, bytes) else data.draw(mutated(seeds, JSON_TOKENS))
    ours_or_success(lambda: decode_publisher_document(raw))
    ours_or_success(lambda: parse_log(raw))
    ours_or_success(lambda: decode_record(raw))
    ours_or_success(lambda: decode_signature(raw))


@st.composite
def canonical_edits(draw: st.DrawFn, site: dict[str, Any]) -> tuple[tuple[str, ...], bytes]:
    """A JSON trust file (publisher.json, the version record, a log line) given another shape
    and written in canonical form, so it passes the byte checks and meets the field checks."""
    files = _trust_files(site["tree"], site["slug"])
    path = draw(st.sampled_from([p for p in sorted(files) if p[-1].endswith((".json", ".jsonl"))]))
    whole = files[path]
    lines = whole.splitlines(keepends=True) if path[-1].endswith(".jsonl") else [whole]
    index = draw(st.integers(0, len(lines) - 1))
    changed = canonical_json(draw(tree_mutated([json.loads(lines[index])])))
    return path, b"".join(lines[:index] + [changed] + lines[index + 1 :])


@FUZZ
@given(st.data())
def test_trust_json_of_any_shape(site: dict[str, Any], data: st.DataObject) -> None:
    where, changed = data.draw(canonical_edits(site))
    ours_or_success(lambda: decode_publisher_document(changed))
    ours_or_success(lambda: parse_log(changed))
    ours_or_success(lambda: decode_record(changed))
    store = MemoryBlockstore()
    root = import_tree(_replace(site["tree"], where, changed), site["profile"], store.put).cid
    ours_or_success(lambda: verify_root(root, store.get))


def test_a_bundle_whose_article_json_is_nested_too_deeply(site: dict[str, Any]) -> None:
    """Crasher: json.loads raised RecursionError while the verifier read the headline."""
    version = ("articles", site["slug"], "v", "1", "article.json")
    tree = _replace(site["tree"], version, b"[" * 3000 + b"\n")
    store = MemoryBlockstore()
    root = import_tree(tree, site["profile"], store.put).cid
    report = ours_or_success(lambda: verify_root(root, store.get))
    assert not isinstance(report, Exception) and not report.valid

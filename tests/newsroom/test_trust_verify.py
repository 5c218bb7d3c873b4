"""Tampering with a signed bundle, part by part: each change is caught, with the right reason.

A real newsroom publishes one article with an image in three versions (two corrections). Its
version-3 bundle is unpacked into files, one part is changed the way a forger would (then the
DAG is rebuilt, so every block is consistent and only the signatures can tell), and
``verify_bundle`` must fail naming that part. The untouched bundle verifies.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.cli import main
from permapress.demo import demo_articles_path
from permapress.handle import Newsroom
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import dag_blocks, write_car
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.newsroom.home import init_newsroom
from permapress.newsroom.importing import import_paths
from permapress.newsroom.record import correct_article
from permapress.trust.check import read_bytes, tree_files
from permapress.trust.keys import fingerprint, public_bytes, sign
from permapress.trust.records import canonical_json, encode_signature, record_cid
from permapress.trust.verify import verify_bundle, verify_path

KEY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
OTHER = Ed25519PrivateKey.from_private_bytes(b"\x22" * 32)
SOURCE = "2025-04-08-river-esk-flood-warning.md"
SLUG = "river-esk-flood-warning-raised-as-spring-rain-saturates-the-valley"
NOW = datetime(2025, 4, 9, 12, 0, tzinfo=UTC)


def _edit(tmp: Path, text: str, old: str, new: str) -> Path:
    path = tmp / "edit.md"
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    (tmp / "img").mkdir(exist_ok=True)
    shutil.copy(demo_articles_path() / "img" / "river-esk.jpg", tmp / "img" / "river-esk.jpg")
    return path


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("trust")
    home = tmp / "newsroom"
    init_newsroom(home, "The Harbour Courier", key=KEY)
    text = (demo_articles_path() / SOURCE).read_text(encoding="utf-8")
    shutil.copytree(demo_articles_path() / "img", tmp / "src" / "img")
    shutil.copy(demo_articles_path() / SOURCE, tmp / "src" / SOURCE)
    with Newsroom.open(home) as room:
        report = import_paths(room, [tmp / "src" / SOURCE], fmt=None, now=NOW)
        assert report["imported"] == 1, report
        correct_article(
            room,
            SLUG,
            _edit(tmp, text, "60 mm of rain", "62 mm of rain"),
            note="Corrected the rainfall total.",
            now=NOW.replace(hour=13),
        )
        third = correct_article(
            room,
            SLUG,
            _edit(tmp, text, "80 homes", "85 homes"),
            note="Corrected the number of homes flooded in 2015.",
            now=NOW.replace(hour=14),
        )
        blocks = dict(dag_blocks(CID.parse(third.bundle_cid), room.blocks.get))
    return {"home": home, "root": CID.parse(third.bundle_cid), "blocks": blocks, "tmp": tmp}


def _files(newsroom: dict[str, Any]) -> dict[str, bytes]:
    get = newsroom["blocks"].__getitem__
    return {path: read_bytes(cid, get) for path, cid in tree_files(newsroom["root"], get).items()}


def _rebuild(files: dict[str, bytes]) -> tuple[CID, MemoryBlockstore]:
    tree: dict[str, Any] = {}
    for path, data in files.items():
        *folders, name = path.split("/")
        node = tree
        for folder in folders:
            node = node.setdefault(folder, {})
        node[name] = data
    store = MemoryBlockstore()
    root = import_tree(tree, get_profile("unixfs-v1-2025"), store.put).cid
    return root, store


def _verify(files: dict[str, bytes], key: str | None = None) -> list[str]:
    root, store = _rebuild(files)
    return list(verify_bundle(root, store.get, key).problems)


def _resign(record: bytes, key: Ed25519PrivateKey, previous: str | None) -> tuple[bytes, bytes]:
    value = json.loads(record)
    value["publisher"]["key"] = "ed25519:" + public_bytes(key).hex()
    value["publisher"]["fingerprint"] = fingerprint(public_bytes(key))
    value["previous"] = previous
    data = canonical_json(value)
    return data, encode_signature(sign(key, data))


def test_the_untouched_bundle_verifies(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    assert {
        "index.html",
        "article.md",
        "article.json",
        "media/river-esk.jpg",
        "record/version.json",
        "record/version.sig",
        "record/chain/1.json",
        "record/chain/2.sig",
    } <= set(files)
    root, store = _rebuild(files)
    assert root == newsroom["root"]  # the bundle is reproducible from its files
    report = verify_bundle(root, store.get, fingerprint(public_bytes(KEY)))
    assert report.valid, report.problems
    assert (report.version, report.versions) == (3, 3)
    assert report.headline.startswith("River Esk flood warning")
    assert [c.note for c in report.corrections] == [
        "Corrected the rainfall total.",
        "Corrected the number of homes flooded in 2015.",
    ]
    assert report.publisher is not None and report.publisher.key == public_bytes(KEY)


def test_a_changed_body_byte(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    files["article.md"] = files["article.md"].replace(b"85 homes", b"86 homes")
    problems = _verify(files)
    assert len(problems) == 1
    assert (
        problems[0].startswith("article.md: its content") and "the file was changed" in problems[0]
    )


def test_a_changed_image(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    data = bytearray(files["media/river-esk.jpg"])
    data[-10] ^= 1
    files["media/river-esk.jpg"] = bytes(data)
    assert [p.split(":")[0] for p in _verify(files)] == ["media/river-esk.jpg"]


def test_an_added_and_a_removed_file(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    files["extra.html"] = b"<p>inserted</p>"
    del files["article.json"]
    problems = _verify(files)
    assert any(
        p.startswith("extra.html: in the bundle but not in the signed record") for p in problems
    )
    assert any(
        p.startswith("article.json: named by the signed record but missing") for p in problems
    )


def test_a_changed_record_field(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    value = json.loads(files["record/version.json"])
    value["note"] = "Minor edits."
    files["record/version.json"] = canonical_json(value)
    problems = _verify(files)
    assert problems == [
        "this version's record: the signature does not match the record "
        "(record/version.json or record/version.sig was changed after signing)"
    ]


def test_a_changed_signature(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    sig = files["record/version.sig"]
    files["record/version.sig"] = (b"0" if sig[:1] != b"0" else b"1") + sig[1:]
    problems = _verify(files)
    assert len(problems) == 1 and "the signature does not match the record" in problems[0]


def test_a_changed_earlier_record(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    files["record/chain/1.json"] = files["record/chain/1.json"].replace(b"2025-04-0", b"2025-03-0")
    problems = _verify(files)
    assert any("record/chain/1.json" in p and "signature does not match" in p for p in problems)
    assert any("no such record" in p and "a version was dropped" in p for p in problems)


def test_the_record_re_signed_by_another_newsroom(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    previous = json.loads(files["record/version.json"])["previous"]
    files["record/version.json"], files["record/version.sig"] = _resign(
        files["record/version.json"], OTHER, previous
    )
    problems = _verify(files)
    assert problems == [
        f"version 2 was signed by {fingerprint(public_bytes(KEY))}, version 3 by "
        f"{fingerprint(public_bytes(OTHER))}: one history must have one publisher key"
    ]


def test_a_whole_history_re_signed_by_another_key_fails_only_against_the_expected_key(
    newsroom: dict[str, Any],
) -> None:
    files = _files(newsroom)
    previous = None
    for name in ("record/chain/1", "record/chain/2", "record/version"):
        data, sig = _resign(files[name + ".json"], OTHER, previous)
        files[name + ".json"], files[name + ".sig"] = data, sig
        previous = str(record_cid(data))
    assert _verify(files) == []  # consistent in itself: only the expected key can tell
    expected = fingerprint(public_bytes(KEY))
    problems = _verify(files, expected)
    assert len(problems) == 1
    assert problems[0].startswith(f"signed by the key {fingerprint(public_bytes(OTHER))}")
    assert problems[0].endswith(f"not the expected {expected}")


def test_a_version_dropped_from_the_chain(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    del files["record/chain/2.json"], files["record/chain/2.sig"]
    problems = _verify(files)
    assert len(problems) == 1
    assert problems[0].startswith("version 3 names ")
    assert problems[0].endswith(
        "as the record of version 2, but no such record is in "
        "record/chain/: a version was dropped from the history"
    )


def test_two_versions_reordered(newsroom: dict[str, Any]) -> None:
    files = _files(newsroom)
    for ext in ("json", "sig"):
        files[f"record/chain/1.{ext}"], files[f"record/chain/2.{ext}"] = (
            files[f"record/chain/2.{ext}"],
            files[f"record/chain/1.{ext}"],
        )
    problems = _verify(files)
    assert (
        "record/chain/1.json holds the record of version 2: the chain files were renamed "
        "or reordered" in problems
    )
    assert (
        "record/chain/2.json holds the record of version 1: the chain files were renamed "
        "or reordered" in problems
    )


def test_a_flipped_bit_in_the_car(newsroom: dict[str, Any], tmp_path: Path) -> None:
    out = io.BytesIO()
    write_car([newsroom["root"]], dag_blocks(newsroom["root"], newsroom["blocks"].__getitem__), out)
    good = tmp_path / "good.car"
    good.write_bytes(out.getvalue())
    assert verify_path(good).valid
    data = bytearray(out.getvalue())
    at = data.find(b"85 homes")
    assert at > 0
    data[at] ^= 1
    bad = tmp_path / "bad.car"
    bad.write_bytes(bytes(data))
    problems = verify_path(bad).problems
    assert problems and all(
        "corrupt" in p or "cannot be read" in p or "article" in p for p in problems
    )
    assert any("is corrupt" in p for p in problems)


def test_the_cli_exits_1_with_the_reason(
    newsroom: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(newsroom)
    files["article.md"] = files["article.md"].replace(b"85 homes", b"86 homes")
    folder = tmp_path / "unpacked"
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", str(folder), "--json"])
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["version"] == 3 and report["versions"] == 3
    assert any(p.startswith("article.md: its content") for p in report["problems"])
    files["article.md"] = files["article.md"].replace(b"86 homes", b"85 homes")
    (folder / "article.md").write_bytes(files["article.md"])
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", str(folder), "--key", fingerprint(public_bytes(OTHER))])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VALID: River Esk flood warning")
    assert f"not the expected {fingerprint(public_bytes(OTHER))}" in out
    main(["verify", str(folder), "--key", public_bytes(KEY).hex()])
    out = capsys.readouterr().out
    assert out.startswith("VALID: River Esk")
    assert "Version 3 of 3" in out
    assert "Correction in version 2, 2025-04-09: Corrected the rainfall total." in out

"""The CLI's tamper cases as CAR files, for checking the browser verifier against ``verify``.

``make_cases(folder)`` publishes one article with an image in three versions (two corrections)
in a real newsroom, exports its version-3 bundle, and writes one ``.car`` per case: the good
bundle, and each change a forger could make (the same changes ``test_trust_verify.py`` makes:
files rebuilt into a consistent DAG so only the signatures can tell, and bytes changed or
dropped in the CAR itself). Each case carries the ``--key`` it is checked with (or none) and
``cli_output(case)`` is what ``permapress verify`` prints for it (and its exit code).
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.demo import demo_articles_path
from permapress.errors import PermapressError
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
from permapress.trust.verify import verify_path

KEY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
OTHER = Ed25519PrivateKey.from_private_bytes(b"\x22" * 32)
SOURCE = "2025-04-08-river-esk-flood-warning.md"
SLUG = "river-esk-flood-warning-raised-as-spring-rain-saturates-the-valley"
NOW = datetime(2025, 4, 9, 12, 0, tzinfo=UTC)
KEY_FP = fingerprint(public_bytes(KEY))
OTHER_FP = fingerprint(public_bytes(OTHER))


@dataclass(frozen=True)
class Case:
    name: str
    car: Path
    key: str  # "" for no --key


def _edit(tmp: Path, text: str, old: str, new: str) -> Path:
    path = tmp / "edit.md"
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    (tmp / "img").mkdir(exist_ok=True)
    shutil.copy(demo_articles_path() / "img" / "river-esk.jpg", tmp / "img" / "river-esk.jpg")
    return path


def publish(tmp: Path) -> tuple[CID, dict[CID, bytes]]:
    """A newsroom with one article in three versions: the version-3 bundle and its blocks."""
    home = tmp / "newsroom"
    init_newsroom(home, "The Harbour Courier", key=KEY)
    text = (demo_articles_path() / SOURCE).read_text(encoding="utf-8")
    shutil.copytree(demo_articles_path() / "img", tmp / "src" / "img")
    shutil.copy(demo_articles_path() / SOURCE, tmp / "src" / SOURCE)
    with Newsroom.open(home) as room:
        report = import_paths(room, [tmp / "src" / SOURCE], fmt=None, now=NOW)
        assert report["imported"] == 1, report
        correct_article(room, SLUG, _edit(tmp, text, "60 mm of rain", "62 mm of rain"),
                        note="Corrected the rainfall total.", now=NOW.replace(hour=13))
        third = correct_article(room, SLUG, _edit(tmp, text, "80 homes", "85 homes"),
                                note="Corrected the number of homes flooded in 2015.",
                                now=NOW.replace(hour=14))
        root = CID.parse(third.bundle_cid)
        return root, dict(dag_blocks(root, room.blocks.get))


def _rebuild(files: dict[str, bytes]) -> tuple[CID, MemoryBlockstore]:
    tree: dict[str, Any] = {}
    for path, data in files.items():
        *folders, name = path.split("/")
        node = tree
        for folder in folders:
            node = node.setdefault(folder, {})
        node[name] = data
    store = MemoryBlockstore()
    return import_tree(tree, get_profile("unixfs-v1-2025"), store.put).cid, store


def _car(root: CID, get: Any) -> bytes:
    out = io.BytesIO()
    write_car([root], dag_blocks(root, get), out)
    return out.getvalue()


def _resign(record: bytes, key: Ed25519PrivateKey, previous: str | None) -> tuple[bytes, bytes]:
    value = json.loads(record)
    value["publisher"]["key"] = "ed25519:" + public_bytes(key).hex()
    value["publisher"]["fingerprint"] = fingerprint(public_bytes(key))
    value["previous"] = previous
    data = canonical_json(value)
    return data, encode_signature(sign(key, data))


def _variants(files: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    """name -> the bundle's files changed the way that case says."""
    out: dict[str, dict[str, bytes]] = {}

    def case(name: str) -> dict[str, bytes]:
        out[name] = dict(files)
        return out[name]

    f = case("changed-body-byte")
    f["article.md"] = f["article.md"].replace(b"85 homes", b"86 homes")
    f = case("changed-image")
    image = bytearray(f["media/river-esk.jpg"])
    image[-10] ^= 1
    f["media/river-esk.jpg"] = bytes(image)
    f = case("added-and-removed-file")
    f["extra.html"] = b"<p>inserted</p>"
    del f["article.json"]
    f = case("changed-record-field")
    value = json.loads(f["record/version.json"])
    value["note"] = "Minor edits."
    f["record/version.json"] = canonical_json(value)
    f = case("record-not-canonical")
    f["record/version.json"] = f["record/version.json"].replace(b'":', b'": ', 1)
    f = case("changed-signature")
    sig = f["record/version.sig"]
    f["record/version.sig"] = (b"0" if sig[:1] != b"0" else b"1") + sig[1:]
    f = case("signature-not-hex")
    f["record/version.sig"] = f["record/version.sig"].upper()
    f = case("changed-earlier-record")
    f["record/chain/1.json"] = f["record/chain/1.json"].replace(b"2025-04-0", b"2025-03-0")
    f = case("re-signed-by-another-newsroom")
    previous = json.loads(f["record/version.json"])["previous"]
    f["record/version.json"], f["record/version.sig"] = _resign(
        f["record/version.json"], OTHER, previous
    )
    for name in ("whole-history-re-signed", "whole-history-re-signed-key"):
        f = case(name)
        previous = None
        for part in ("record/chain/1", "record/chain/2", "record/version"):
            data, sig = _resign(f[part + ".json"], OTHER, previous)
            f[part + ".json"], f[part + ".sig"] = data, sig
            previous = str(record_cid(data))
    f = case("version-dropped")
    del f["record/chain/2.json"], f["record/chain/2.sig"]
    f = case("versions-reordered")
    for ext in ("json", "sig"):
        f[f"record/chain/1.{ext}"], f[f"record/chain/2.{ext}"] = (
            f[f"record/chain/2.{ext}"], f[f"record/chain/1.{ext}"],
        )
    f = case("record-missing")
    del f["record/version.json"]
    f = case("signature-missing")
    del f["record/version.sig"]
    return out


def make_cases(folder: Path) -> list[Case]:
    """Write every case's CAR into ``folder`` (see the module docstring)."""
    root, blocks = publish(folder / "work")
    get = blocks.__getitem__
    files = {path: read_bytes(cid, get) for path, cid in tree_files(root, get).items()}
    good = _car(root, get)
    cases: list[Case] = []

    def write(name: str, data: bytes, key: str = "") -> None:
        path = folder / f"{name}.car"
        path.write_bytes(data)
        cases.append(Case(name, path, key))

    write("good", good)
    write("good-with-key", good, KEY_FP)
    write("good-with-hex-key", good, public_bytes(KEY).hex())
    write("good-wrong-key", good, OTHER_FP)
    for name, changed in _variants(files).items():
        new_root, store = _rebuild(changed)
        write(name, _car(new_root, store.get), KEY_FP if name.endswith("-key") else "")
    flipped = bytearray(good)
    flipped[flipped.find(b"85 homes")] ^= 1
    write("flipped-bit-in-car", bytes(flipped))
    record_at = good.find(b'{"article":"urn:')
    flipped = bytearray(good)
    flipped[record_at + 5] ^= 1
    write("flipped-bit-in-record", bytes(flipped))
    write("truncated-car", good[: len(good) // 2])
    image = read_bytes(tree_files(root, get)["media/river-esk.jpg"], get)
    write("block-dropped", _drop_section(good, image[:64]))
    return cases


def _drop_section(car: bytes, content: bytes) -> bytes:
    """``car`` without the section whose block starts with ``content``."""
    from permapress.ipfs.car import read_car

    reader = read_car(io.BytesIO(car))
    every = list(reader)
    kept = [(cid, data) for cid, data in every if not bytes(data).startswith(content)]
    assert len(kept) == len(every) - 1
    out = io.BytesIO()
    write_car(reader.roots, kept, out)
    return out.getvalue()


def cli_output(case: Case) -> tuple[int, str]:
    """What ``permapress verify CAR [--key K]`` prints, and its exit code."""
    try:
        report = verify_path(case.car, case.key or None)
    except PermapressError as exc:
        return 1, f"error: {exc}"
    return (0 if report.valid else 1), report.summary()

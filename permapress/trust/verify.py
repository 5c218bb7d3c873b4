"""``permapress verify``: offline verification of a bundle or a whole site, from a CAR or a folder.

    verify_path(path, expected_key=None) -> TrustReport     a .car file or a folder
    verify_bundle(root, get, expected_key=None) -> TrustReport
    verify_site(root, get, expected_key=None) -> TrustReport

A root holding ``publisher.json`` is a site, checked by ``permapress.trust.sitecheck`` (its
signed publisher log, and every version of every article under it); any other root is one
bundle. The report is ``permapress.trust.trustreport.TrustReport``.

A folder is imported in memory with the profile that reproduces the CIDs its records name
(``publisher.json``'s profile for a site; for a bundle, the first profile under which the
content files match their record). ``expected_key`` (a fingerprint or a public key) must then
be the key that signed everything. The report is what the CLI prints: ``summary()`` for people,
``as_json()`` for scripts. Nothing here touches the network.

A CARv2 with an index (``export --format car``) is read through ``ipfs.carstore`` (random access,
memory bounded) and checked whole: every block hashed, the index agreeing with its sections.
A CAR is read through ``checked_getter``: a block that does not hash to its CID is never
followed (so a block stored under a CID it links to cannot send the check round a cycle), and
each bundle of a site is checked once however many folders link to it; bundle walks are bounded
(``check.MAX_BUNDLE_ENTRIES``, ``check.MAX_BUNDLE_DEPTH``). ``summary()`` shows control
characters in names, headlines and notes as ``\\xNN``, so a hostile bundle cannot forge lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from permapress.errors import FormatError, IpfsError, PermapressError, TrustError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import CARV2_HEADER_SIZE, CARV2_PRAGMA
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_path
from permapress.ipfs.profiles import PROFILES, get_profile
from permapress.ipfs.verify import checked_getter, load_car
from permapress.trust.check import check_bundle, key_problem
from permapress.trust.keys import check_expected_key, matches
from permapress.trust.log import (
    PUBLISHER_FILE,
    decode_publisher_document,
)
from permapress.trust.records import (
    RECORD_DIR,
    RECORD_FILE,
    decode_record,
)
from permapress.trust.sitecheck import folder_entries
from permapress.trust.sitecheck import verify_site as verify_site  # its callers import it here
from permapress.trust.trustreport import TrustReport, corrections_of

Getter = Callable[[CID], bytes]


def verify_bundle(root: CID, get: Getter, expected_key: str | None = None) -> TrustReport:
    check = check_bundle(root, get)
    problems = list(check.problems)
    record = check.record
    wanted = None if expected_key is None else check_expected_key(expected_key)
    if wanted is not None and record is not None and not matches(record.publisher.key, wanted):
        problems.append(key_problem(record, wanted))
    return TrustReport(
        kind="bundle",
        root=root,
        headline=check.headline,
        publisher=record.publisher if record else None,
        version=record.version if record else None,
        versions=record.version if record else None,
        corrections=corrections_of(check),
        problems=tuple(problems),
        blocks=check.blocks,
    )

def verify_root(root: CID, get: Getter, expected_key: str | None = None) -> TrustReport:
    """A site when the root holds publisher.json, else a bundle."""
    try:
        names = set(folder_entries(root, get))
    except IpfsError:
        names = set()
    if PUBLISHER_FILE in names:
        return verify_site(root, get, expected_key)
    return verify_bundle(root, get, expected_key)


def verify_path(path: Path, expected_key: str | None = None) -> TrustReport:
    """Verify a CAR file or a folder (see the module docstring)."""
    if expected_key is not None:
        check_expected_key(expected_key)
    if path.is_dir():
        return _verify_folder(path, expected_key)
    if _has_index(path):
        return _verify_indexed_car(path, expected_key)
    car = load_car(path)
    if len(car.roots) != 1:
        raise TrustError(f"{path}: has {len(car.roots)} roots; a permapress CAR has exactly one")
    return verify_root(car.roots[0], checked_getter(car.store.get), expected_key)


def _has_index(path: Path) -> bool:
    """Is ``path`` a CARv2 with an index (as ``export --format car`` writes)?"""
    size = len(CARV2_PRAGMA) + CARV2_HEADER_SIZE  # the index offset is its last 8 bytes
    try:
        with path.open("rb") as stream:
            head = stream.read(size)
    except OSError:
        return False
    return len(head) == size and head.startswith(CARV2_PRAGMA) and any(head[size - 8 :])


def _verify_indexed_car(path: Path, expected_key: str | None) -> TrustReport:
    """A CARv2 with an index is read through it (memory bounded), and the whole file is checked:
    every block hashed, the index agreeing with the sections. An index that cannot be read is a
    problem; the file is then read without it."""
    from permapress.ipfs.carstore import CarBlockstore

    try:
        store = CarBlockstore(path, index_file=False)
    except FormatError as exc:
        unreadable = f"the CAR's index cannot be read: {exc}"
    else:
        with store:
            _one_root(path, store.roots)
            whole = store.check()
            report = verify_root(store.roots[0], checked_getter(store.get), expected_key)
        return replace(report, problems=(*whole.problems, *report.problems))
    car = load_car(path)
    _one_root(path, car.roots)
    report = verify_root(car.roots[0], checked_getter(car.store.get), expected_key)
    return replace(report, problems=(unreadable, *report.problems))


def _one_root(path: Path, roots: Sequence[CID]) -> None:
    if len(roots) != 1:
        raise TrustError(f"{path}: has {len(roots)} roots; a permapress CAR has exactly one")


def _candidate_profiles(path: Path) -> list[str]:
    site = path / PUBLISHER_FILE
    if site.is_file():
        try:
            return [decode_publisher_document(site.read_bytes()).profile]
        except (TrustError, OSError):
            return list(PROFILES)
    names = list(PROFILES)
    try:
        record = decode_record((path / RECORD_DIR / RECORD_FILE).read_bytes())
    except (PermapressError, OSError):
        return names
    if any(CID.parse(cid).version == 0 for _p, cid in record.content):
        return ["unixfs-v0-2015"] + [n for n in names if n != "unixfs-v0-2015"]
    return [n for n in names if n != "unixfs-v0-2015"] + ["unixfs-v0-2015"]


def _verify_folder(path: Path, expected_key: str | None) -> TrustReport:
    first: TrustReport | None = None
    for name in _candidate_profiles(path):
        store = MemoryBlockstore()
        root = import_path(path, get_profile(name), store.put).cid
        report = verify_root(root, store.get, expected_key)
        if report.valid:
            return report
        first = first or report
    assert first is not None
    return first

"""Check one signed bundle: blocks, record signature, content manifest and the chain to version 1.

    check_bundle(root, get, signatures=None) -> BundleCheck

``get`` reads blocks (``BlockNotFound`` when absent). Nothing is trusted that the publisher did
not sign: the bundle's files are compared with the CIDs in its record, the record's signature is
checked against the key the record names, and every earlier record in ``record/chain/`` is
reached through the ``previous`` links, each one checked the same way. What is wrong becomes
one sentence in ``problems``, naming the file or version and what differs:

- a block that is missing or does not hash to its CID (``permapress.ipfs.verify``);
- a record or signature file that is missing or not in its exact format;
- a signature that does not verify (the record or the signature was changed);
- a content file whose CID differs from the record's, a file the record does not name, or one
  it names that is absent;
- a chain that does not reach version 1: a previous record missing (a version dropped),
  version numbers that do not count down by one, a chain file holding another version than its
  name says (versions reordered), another article, another publisher key, or a time that goes
  backwards.

``signatures`` is a cache (record CID -> verified) shared across bundles of one site, so each
record's signature is checked once.

Bounded for hostile input: ``tree_files`` walks with an explicit stack (no recursion) and stops
with a problem once a bundle holds more than ``MAX_BUNDLE_ENTRIES`` entries (counted per path,
so a folder linked twice at every level is refused after that many, not walked 2^30 times) or
folders nested deeper than ``MAX_BUNDLE_DEPTH``. ``read_bytes`` reads at most ``MAX_READ``
bytes (a file declaring a terabyte is refused from its declared size, before reading). Give
``get`` blocks checked against their CIDs (``permapress.ipfs.verify.checked_getter``) so that
no cycle can be followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from permapress import jsonsafe
from permapress.errors import IpfsError, TrustError
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.ipfs.verify import verify_dag
from permapress.trust.keys import fingerprint, key_text, signature_ok
from permapress.trust.records import (
    CHAIN_DIR,
    RECORD_DIR,
    RECORD_FILE,
    SIGNATURE_FILE,
    VersionRecord,
    decode_record,
    decode_signature,
    record_cid,
)

Getter = Callable[[CID], bytes]
MAX_BUNDLE_ENTRIES = 100_000
MAX_BUNDLE_DEPTH = 64
MAX_READ = 64 << 20  # the largest record, signature, log or article.json read into memory


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """What one bundle says about itself, and everything found wrong with it."""

    root: CID
    headline: str | None
    record: VersionRecord | None
    record_cid: CID | None
    chain: tuple[VersionRecord, ...]  # versions 1 … n, when the whole chain could be read
    chain_cids: tuple[CID, ...]
    problems: tuple[str, ...]
    blocks: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class _State:
    get: Getter
    signatures: dict[CID, bool]
    problems: list[str] = field(default_factory=list)


def read_bytes(cid: CID, get: Getter, limit: int = MAX_READ) -> bytes:
    """A whole file of a bundle or site; ``IpfsError`` when it declares more than ``limit``."""
    size = stat(cid, get).size
    if size is not None and size > limit:
        raise IpfsError(f"{cid} declares {size} bytes; a record, log or page holds at most {limit}")
    data = bytearray()
    for chunk in read_file(cid, get):
        data += chunk
        if len(data) > limit:
            raise IpfsError(f"{cid} holds more than {limit} bytes")
    return bytes(data)


def tree_files(root: CID, get: Getter) -> dict[str, CID]:
    """Every file under a UnixFS directory, by path ("media/a.jpg"), folders followed.

    ``TrustError`` past ``MAX_BUNDLE_ENTRIES`` entries or ``MAX_BUNDLE_DEPTH`` levels.
    """
    files: dict[str, CID] = {}
    stack = [("", root, 0)]
    entries = 0
    while stack:
        prefix, folder, depth = stack.pop()
        if depth >= MAX_BUNDLE_DEPTH:
            raise TrustError(
                f"folders nested deeper than {MAX_BUNDLE_DEPTH} levels (at {prefix[:60]}…): "
                "not a permapress bundle; refusing to walk it"
            )
        for name, child, _size in list_directory(folder, get):
            entries += 1
            if entries > MAX_BUNDLE_ENTRIES:
                raise TrustError(
                    f"more than {MAX_BUNDLE_ENTRIES} files and folders (counting every path): "
                    "not a permapress bundle; refusing to walk it"
                )
            if stat(child, get).kind in ("directory", "hamt"):
                stack.append((f"{prefix}{name}/", child, depth + 1))
            else:
                files[prefix + name] = child
    return files


def _signed(
    state: _State, files: dict[str, CID], record_name: str, sig_name: str, what: str
) -> tuple[VersionRecord, CID] | None:
    """Read, decode and verify one record + signature pair; None (with a problem) on failure."""
    if record_name not in files or sig_name not in files:
        missing = record_name if record_name not in files else sig_name
        state.problems.append(f"{what}: {missing} is missing")
        return None
    try:
        data = read_bytes(files[record_name], state.get)
        record = decode_record(data, f"{what} ({record_name})")
        signature = decode_signature(read_bytes(files[sig_name], state.get), sig_name)
    except TrustError as exc:
        state.problems.append(str(exc))
        return None
    except IpfsError:
        state.problems.append(f"{what}: {record_name} or {sig_name} cannot be read (see blocks)")
        return None
    cid = record_cid(data)
    known = state.signatures.get(cid)
    if known is None:
        known = signature_ok(record.publisher.key, data, signature)
        state.signatures[cid] = known
    if not known:
        state.problems.append(
            f"{what}: the signature does not match the record "
            f"({record_name} or {sig_name} was changed after signing)"
        )
    return record, cid


def _check_content(state: _State, files: dict[str, CID], record: VersionRecord) -> None:
    signed = record.content_map()
    actual = {p: str(c) for p, c in files.items() if not p.startswith(RECORD_DIR + "/")}
    for path in sorted(set(signed) | set(actual)):
        if path not in actual:
            state.problems.append(f"{path}: named by the signed record but missing from the bundle")
        elif path not in signed:
            state.problems.append(f"{path}: in the bundle but not in the signed record (added)")
        elif CID.parse(signed[path]) != CID.parse(actual[path]):
            state.problems.append(
                f"{path}: its content (CID {actual[path]}) differs from what the publisher "
                f"signed ({signed[path]}); the file was changed"
            )


def _headline(files: dict[str, CID], get: Getter) -> str | None:
    try:
        data: Any = jsonsafe.loads(read_bytes(files["article.json"], get))
        return str(data["headlines"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError, IpfsError):
        return None


def _chain(
    state: _State, files: dict[str, CID], record: VersionRecord, cid: CID
) -> tuple[list[VersionRecord], list[CID]]:
    """Follow ``previous`` from ``record`` through record/chain/ down to version 1."""
    prefix = f"{RECORD_DIR}/{CHAIN_DIR}/"
    by_cid: dict[CID, tuple[VersionRecord, str]] = {}
    names = sorted({p[len(prefix) :].rsplit(".", 1)[0] for p in files if p.startswith(prefix)})
    for name in names:
        found = _signed(state, files, f"{prefix}{name}.json", f"{prefix}{name}.sig",
                        f"record of {prefix}{name}.json")
        if found is None:
            continue
        earlier, earlier_cid = found
        if name != str(earlier.version):
            state.problems.append(
                f"{prefix}{name}.json holds the record of version {earlier.version}: "
                "the chain files were renamed or reordered"
            )
        by_cid[earlier_cid] = (earlier, name)
    records, cids = [record], [cid]
    used: set[CID] = set()
    current = record
    while current.previous is not None:
        wanted = CID.parse(current.previous)
        if wanted not in by_cid:
            state.problems.append(
                f"version {current.version} names {wanted} as the record of version "
                f"{current.version - 1}, but no such record is in {prefix}: a version was "
                "dropped from the history"
            )
            return [], []
        used.add(wanted)
        earlier, _name = by_cid[wanted]
        _link(state, earlier, current)
        records.append(earlier)
        cids.append(wanted)
        current = earlier
        if len(records) > record.version:
            break
    if current.version != 1:
        state.problems.append(f"the history stops at version {current.version}, not version 1")
    for extra in sorted(set(by_cid) - used, key=str):
        state.problems.append(
            f"{prefix}{by_cid[extra][1]}.json is not part of this version's history"
        )
    return records[::-1], cids[::-1]


def _link(state: _State, earlier: VersionRecord, later: VersionRecord) -> None:
    """Check that ``earlier`` can precede ``later`` in one article's history."""
    if earlier.version != later.version - 1:
        state.problems.append(
            f"version {later.version} is preceded by a record of version {earlier.version}: "
            "versions are out of order"
        )
    if earlier.article != later.article:
        state.problems.append(
            f"version {earlier.version} is a record of {earlier.article}, "
            f"version {later.version} of {later.article}"
        )
    if earlier.publisher.key != later.publisher.key:
        state.problems.append(
            f"version {earlier.version} was signed by {fingerprint(earlier.publisher.key)}, "
            f"version {later.version} by {fingerprint(later.publisher.key)}: "
            "one history must have one publisher key"
        )
    if earlier.published_at > later.published_at:
        state.problems.append(
            f"version {later.version} ({later.published}) is dated before version "
            f"{earlier.version} ({earlier.published}): times go backwards"
        )


def check_bundle(root: CID, get: Getter, signatures: dict[CID, bool] | None = None) -> BundleCheck:
    """Check one bundle (see the module docstring)."""
    state = _State(get, {} if signatures is None else signatures)
    report = verify_dag(root, get)
    for problem in report.problems:
        where = problem.path or "the bundle folder"
        state.problems.append(f"block {problem.cid} ({where}) is {problem.kind}: {problem.message}")
    try:
        files = tree_files(root, get)
    except (IpfsError, TrustError) as exc:
        state.problems.append(f"the bundle cannot be read as a folder: {exc}")
        return BundleCheck(root, None, None, None, (), (), tuple(state.problems), report.blocks)
    headline = _headline(files, get)
    if f"{RECORD_DIR}/{RECORD_FILE}" not in files:
        state.problems.append(
            f"no {RECORD_DIR}/{RECORD_FILE}: this bundle is not signed (or not a permapress bundle)"
        )
        return BundleCheck(root, headline, None, None, (), (), tuple(state.problems), report.blocks)
    found = _signed(state, files, f"{RECORD_DIR}/{RECORD_FILE}", f"{RECORD_DIR}/{SIGNATURE_FILE}",
                    "this version's record")
    if found is None:
        return BundleCheck(root, headline, None, None, (), (), tuple(state.problems), report.blocks)
    record, cid = found
    _check_content(state, files, record)
    chain, cids = _chain(state, files, record, cid)
    return BundleCheck(
        root, headline, record, cid, tuple(chain), tuple(cids), tuple(state.problems),
        report.blocks,
    )


def key_problem(record: VersionRecord, expected: str) -> str:
    return (
        f"signed by the key {record.publisher.fingerprint} ({key_text(record.publisher.key)}), "
        f"not the expected {expected}"
    )

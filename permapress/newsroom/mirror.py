"""``permapress mirror SOURCE DIR``: keep a verified copy of a newsroom's site, refusing any
rewritten history.

    result = mirror_once(source_text, folder, key=None, limits=Limits(), on_block=None)

One run: find the root the source serves now (``mirror_fetch``); when it is the root already
adopted, only make sure every block of it is held. Otherwise, before anything is adopted:

1. ``publisher.json`` and ``log.jsonl`` of the new root are fetched (block by block, each
   checked against its CID) and the publisher's key must be the one pinned in ``mirror.json``
   (the first run pins it), or the one given with ``key`` (a fingerprint or public key);
2. the log must be a valid signed chain by that key, with the head ``publisher.json`` names
   (``trust.log.check_log``), and it must **extend** the log of the adopted root: every entry
   held must still be there, unchanged and in place. An entry that is gone or changed is named
   (seq, action, article, version);
3. every block of the new root is fetched (only those not held), then the whole site is
   verified as ``permapress verify`` does (``trust.verify.verify_site``: every block, every
   signed version record and chain, and every version the log names still in the site, unless
   the article was purged with a signed ``purge`` entry).

Only then is the root adopted: ``mirror.json`` (source, key, root, log head) is replaced
atomically, and the folder's catalog records the root as its newest build, so ``permapress serve
--home DIR`` serves it (read-only; a mirror folder is never built). A root that fails any check
raises ``HistoryRefused`` listing every problem; the blocks fetched stay in ``blocks/`` (they
are checked, and make the next attempt cheaper) but the adopted root, and so what is served,
does not change.

The folder::

    DIR/mirror.json        what is followed and adopted (the pinned key among it)
    DIR/permapress.toml    the site's name and import profile, for ``serve``
    DIR/catalog.sqlite     a newsroom catalog whose builds table holds the adopted roots
    DIR/blocks/            every block fetched, in kubo's flatfs layout
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from permapress.catalog.db import Catalog
from permapress.config import CONFIG_NAME
from permapress.errors import IpfsError, PermapressError, TrustError
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.profiles import PROFILES
from permapress.ipfs.reader import Getter, resolve_path
from permapress.ipfs.verify import checked_getter
from permapress.newsroom.mirror_fetch import (
    Fetcher,
    Limits,
    Lookup,
    MirrorError,
    OnBlock,
    parse_source,
    store_is_empty,
)
from permapress.trust.check import read_bytes
from permapress.trust.keys import check_expected_key, fingerprint, key_text, matches, parse_key_text
from permapress.trust.log import (
    LOG_FILE,
    PUBLISHER_FILE,
    PublisherInfo,
    SignedEntry,
    check_log,
    decode_publisher_document,
    parse_log,
)
from permapress.trust.verify import verify_site

STATE_FILE = "mirror.json"
STATE_TYPE = "permapress.mirror/1"
PROBLEM_LINES = 20
DEFAULT_LIMITS = Limits()


class HistoryRefused(MirrorError):
    """The new root's history does not extend the adopted one (or does not verify)."""

    def __init__(self, root: CID, problems: list[str]) -> None:
        shown = problems[:PROBLEM_LINES]
        more = len(problems) - len(shown)
        text = f"the new root {root} is refused; the mirror keeps what it had. " + " | ".join(
            shown
        )
        if more:
            text += f" | … and {more} more"
        super().__init__(text)
        self.root = root
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class MirrorState:
    """``mirror.json``: the source followed, the pinned key and the adopted root."""

    source: str
    key: bytes
    root: str | None
    log_head: str | None
    log_entries: int
    adopted: str | None
    ipns: tuple[tuple[str, int], ...] = ()  # (name, sequence) of the IPNS records followed

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "type": STATE_TYPE,
            "source": self.source,
            "key": key_text(self.key),
            "fingerprint": fingerprint(self.key),
            "root": self.root,
            "log": {"head": self.log_head, "entries": self.log_entries},
            "adopted": self.adopted,
        }
        if self.ipns:
            data["ipns"] = dict(self.ipns)
        return (json.dumps(data, sort_keys=True, indent=2) + "\n").encode("utf-8")


def mirror_folder_of(home: Path) -> bool:
    """Is ``home`` a mirror folder (made by ``permapress mirror``)?"""
    return (home / STATE_FILE).is_file()


def adopted_root(home: Path) -> str | None:
    """The root a mirror folder serves (None when ``home`` is not a mirror folder)."""
    if not mirror_folder_of(home):
        return None
    state = load_state(home)
    return None if state is None else state.root


def load_state(folder: Path) -> MirrorState | None:
    path = folder / STATE_FILE
    try:
        value: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MirrorError(f"{path}: cannot be read ({exc}); fix or remove it") from None
    try:
        if value["type"] != STATE_TYPE:
            raise KeyError("type")
        ipns = value.get("ipns", {})
        return MirrorState(
            str(value["source"]), parse_key_text(value["key"]), value["root"],
            value["log"]["head"], int(value["log"]["entries"]), value["adopted"],
            tuple((str(name), int(seq)) for name, seq in sorted(ipns.items())),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError, TrustError):
        raise MirrorError(
            f"{path}: not a {STATE_TYPE} file (type, source, key, root, log); fix or remove it"
        ) from None


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


@dataclass(frozen=True, slots=True)
class MirrorResult:
    root_cid: str
    blocks_fetched: int
    bytes_fetched: int
    adopted: bool  # a new root was adopted by this run
    name: str
    articles: int
    log_entries: int
    blocks_refetched: int = 0  # arrived although held already (shared blocks of a batch)
    bytes_refetched: int = 0
    batches: int = 0  # CAR requests (the first mirror's whole site, then one per new subtree)
    largest_batch: int = 0  # bytes of the largest CAR received

    def as_json(self) -> dict[str, Any]:
        return {
            "root_cid": self.root_cid,
            "blocks_fetched": self.blocks_fetched,
            "bytes_fetched": self.bytes_fetched,
            "adopted": self.adopted,
        }


def _site_file(root: CID, name: str, get: Getter) -> bytes:
    try:
        cid, _trail = resolve_path(root, [name], get)
        return read_bytes(cid, get)
    except MirrorError:
        raise
    except IpfsError as exc:
        raise MirrorError(f"{name} of the site {root} cannot be read ({exc})") from None


def _describe(entry: SignedEntry) -> str:
    e = entry.entry
    return f"log entry {e.seq} ({e.action} {e.slug} version {e.version}, {e.time})"


def history_problems(held: list[SignedEntry], new: list[SignedEntry]) -> list[str]:
    """What the new log drops or changes of the held one (empty when it extends it)."""
    problems: list[str] = []
    for index, old in enumerate(held):
        if index >= len(new):
            problems.append(f"{_describe(old)} was dropped: the new log has {len(new)} entries")
        elif new[index].entry.cid != old.entry.cid:
            problems.append(
                f"{_describe(old)} was rewritten: the new log has {_describe(new[index])} "
                "in its place"
            )
    return problems


def _held_log(state: MirrorState | None, store: FileBlockstore) -> list[SignedEntry]:
    if state is None or state.root is None:
        return []
    get = checked_getter(store.get)
    try:
        return parse_log(_site_file(CID.parse(state.root), LOG_FILE, get))
    except PermapressError as exc:
        raise MirrorError(
            f"the adopted root {state.root} cannot be read from the mirror ({exc}); "
            "remove the mirror folder and mirror again"
        ) from None


def _check_key(info: PublisherInfo, state: MirrorState | None, key: str | None) -> list[str]:
    shown = fingerprint(info.key)
    if key is not None and not matches(info.key, check_expected_key(key)):
        return [f"{PUBLISHER_FILE} names the key {shown}, not the key given with --key ({key})"]
    if state is not None and state.key != info.key:
        return [
            f"{PUBLISHER_FILE} names the key {shown}, but this mirror follows the key "
            f"{fingerprint(state.key)} (pinned on its first run); a new key is refused"
        ]
    return []


def _adopt(folder: Path, state: MirrorState, info: PublisherInfo, articles: int) -> None:
    """Record the adopted root: the serving catalog and settings first, mirror.json last."""
    config = folder / CONFIG_NAME
    # JSON strings are TOML basic strings (the same escapes), whatever the name holds.
    text = (
        "# A mirror made by `permapress mirror`; serve it with `permapress serve --home`.\n"
        f"[newsroom]\nname = {json.dumps(info.name)}\nprofile = {json.dumps(info.profile)}\n"
    )
    _write_atomic(config, (text + _own_tables(config)).encode("utf-8"))
    assert state.root is not None and state.adopted is not None
    with Catalog.open(folder / "catalog.sqlite", create=True) as catalog, catalog.transaction():
        catalog.add_build(state.root, state.adopted, articles, 0)
    _write_atomic(folder / STATE_FILE, state.encode())


def _own_tables(config: Path) -> str:
    """The tables the mirror's operator added to its ``permapress.toml`` (``[publish.*]``,
    ``[serve]``, …): everything after the ``[newsroom]`` table, kept as written."""
    try:
        lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise MirrorError(f"{config}: cannot be read ({exc}); fix or remove it") from None
    kept: list[str] = []
    inside = False
    for line in lines:
        header = line.strip()
        if header.startswith("["):
            inside = header.replace(" ", "") == "[newsroom]"
        if not inside and (kept or header.startswith("[")):
            kept.append(line)
    return ("\n" if kept else "") + "".join(kept)


def _check_sequences(state: MirrorState, seen: dict[str, int], root: CID) -> None:
    """An IPNS record older than one the mirror followed (a gateway's stale copy) is not a
    rewritten history: the mirror waits for the newer one instead of refusing."""
    held = dict(state.ipns)
    for name, sequence in seen.items():
        if name in held and sequence < held[name]:
            raise MirrorError(
                f"the gateway serves an older IPNS record of {name} (sequence {sequence}, naming "
                f"{root}); this mirror has followed sequence {held[name]}; the mirror keeps what "
                "it has: try again later or another gateway"
            )


def _prepare(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise MirrorError(f"{folder}: is a file; give a folder for the mirror")
    if (folder / CONFIG_NAME).exists() and not mirror_folder_of(folder):
        raise MirrorError(
            f"{folder}: is a newsroom, not a mirror; give an empty or new folder for the mirror"
        )
    folder.mkdir(parents=True, exist_ok=True)


def mirror_once(
    source_text: str,
    folder: Path,
    *,
    key: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    on_block: OnBlock | None = None,
    now: datetime | None = None,
    check_held: bool = True,
    gateway: str | None = None,
    rpc: str | None = None,
    lookup: Lookup | None = None,
) -> MirrorResult:
    """One mirror run (see the module docstring). ``check_held=False``: when the root is the
    one adopted, do not walk its blocks again (``--watch`` polls after the first).
    ``gateway``: the gateway of an ``ipns://`` source; ``rpc``: read blocks through this IPFS
    node's RPC API; ``lookup``: DNS TXT lookups for DNSLink (see ``mirror_fetch``)."""
    if key is not None:
        check_expected_key(key)
    source = parse_source(source_text, gateway=gateway, rpc=rpc)
    _prepare(folder)
    state = load_state(folder)
    store = FileBlockstore(folder / "blocks")
    fresh = store_is_empty(store)
    with Fetcher(source, store, limits, lookup=lookup) as fetcher:
        root = fetcher.site_root()
        if state is not None and state.root != str(root):
            _check_sequences(state, fetcher.ipns_seen, root)
        fetch = checked_getter(fetcher.block)
        info = decode_publisher_document(_site_file(root, PUBLISHER_FILE, fetch))
        if state is not None and state.root == str(root):
            refused = _check_key(info, state, key)
            if refused:
                raise HistoryRefused(root, refused)
            if check_held:
                fetcher.fill(root, on_block)
            return _result(root, fetcher, False, info, state.log_entries, 0)
        problems = _check_key(info, state, key)
        if info.profile not in PROFILES:
            problems.append(
                f"{PUBLISHER_FILE} names the import profile {info.profile!r}, which permapress "
                f"does not know ({', '.join(PROFILES)})"
            )
        if problems:
            raise HistoryRefused(root, problems)
        entries = parse_log(_site_file(root, LOG_FILE, fetch))
        problems = check_log(entries, info.key)
        head = str(entries[-1].entry.cid) if entries else None
        if head != info.head or len(entries) != info.entries:
            problems.append(
                f"{PUBLISHER_FILE} names log head {info.head} ({info.entries} entries) but "
                f"{LOG_FILE} ends at {head} ({len(entries)} entries)"
            )
        problems += history_problems(_held_log(state, store), entries)
        if problems:
            raise HistoryRefused(root, problems)
        fetcher.fill(root, on_block, whole=fresh)
        report = verify_site(root, checked_getter(store.get), key_text(info.key))
        if report.problems:
            raise HistoryRefused(root, list(report.problems))
        adopted = MirrorState(
            source.text, info.key, str(root), head, len(entries),
            (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            tuple(sorted({**dict(state.ipns if state else ()), **fetcher.ipns_seen}.items())),
        )  # fmt: skip
        _adopt(folder, adopted, info, len(report.articles))
        return _result(root, fetcher, True, info, len(entries), len(report.articles))


def _result(
    root: CID, fetcher: Fetcher, adopted: bool, info: PublisherInfo, entries: int, articles: int
) -> MirrorResult:
    return MirrorResult(
        str(root), fetcher.blocks_fetched, fetcher.bytes_fetched, adopted, info.name, articles,
        entries, fetcher.blocks_refetched, fetcher.bytes_refetched, fetcher.batches,
        fetcher.largest_batch,
    )  # fmt: skip

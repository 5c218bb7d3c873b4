"""``permapress verify``: offline verification of a bundle or a whole site, from a CAR or a folder.

    verify_path(path, expected_key=None) -> TrustReport     a .car file or a folder
    verify_bundle(root, get, expected_key=None) -> TrustReport
    verify_site(root, get, expected_key=None) -> TrustReport

A root holding ``publisher.json`` is a site: its publisher log must be a valid signed chain by
the key ``publisher.json`` names, with the head it names; every article bundle under
``articles/<slug>/v/<n>/`` must pass ``check.check_bundle``, be version ``n`` of that article,
be signed by the site's key and agree with the other versions; and every version the log says
was published must still be there with the record the log names, so a version dropped from
the site is detected; for a purged article, its signed records at ``articles/<slug>/records/``
must match the log instead. Any other root is one bundle.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from permapress.errors import FormatError, IpfsError, PermapressError, TrustError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import CARV2_HEADER_SIZE, CARV2_PRAGMA
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_path
from permapress.ipfs.profiles import PROFILES, get_profile
from permapress.ipfs.reader import list_directory, resolve_path
from permapress.ipfs.verify import checked_getter, load_car, printable, verify_dag
from permapress.trust.check import BundleCheck, check_bundle, key_problem, read_bytes
from permapress.trust.keys import check_expected_key, matches, signature_ok
from permapress.trust.log import (
    LOG_FILE,
    PUBLISHER_FILE,
    SignedEntry,
    check_log,
    decode_publisher_document,
    parse_log,
)
from permapress.trust.records import (
    RECORD_DIR,
    RECORD_FILE,
    Publisher,
    decode_record,
    decode_signature,
    record_cid,
)

Getter = Callable[[CID], bytes]
PROBLEM_LINES = 20  # summary() shows this many problems, then a count of the rest


@dataclass(frozen=True, slots=True)
class Correction:
    version: int
    date: str
    note: str


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    slug: str
    headline: str | None
    versions: int
    corrections: tuple[Correction, ...]
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class TrustReport:
    kind: Literal["bundle", "site"]
    root: CID
    headline: str | None
    publisher: Publisher | None
    version: int | None
    versions: int | None
    corrections: tuple[Correction, ...]
    problems: tuple[str, ...]
    articles: tuple[ArticleSummary, ...] = ()
    log_entries: int = 0
    blocks: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "root": str(self.root),
            "headline": self.headline,
            "publisher": None if self.publisher is None else self.publisher.as_json(),
            "version": self.version,
            "versions": self.versions,
            "corrections": [
                {"version": c.version, "date": c.date, "note": c.note} for c in self.corrections
            ],
            "problems": list(self.problems),
            "articles": [
                {"slug": a.slug, "headline": a.headline, "versions": a.versions,
                 "retracted": a.retracted,
                 "corrections": [{"version": c.version, "date": c.date, "note": c.note}
                                 for c in a.corrections]}
                for a in self.articles
            ],
            "log_entries": self.log_entries,
            "blocks": self.blocks,
        }

    def summary(self) -> str:
        lines = [("VALID" if self.valid else "NOT VALID") + f": {self.headline or '(no headline)'}"]
        if self.publisher is not None:
            lines.append(f"Publisher: {self.publisher.name}, key {self.publisher.fingerprint}")
        if self.kind == "bundle" and self.version is not None:
            lines.append(f"Version {self.version} of {self.versions} (content address {self.root})")
        if self.kind == "site":
            lines.append(
                f"Site {self.root}: {len(self.articles)} articles, "
                f"{self.log_entries} publisher log entries"
            )
            for article in self.articles:
                if article.retracted:
                    lines.append(f"  {article.slug}: retracted")
                    continue
                count = "1 version" if article.versions == 1 else f"{article.versions} versions"
                lines.append(f"  {article.headline or article.slug} ({count})")
                lines.extend(_correction_lines(article.corrections, "    "))
        else:
            lines.extend(_correction_lines(self.corrections, "  "))
        lines.extend(f"Problem: {p}" for p in self.problems[:PROBLEM_LINES])
        if len(self.problems) > PROBLEM_LINES:
            lines.append(
                f"… and {len(self.problems) - PROBLEM_LINES} more problems (--json lists every one)"
            )
        return "\n".join(printable(line) for line in lines)


def _correction_lines(corrections: tuple[Correction, ...], indent: str) -> list[str]:
    return [
        f"{indent}Correction in version {c.version}, {c.date[:10]}: {c.note}" for c in corrections
    ]


def _corrections(check: BundleCheck) -> tuple[Correction, ...]:
    return tuple(Correction(r.version, r.published, r.note) for r in check.chain[1:])


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
        corrections=_corrections(check),
        problems=tuple(problems),
        blocks=check.blocks,
    )


@dataclass(slots=True)
class _Site:
    get: Getter
    problems: list[str] = field(default_factory=list)
    signatures: dict[CID, bool] = field(default_factory=dict)
    bundles: dict[CID, BundleCheck] = field(default_factory=dict)
    articles: list[ArticleSummary] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    versions: int = 0


def _entries(folder: CID, get: Getter) -> dict[str, CID]:
    return {name: cid for name, cid, _size in list_directory(folder, get)}


def _file(root: CID, path: str, get: Getter) -> bytes | None:
    try:
        cid, _trail = resolve_path(root, path.split("/"), get)
        return read_bytes(cid, get)
    except IpfsError:
        return None


def _article(site: _Site, slug: str, folder: CID, key: bytes, logged: dict[int, str]) -> None:
    """Check every version folder of one article against each other, the key and the log."""
    try:
        entries = _entries(folder, site.get)
        versions = _entries(entries["v"], site.get) if "v" in entries else {}
    except IpfsError as exc:
        site.problems.append(f"articles/{slug}/ cannot be read: {exc}")
        return
    checks: dict[int, BundleCheck] = {}
    for name, cid in sorted(versions.items()):
        where = f"articles/{slug}/v/{name}"
        check = site.bundles.get(cid) or check_bundle(cid, site.get, site.signatures)
        site.bundles[cid] = check
        site.problems.extend(f"{where}: {p}" for p in check.problems)
        if check.record is None:
            continue
        if str(check.record.version) != name:
            site.problems.append(f"{where}: holds version {check.record.version}, not {name}")
        if check.record.publisher.key != key:
            site.problems.append(f"{where}: {key_problem(check.record, 'key in publisher.json')}")
        checks[check.record.version] = check
    for number, record in sorted(logged.items()):
        if number not in checks:
            site.problems.append(
                f"version {number} of {slug} is in the publisher log but not in the site: "
                "a published version was dropped"
            )
        elif str(checks[number].record_cid) != record:
            site.problems.append(
                f"articles/{slug}/v/{number}: its record is not the one the publisher log "
                f"names ({record})"
            )
    if not checks:
        site.articles.append(ArticleSummary(slug, None, len(logged), (), retracted=True))
        return
    latest = checks[max(checks)]
    if latest.record is not None and latest.record.version not in logged:
        site.problems.append(
            f"version {latest.record.version} of {slug} is in the site but not in the "
            "publisher log"
        )
    for number, check in checks.items():
        if latest.chain_cids and check.record_cid not in latest.chain_cids:
            site.problems.append(
                f"articles/{slug}/v/{number}: not in the history of the latest version"
            )
    site.versions += len(checks)
    corrections = _corrections(latest)
    site.corrections.extend(corrections)
    site.articles.append(
        ArticleSummary(slug, latest.headline, max(checks), corrections, retracted=False)
    )


def _purged(site: _Site, slug: str, folder: CID, key: bytes, logged: dict[int, str]) -> None:
    """A purged article keeps its signed records at records/<n>.json: each logged one, valid."""
    where = f"articles/{slug}/records"
    try:
        files = _entries(_entries(folder, site.get)["records"], site.get)
    except (KeyError, IpfsError):
        site.problems.append(f"{where}/ is missing: a purged article keeps its signed records")
        return
    for number, wanted in sorted(logged.items()):
        try:
            data = read_bytes(files[f"{number}.json"], site.get)
            signature = decode_signature(read_bytes(files[f"{number}.sig"], site.get))
        except (KeyError, IpfsError, TrustError):
            site.problems.append(f"{where}/{number}.json or .sig is missing or unreadable")
            continue
        if str(record_cid(data)) != wanted:
            site.problems.append(f"{where}/{number}.json is not the record the publisher log names")
        elif not signature_ok(key, data, signature):
            site.problems.append(f"{where}/{number}.json: the signature does not match the record")
    site.articles.append(ArticleSummary(slug, None, len(logged), (), retracted=True))


def verify_site(root: CID, get: Getter, expected_key: str | None = None) -> TrustReport:
    site = _Site(get)
    blocks = verify_dag(root, get)
    site.problems.extend(
        f"block {p.cid} ({p.path or 'the site folder'}) is {p.kind}: {p.message}"
        for p in blocks.problems
    )
    document = _file(root, PUBLISHER_FILE, get)
    if document is None:
        raise TrustError(f"{PUBLISHER_FILE} cannot be read from the site {root}")
    info = decode_publisher_document(document)
    publisher = Publisher(info.key, info.name)
    if expected_key is not None and not matches(info.key, check_expected_key(expected_key)):
        site.problems.append(
            f"the site is published with the key {publisher.fingerprint}, not {expected_key}"
        )
    entries = _log(site, root, info.head, info.entries, info.key)
    logged: dict[str, dict[int, str]] = {}
    gone: set[str] = set()
    for signed in entries:
        entry = signed.entry
        if entry.action in ("publish", "correct"):
            logged.setdefault(entry.slug, {})[entry.version] = entry.record
        elif entry.action == "purge":
            gone.add(entry.slug)
    try:
        folders = _entries(_entries(root, get)["articles"], get)
    except (KeyError, IpfsError):
        folders = {}
    for slug in sorted(set(folders) | set(logged)):
        if slug not in folders:
            site.problems.append(f"articles/{slug}/ is in the publisher log but not in the site")
            continue
        if slug in gone:
            _purged(site, slug, folders[slug], info.key, logged.get(slug, {}))
        else:
            _article(site, slug, folders[slug], info.key, logged.get(slug, {}))
    return TrustReport(
        kind="site",
        root=root,
        headline=info.name,
        publisher=publisher,
        version=None,
        versions=site.versions,
        corrections=tuple(site.corrections),
        problems=tuple(site.problems),
        articles=tuple(site.articles),
        log_entries=len(entries),
        blocks=blocks.blocks,
    )


def _log(site: _Site, root: CID, head: str | None, count: int, key: bytes) -> list[SignedEntry]:
    data = _file(root, LOG_FILE, site.get)
    if data is None:
        site.problems.append(f"{LOG_FILE} is missing from the site")
        return []
    try:
        entries = parse_log(data)
    except TrustError as exc:
        site.problems.append(str(exc))
        return []
    site.problems.extend(check_log(entries, key))
    last = str(entries[-1].entry.cid) if entries else None
    if last != head or len(entries) != count:
        site.problems.append(
            f"{PUBLISHER_FILE} names log head {head} ({count} entries) but {LOG_FILE} ends at "
            f"{last} ({len(entries)} entries): the log was cut or extended"
        )
    return entries


def verify_root(root: CID, get: Getter, expected_key: str | None = None) -> TrustReport:
    """A site when the root holds publisher.json, else a bundle."""
    try:
        names = set(_entries(root, get))
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

"""Verifying a whole site (``verify_site``): its publisher log, and every article under it.

    verify_site(root, get, expected_key=None) -> TrustReport
    folder_entries(folder, get) -> {name: CID}
    read_site_file(root, path, get) -> bytes | None

A root holding ``publisher.json`` is a site: its publisher log must be a valid signed chain by
the key ``publisher.json`` names, with the head it names; every article bundle under
``articles/<slug>/v/<n>/`` must pass ``check.check_bundle``, be version ``n`` of that article,
be signed by the site's key and agree with the other versions; and every version the log says
was published must still be there with the record the log names, so a version dropped from
the site is detected; for a purged article, its signed records at ``articles/<slug>/records/``
must match the log instead. Each bundle of a site is checked once however many folders link
to it. ``permapress.trust.verify`` decides whether a root is a site or one bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from permapress import sitepaths as paths
from permapress.errors import IpfsError, TrustError
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, resolve_path
from permapress.ipfs.verify import verify_dag
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
    Publisher,
    decode_signature,
    record_cid,
)
from permapress.trust.trustreport import ArticleSummary, Correction, TrustReport, corrections_of

Getter = Callable[[CID], bytes]


@dataclass(slots=True)
class _Site:
    get: Getter
    problems: list[str] = field(default_factory=list)
    signatures: dict[CID, bool] = field(default_factory=dict)
    bundles: dict[CID, BundleCheck] = field(default_factory=dict)
    articles: list[ArticleSummary] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    versions: int = 0


def folder_entries(folder: CID, get: Getter) -> dict[str, CID]:
    return {name: cid for name, cid, _size in list_directory(folder, get)}


def read_site_file(root: CID, path: str, get: Getter) -> bytes | None:
    try:
        cid, _trail = resolve_path(root, path.split("/"), get)
        return read_bytes(cid, get)
    except IpfsError:
        return None


def _article(site: _Site, slug: str, folder: CID, key: bytes, logged: dict[int, str]) -> None:
    """Check every version folder of one article against each other, the key and the log."""
    try:
        entries = folder_entries(folder, site.get)
        name = paths.VERSIONS.rstrip("/")
        versions = folder_entries(entries[name], site.get) if name in entries else {}
    except IpfsError as exc:
        site.problems.append(f"{paths.article_folder(slug)} cannot be read: {exc}")
        return
    checks: dict[int, BundleCheck] = {}
    for name, cid in sorted(versions.items()):
        where = paths.article_folder(slug) + paths.VERSIONS + name
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
                f"{paths.version_folder(slug, number)}: its record is not the one the publisher "
                f"log names ({record})"
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
                f"{paths.version_folder(slug, number)}: not in the history of the latest version"
            )
    site.versions += len(checks)
    corrections = corrections_of(latest)
    site.corrections.extend(corrections)
    site.articles.append(
        ArticleSummary(slug, latest.headline, max(checks), corrections, retracted=False)
    )


def _purged(site: _Site, slug: str, folder: CID, key: bytes, logged: dict[int, str]) -> None:
    """A purged article keeps its signed records at records/<n>.json: each logged one, valid."""
    where = paths.records_folder(slug).rstrip("/")
    try:
        records = folder_entries(folder, site.get)[paths.RECORDS.rstrip("/")]
        files = folder_entries(records, site.get)
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
    document = read_site_file(root, PUBLISHER_FILE, get)
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
        folders = folder_entries(folder_entries(root, get)[paths.ARTICLES.rstrip("/")], get)
    except (KeyError, IpfsError):
        folders = {}
    for slug in sorted(set(folders) | set(logged)):
        if slug not in folders:
            site.problems.append(
                f"{paths.article_folder(slug)} is in the publisher log but not in the site"
            )
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
    data = read_site_file(root, LOG_FILE, site.get)
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

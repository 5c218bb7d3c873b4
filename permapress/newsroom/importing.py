"""Import sources (files, folders, URLs) into the catalog and report what happened to each.

``import_paths`` reads every source, records each article it yields and returns the report that
``permapress import --json`` prints:

    {"imported": n, "updated": n, "unchanged": n, "held": n,
     "failed": [{"source", "error"}], "items": [{"source", "slug", "status"}],
     "notes": [{"source", "message"}]}

Sources are read by ``reading.iter_items`` (files, folders, URLs; see there).

Each article is matched to what the catalog holds by its ``source`` key (``source_key``): a
file's absolute path, a page's canonical URL, "<feed>#<guid>", "<site>#post-<id>", a ninjs
``uri``. A page fetched again whose text is the same (only its kept original,
``source.warc.gz``, or its modification time differ) is "unchanged", not a new version.

A source that gives no article and no failure (an export with only drafts, a folder with no
file of a known format) becomes a failure saying so: an import never reports "0 imported,
0 failed" for input that held nothing importable.

Corrections are never undone by an import. Each import remembers which version it recorded
and from which source text (``importmarks``). When the article has versions made since by
``permapress correct`` (or an editor) and the source is as it was, the item is "unchanged
(corrected since)" (counted as unchanged) and nothing is recorded; when the source changed, it
is "held" with a note naming the correction, and only ``force`` (``import --force``) records
the source's text as a new version, whose note says which correction it supersedes. A date that
the reader had to infer (``"published" in article.inferred``) keeps the one first recorded, so
re-importing a feed without dates does not make a new version each time.

A bad file or item becomes one entry in ``failed`` naming it and the problem; it never stops
the others, and nothing of it is stored (``record_article`` writes blocks first and the
version in one transaction). ``notes`` tells what was skipped on purpose (drafts, attachments)
or recovered (a malformed feed). ``progress=True`` shows a rich progress bar on stderr.

The catalog is written in batches, and the blocks of the versions this process builds are
stored together, before each batch commits (``importbatch``).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from permapress.articles.fetch import is_url
from permapress.articles.fields import content_key, remember_key
from permapress.articles.items import Failed, Item, Note, ReadOptions, without_provenance
from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import VersionRow
from permapress.errors import PermapressError
from permapress.handle import Newsroom
from permapress.ipfs.profiles import get_profile
from permapress.newsroom import prebuild
from permapress.newsroom.importbatch import Marks, batched, direct_marks
from permapress.newsroom.media_archive import with_media
from permapress.newsroom.prebuild import source_key as source_key
from permapress.newsroom.reading import SKIPPED_FOLDERS as SKIPPED_FOLDERS
from permapress.newsroom.reading import iter_items as iter_items
from permapress.newsroom.readpool import start_pool, worker_count
from permapress.newsroom.record import load_article, record_article
from permapress.progress import progress_bar

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from permapress.ipfs.batch import BlockBatch

UNCHANGED_CORRECTED = "unchanged (corrected since)"


def empty_report() -> dict[str, Any]:
    return {"imported": 0, "updated": 0, "unchanged": 0, "held": 0, "failed": [], "items": [],
            "notes": []}  # fmt: skip


def _same_text(newsroom: Newsroom, slug: str, article: Article) -> bool:
    """True when ``article`` differs from the stored version only in provenance files."""
    previous = newsroom.catalog.latest(slug)
    if previous is None:
        return False
    stored = without_provenance(load_article(newsroom, previous, with_media=True))
    fresh = without_provenance(article)
    return replace(stored, slug=slug, modified=None, source=None) == replace(
        fresh, slug=slug, modified=None, source=None
    )


def record_item(
    newsroom: Newsroom,
    report: dict[str, Any],
    label: str,
    item: Item,
    *,
    now: datetime,
    note: str | None,
    taxonomy: Taxonomy,
    force: bool = False,
    marks: Marks | None = None,
    signer: Ed25519PrivateKey | None = None,
    store: BlockBatch | None = None,
) -> str | None:
    """Record one item into the catalog and the report; return its status (None: not an
    article or failed). See the module docstring for corrections and ``force``; ``marks``:
    the import marks of a batched import (``importbatch``), else they are written at once;
    ``store``: that import's batch of blocks, which the versions' blocks go to."""
    marks = marks if marks is not None else direct_marks(newsroom)
    if isinstance(item, Note):
        report["notes"].append({"source": item.source, "message": item.message})
        return None
    if isinstance(item, Failed):
        report["failed"].append({"source": item.source, "error": item.error})
        return None
    built = prebuild.take(item)  # its first version, when a reader process built it
    # the key the reader process worked out for exactly this item, else worked out here
    key = built.source if built is not None else source_key(item.source or label)
    article = replace(item, source=key)
    if built is not None and built.key:  # worked out there for this very item
        remember_key(article, built.key)
    shown = key if "#" in key else label
    try:
        existing = newsroom.catalog.article_by_source(key)
        slug = existing.slug if existing is not None else None
        source_text = content_key(without_provenance(article))
        if existing is not None and "published" in article.inferred:
            kept = newsroom.catalog.latest(existing.slug)
            if kept is not None:  # a guessed date stays the one first guessed
                article = replace(article, published=datetime.fromisoformat(kept.published))
        if existing is not None and len(without_provenance(article).media) != len(
            article.media
        ) and _same_text(newsroom, existing.slug, article):
            status = "unchanged"
        else:
            # a retracted article takes no version at all: record_article says so
            guard = _corrected_since(newsroom, existing.slug, article, source_text, marks) \
                if existing is not None and existing.status != "retracted" else None  # fmt: skip
            if guard is not None and guard.unchanged:
                status = UNCHANGED_CORRECTED
            elif guard is not None and not force:
                report["notes"].append({"source": shown, "message": guard.held_message()})
                status = "held"
            else:
                version_note = note if existing is not None else None
                if guard is not None:
                    version_note = guard.superseding_note(note)
                    report["notes"].append({"source": shown,
                                            "message": guard.forced_message()})  # fmt: skip
                recorded = record_article(newsroom, article, now=now, note=version_note,
                                          taxonomy=taxonomy, prebuilt=built,
                                          signer=signer, store=store)  # fmt: skip
                status, slug = recorded.status, recorded.slug
                if status != "unchanged":  # a new version: mark it
                    marks.set(slug, recorded.version, source_text)
        if slug is not None and status == "unchanged":
            _mark(newsroom, slug, source_text, marks)
    except PermapressError as exc:
        report["failed"].append({"source": shown, "error": str(exc)})
        return None
    assert slug is not None
    report["unchanged" if status == UNCHANGED_CORRECTED else status] += 1
    report["items"].append({"source": shown, "slug": slug, "status": status})
    return status


@dataclass(frozen=True, slots=True)
class _Guard:
    """Versions made since the last import of an article (corrections), and whether the source
    is the same as then."""

    slug: str
    unchanged: bool
    corrections: tuple[VersionRow, ...]

    def _which(self) -> str:
        numbers = [str(v.number) for v in self.corrections]
        listed = numbers[-1] if len(numbers) == 1 else ", ".join(numbers[:-1])
        listed += "" if len(numbers) == 1 else " and " + numbers[-1]
        last = self.corrections[-1]
        said = f" ({last.note})" if last.note else ""
        return f"{'version' if len(numbers) == 1 else 'versions'} {listed}{said}"

    def held_message(self) -> str:
        return (f"{self.slug}: the source changed since it was imported, but {self._which()} "
                "corrected the article since; nothing recorded. Import with --force to record "
                "the source's text over the correction")  # fmt: skip

    def forced_message(self) -> str:
        return f"{self.slug}: --force: the source's changed text supersedes {self._which()}"

    def superseding_note(self, note: str | None) -> str:
        numbers = ", ".join(str(v.number) for v in self.corrections)
        said = f"Supersedes the correction in version {numbers} with the source's changed text."
        return f"{note.strip()} ({said})" if note and note.strip() else said


def _corrected_since(
    newsroom: Newsroom, slug: str, article: Article, source_text: str, marks: Marks
) -> _Guard | None:
    """The corrections made since ``slug`` was last imported, or None when there are none."""
    versions = newsroom.catalog.versions(slug)
    if not versions or versions[-1].content_key == content_key(article):
        return None
    mark = marks.last(slug)
    if mark is not None:
        later = tuple(v for v in versions if v.number > mark.number)
        return _Guard(slug, mark.key == source_text, later) if later else None
    # An article imported before import marks existed: the source is unchanged when an earlier
    # version holds exactly its text, and the versions after that one came from elsewhere.
    key = content_key(article)
    same = [v.number for v in versions[:-1] if v.content_key == key]
    if same:
        return _Guard(slug, True, tuple(v for v in versions if v.number > same[-1]))
    return None


def _mark(newsroom: Newsroom, slug: str, source_text: str, marks: Marks) -> None:
    latest = newsroom.catalog.latest(slug)
    mark = marks.last(slug)
    if latest is None:
        return
    if mark is None or mark.number != latest.number or mark.key != source_text:
        marks.set(slug, latest.number, source_text)


def _signing_key(newsroom: Newsroom) -> Ed25519PrivateKey | None:
    """The publisher key, or None when there is none (each article then fails as it is
    recorded, saying so)."""
    try:
        return newsroom.signing_key()
    except PermapressError:
        return None


def import_paths(
    newsroom: Newsroom,
    paths: list[Path] | list[str] | list[Path | str],
    *,
    fmt: str | None,
    now: datetime,
    note: str | None = None,
    progress: bool = False,
    options: ReadOptions | None = None,
) -> dict[str, Any]:
    """Import everything under ``paths``; return the report (see the module docstring)."""
    config = newsroom.config
    options = options or ReadOptions(language=config.language, categories=config.categories)
    if options.now is None:  # the date of last resort is this import's time
        options = replace(options, now=now)
    report = empty_report()
    taxonomy = Taxonomy(config.category_topics)
    # a folder's Markdown files are read on every core; started before the progress bar's thread
    folders = any(not is_url(str(p)) and Path(p).is_dir() for p in paths)
    workers = worker_count() if folders else 1
    signer = _signing_key(newsroom)  # loaded once, not for every article
    if workers > 1 and signer is not None:  # they build new articles' first versions too
        prebuild.prepare(prebuild.Context(config.name, taxonomy, get_profile(config.profile),
                                          signer, config.catalog_path, config.blocks_path,
                                          options.media and config.media.archive,
                                          config.language))  # fmt: skip
    pool = start_pool(workers)
    with ExitStack() as stack:
        stack.callback(prebuild.prepare, None)
        if pool is not None:
            stack.callback(pool.shutdown, cancel_futures=True)
        bar = stack.enter_context(progress_bar(progress))
        task = bar.add_task("Importing", total=None)
        writes = stack.enter_context(batched(newsroom))  # one transaction per batch
        items = iter_items(paths, fmt=fmt, tz=config.tz, options=options, pool=pool)
        read = with_media(newsroom, items, report, enabled=options.media)
        for label, item in writes.paced(read):
            writes.begin()
            record_item(newsroom, report, label, item, now=now, note=note, taxonomy=taxonomy,
                        force=options.force, marks=writes, signer=signer,
                        store=writes.blocks)  # fmt: skip
            writes.done_one()
            done = report["imported"] + report["updated"] + report["unchanged"]
            name = label if len(label) <= 48 else "…" + label[-47:]
            bar.update(task, completed=done + len(report["failed"]),
                       description=f"Importing {name}")  # fmt: skip
    return report

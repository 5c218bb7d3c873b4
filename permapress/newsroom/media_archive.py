"""Remote images archived while importing: the step between reading an item and recording it.

    with_media(newsroom, items, report, enabled=True) -> Iterator[(label, Item)]

Every article that shows remote images gets them downloaded into its ``media/``
(``articles.remote_media.archive_article``) within the newsroom's ``[media]`` settings; one
``Downloader`` serves the whole run, so an image many articles use is fetched once (and stored
once: blocks are content-addressed). An image the article's current version already holds,
downloaded from the same URL, is taken from there instead of the network: a re-import or a
watched feed does not fetch it again, and a site that has gone down does not turn archived
images back into links. Images that could not be had become notes in ``report["notes"]``.
When the image step fails as a whole (a full disk, an unreadable stored block), the article's
remote images become links, as failed downloads do, with a note each. Nothing is fetched when
``enabled`` is false (``import --no-media``) or ``[media] archive`` is false; then a lead image
at a plain ``http://`` URL is kept as that link, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from permapress.articles.downloader import Downloader, media_limits
from permapress.articles.items import Item
from permapress.articles.model import Article, Media
from permapress.articles.remote_media import archive_article, as_links, remote_images
from permapress.errors import PermapressError
from permapress.handle import Newsroom


def _known(newsroom: Newsroom, key: str) -> dict[str, Media]:
    """The downloaded images of the current version of the article imported from ``key``."""
    from permapress.newsroom.record import load_article

    existing = newsroom.catalog.article_by_source(key)
    if existing is None:
        return {}
    latest = newsroom.catalog.latest(existing.slug)
    if latest is None:
        return {}
    stored = load_article(newsroom, latest, with_media=True)
    return {m.origin: m for m in stored.media if m.origin and m.data}


def with_media(
    newsroom: Newsroom,
    items: Iterable[tuple[str, Item]],
    report: dict[str, Any],
    *,
    enabled: bool = True,
) -> Iterator[tuple[str, Item]]:
    """``items`` with their remote images archived; see the module docstring."""
    settings = newsroom.config.media
    if not enabled or not settings.archive:
        for label, item in items:
            if isinstance(item, Article) and (item.image or "").startswith("http://"):
                report["notes"].append({
                    "source": item.source or label,
                    "message": f"lead image {item.image} is kept as an http:// link "
                               "(media archiving is off)",
                })  # fmt: skip
            yield label, item
        return
    from permapress.newsroom.prebuild import source_key

    with Downloader(media_limits(settings)) as downloader:
        for label, item in items:
            if isinstance(item, Article) and remote_images(item):
                key = source_key(item.source or label)
                where = key if "#" in key else label
                try:
                    item, notes = archive_article(item, downloader, known=_known(newsroom, key))
                except (OSError, PermapressError) as exc:  # a full disk, an unreadable block
                    reason = " ".join(str(exc).split())[:200]
                    item, notes = as_links(item, f"archiving failed ({reason})")
                report["notes"].extend({"source": where, "message": n} for n in notes)
            yield label, item

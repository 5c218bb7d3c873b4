"""Watch feeds: poll them and record every silent edit as a new version.

    parse_interval("15m") -> 900.0             s, m, h, d suffixes; at least MIN_INTERVAL
    change_note(now) -> str                     "Text changed at the source on 2025-07-08 14:30 UTC"
    poll(newsroom, feeds, *, now, options) -> report     one round (the import report)
    watch(open_newsroom, feeds, *, every, rounds=None, options, clock, sleep, on_round) -> int

Each round reads every feed (a URL or a file; with ``options.fetch`` the linked pages too) and
records its entries through ``importing.record_item``: a new entry is "imported", an entry
whose text changed since the last round is "updated" with the generated note
``change_note(now)`` (so the edit shows in the article's history), anything else "unchanged".
A feed that fails is reported in that round's ``failed`` and polled again next round.

``watch`` runs ``rounds`` rounds (forever when None), sleeping ``every`` seconds between them;
it opens the newsroom afresh for each round, so nothing is held between polls. Ctrl+C during
a sleep or a round stops it cleanly: a version is either recorded whole or not at all. It
returns the number of rounds completed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Final

from permapress.articles.items import ReadOptions
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import ConfigError
from permapress.handle import Newsroom
from permapress.newsroom.importing import empty_report, iter_items, record_item
from permapress.newsroom.media_archive import with_media

MIN_INTERVAL: Final = 60.0
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL_RE: Final = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


def parse_interval(text: str, minimum: float = MIN_INTERVAL) -> float:
    """Seconds in "90s", "15m", "2h", "1d" (a bare number is minutes)."""
    match = _INTERVAL_RE.fullmatch(text.strip().lower())
    if match is None:
        raise ConfigError(f"--every {text!r} is not a duration; write it like 15m, 2h or 90s")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "m"]
    if seconds < minimum:
        raise ConfigError(
            f"--every {text!r} is too often; poll at most once a minute (be kind to the source)"
        )
    return seconds


def change_note(now: datetime) -> str:
    """The note recorded with a version that the source changed silently."""
    return f"Text changed at the source on {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def poll(
    newsroom: Newsroom, feeds: Sequence[str], *, now: datetime, options: ReadOptions
) -> dict[str, Any]:
    """One round over ``feeds``; the report has the import report's shape."""
    report = empty_report()
    taxonomy = Taxonomy(newsroom.config.category_topics)
    note = change_note(now)
    items = iter_items(feeds, fmt="feed", tz=newsroom.config.tz, options=options)
    for label, item in with_media(newsroom, items, report, enabled=options.media):
        record_item(newsroom, report, label, item, now=now, note=note, taxonomy=taxonomy)
    return report


def watch(
    open_newsroom: Callable[[], AbstractContextManager[Newsroom]],
    feeds: Sequence[str],
    *,
    every: float,
    rounds: int | None = None,
    options: ReadOptions | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_round: Callable[[int, dict[str, Any]], None] | None = None,
) -> int:
    """Poll ``feeds`` every ``every`` seconds; see the module docstring."""
    done = 0
    try:
        while rounds is None or done < rounds:
            if done:
                sleep(every)
            with open_newsroom() as newsroom:
                config = newsroom.config
                chosen = options or ReadOptions(language=config.language,
                                                categories=config.categories)  # fmt: skip
                report = poll(newsroom, feeds, now=clock(), options=chosen)
            done += 1
            if on_round is not None:
                on_round(done, report)
    except KeyboardInterrupt:
        pass
    return done

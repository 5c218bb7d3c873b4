"""Which recorded versions are public: every version not recorded as a draft.

    is_draft(row) -> bool                 from the row's metadata (full or light rows)
    public(rows, drafts) -> [VersionRow]  ``rows`` less ``drafts`` (``Catalog.draft_versions``)
    public_by_slug(by_slug, drafts)       the same per slug, leaving out articles with none

The rule the site, the publisher log and ``verify`` share: a version that was not a draft when
it was recorded was published, got a "publish" or "correct" log entry, and stays in the site
(``articles/<slug>/v/<n>/``) for good — after a retraction too, and as signed records after a
purge. A draft version is never in the site and never logged, also when an article that was
published is imported again with ``draft: true`` (the site keeps its last published version)
and also after a later version is published (its chain holds the draft's signed record, not
its content). An article with at least one public version is on the site until it is
retracted.
"""

from __future__ import annotations

import json

from permapress.catalog import VersionRow


def is_draft(row: VersionRow) -> bool:
    """Was this version recorded as a draft? (Needs the row's metadata, not a skeleton.)"""
    return json.loads(row.meta).get("draft") is True


def public(rows: list[VersionRow], drafts: set[tuple[str, int]]) -> list[VersionRow]:
    return [row for row in rows if (row.slug, row.number) not in drafts]


def public_by_slug(
    by_slug: dict[str, list[VersionRow]], drafts: set[tuple[str, int]]
) -> dict[str, list[VersionRow]]:
    out: dict[str, list[VersionRow]] = {}
    for slug, rows in by_slug.items():
        shown = public(rows, drafts) if drafts else rows
        if shown:
            out[slug] = shown
    return out

"""What ``permapress verify`` found (``TrustReport``), as people and scripts read it.

    TrustReport(kind, root, headline, publisher, version, versions, corrections, problems, …)
      .ok, .summary() -> str (for people), .as_json() -> dict (for scripts)
    Correction(version, date, note), ArticleSummary(slug, headline, versions, corrections, …)
    corrections_of(check) -> (Correction, ...)   the corrections a checked bundle's chain records

``summary()`` shows control characters in names, headlines and notes as ``\\xNN``, so a hostile
bundle cannot forge lines, and at most ``PROBLEM_LINES`` problems, then a count of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from permapress.ipfs.cid import CID
from permapress.ipfs.report import printable
from permapress.trust.check import BundleCheck
from permapress.trust.records import (
    Publisher,
)

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
                lines.extend(correction_lines(article.corrections, "    "))
        else:
            lines.extend(correction_lines(self.corrections, "  "))
        lines.extend(f"Problem: {p}" for p in self.problems[:PROBLEM_LINES])
        if len(self.problems) > PROBLEM_LINES:
            lines.append(
                f"… and {len(self.problems) - PROBLEM_LINES} more problems (--json lists every one)"
            )
        return "\n".join(printable(line) for line in lines)


def correction_lines(corrections: tuple[Correction, ...], indent: str) -> list[str]:
    return [
        f"{indent}Correction in version {c.version}, {c.date[:10]}: {c.note}" for c in corrections
    ]


def corrections_of(check: BundleCheck) -> tuple[Correction, ...]:
    return tuple(Correction(r.version, r.published, r.note) for r in check.chain[1:])

"""Who the newsroom is, for readers and for machines: its authors and its own pages.

    NewsroomPage(slug, title, href, policies)   one page of the newsroom's own (About, Ethics
                                                and corrections policy, Contact …), linked in
                                                the footer; ``href`` is relative to the site root
    POLICIES                                    the schema.org properties of an Organization a
                                                page can stand for, and the words that name them
    page_policies(slug, tags) -> tuple[str, ...]
                                                which of them a page stands for: the tags that
                                                name a property ("diversityPolicy") and the
                                                words of its slug ("corrections-policy")
    author_slug(name) -> str                    authors/<slug>/ of a byline name without a table
    GENRE_LABELS, genre_label(genre) -> str     what a card or an article calls its type of work
                                                (from ``articles/display.py``)
    JSONLD_TYPES                                the schema.org type of each type of work

The Trust Project's indicators map to these properties: best practices (publishingPrinciples,
ethicsPolicy, correctionsPolicy, masthead), author expertise (each author's Person with jobTitle,
description, sameAs and url), type of work (the article's @type and genre), citations
(citation), methods (backstory), locally sourced (locationCreated), diverse voices
(diversityPolicy) and actionable feedback (actionableFeedbackPolicy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from permapress.articles.display import GENRE_LABELS as GENRE_LABELS
from permapress.articles.display import genre_label as genre_label
from permapress.articles.slug import slugify


@dataclass(frozen=True, slots=True)
class NewsroomPage:
    """A page of the newsroom's own, as the footer and the Organization JSON-LD name it."""

    slug: str
    title: str
    href: str  # relative to the site root, e.g. "articles/about/index.html"
    policies: tuple[str, ...] = ()


# property -> the slug words that name it (a page may stand for several)
POLICIES: Final = {
    "publishingPrinciples": ("ethics", "principles", "standards"),
    "ethicsPolicy": ("ethics",),
    "correctionsPolicy": ("corrections", "correction"),
    "masthead": ("masthead", "about", "staff", "team"),
    "actionableFeedbackPolicy": ("contact", "feedback", "tips"),
    "diversityPolicy": ("diversity",),
    "ownershipFundingInfo": ("ownership", "funding"),
    "verificationFactCheckingPolicy": ("verification", "fact-checking", "factchecking"),
    "unnamedSourcesPolicy": ("sources", "anonymous"),
}

JSONLD_TYPES: Final = {
    "news": "NewsArticle",
    "analysis": "AnalysisNewsArticle",
    "opinion": "OpinionNewsArticle",
    "review": "ReviewNewsArticle",
    "explainer": "BackgroundNewsArticle",
    "interview": "NewsArticle",
    "obituary": "NewsArticle",
    "letter": "OpinionNewsArticle",
    "satire": "SatiricalArticle",
    "sponsored": "AdvertiserContentArticle",
    "page": "WebPage",
}


def page_policies(slug: str, tags: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Organization properties a newsroom page stands for (see ``POLICIES``)."""
    words = slug.split("-")
    return tuple(
        p for p, keys in POLICIES.items() if p in tags or any(k in words for k in keys)
    )


def author_slug(name: str) -> str:
    """The slug of an author's page from the byline name: "Jane Doe" -> "jane-doe"."""
    return slugify(name, transliterate=True) or "author"

"""Machine-readable descriptions of an article: schema.org JSON-LD and Open Graph.

Pure functions; the same article gives the same output.

    news_article_jsonld(entry, site, url=…)  -> dict   schema.org NewsArticle for the site page:
        headline, dates, authors, section, keywords, image, language, publisher, the bundle CID
        as ``identifier`` and ``archivedAt`` (ipfs://), and one CorrectionComment per update;
        each author with a page as a Person with url, jobTitle, description and sameAs, the
        publisher as a NewsMediaOrganization with its policy pages (``organization``)
    organization(site, root)                 -> dict   the NewsMediaOrganization: name, url,
        logo, and publishingPrinciples, correctionsPolicy, ethicsPolicy, masthead,
        actionableFeedbackPolicy, … for the newsroom pages that exist (``trustinfo.POLICIES``)
    article_jsonld(article, publisher=…, …)  -> dict   the same from an Article alone (bundles)
    script_json(data)                        -> JSON-LD text safe inside a <script> element
    open_graph(entry, site)                  -> [(property, content)] in a fixed order
    article_open_graph(article, …)           -> the same from an Article alone

The IPTC ninjs writer (``ninjs``, ``ninjs_document``) lives in ``articles/ninjs_write.py``
beside its reader, since the export writes it too; it is importable from here as before.

The type of work sets the @type (OpinionNewsArticle, AnalysisNewsArticle, ReviewNewsArticle,
AdvertiserContentArticle, … ``trustinfo.JSONLD_TYPES``) and ``genre``; sources and references
become ``citation`` (CreativeWork with name and url), how it was reported ``backstory``, where
``locationCreated``. An article without them gives what it gave before.
Open Graph needs absolute URLs: og:url and og:image appear only with a base URL.
A naive datetime raises ``SiteError`` (from ``iso8601``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from permapress import sitepaths as paths
from permapress.articles.model import Article, reference_parts
from permapress.articles.ninjs_write import ninjs as ninjs
from permapress.articles.ninjs_write import ninjs_document as ninjs_document
from permapress.site.theme import ASSETS_FOLDER
from permapress.site.trustinfo import JSONLD_TYPES, genre_label
from permapress.site.views import (
    ArticleEntry,
    SiteInfo,
    iso8601,
    media_image,
)


def _is_absolute(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def article_jsonld(
    article: Article,
    *,
    publisher: str,
    url: str | None,
    image_prefix: str,
    modified: str | None = None,
) -> dict[str, Any]:
    """NewsArticle JSON-LD from the article alone; ``image_prefix`` goes before "media/…"."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": JSONLD_TYPES.get(article.genre, "NewsArticle"),
        "headline": article.headline,
        "datePublished": iso8601(article.published),
        "dateModified": modified or iso8601(article.modified or article.published),
        "inLanguage": article.language,
        "publisher": {"@type": "Organization", "name": publisher},
        "isAccessibleForFree": True,
    }
    if article.summary:
        data["description"] = article.summary
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.categories:
        data["articleSection"] = list(article.categories)
    if article.tags:
        data["keywords"] = list(article.tags)
    image = media_image(article)
    if image:
        data["image"] = [f"{image_prefix}media/{quote(image)}"]
    elif article.image and _is_absolute(article.image):
        data["image"] = [article.image]
    if url:
        data["url"] = url
        data["mainEntityOfPage"] = {"@type": "WebPage", "@id": url}
    if article.genre:
        data["genre"] = genre_label(article.genre)
    if article.sources:
        data["citation"] = [_citation(text) for text in article.sources]
    if article.methods:
        data["backstory"] = article.methods
    if article.location:
        data["locationCreated"] = {"@type": "Place", "name": article.location}
    return data


def _citation(text: str) -> dict[str, str]:
    label, link = reference_parts(text)
    found = {"@type": "CreativeWork", "name": label}
    if link:
        found["url"] = link
    return found


def _site_url(site: SiteInfo, path: str, root: str) -> str:
    """A path of the site as an absolute URL with a base URL, else relative to the page."""
    return site.absolute(path) or root + path


def organization(site: SiteInfo, root: str) -> dict[str, Any]:
    """The newsroom as a NewsMediaOrganization, with its policy pages; links from ``root``."""
    data: dict[str, Any] = {"@type": "NewsMediaOrganization", "name": site.name}
    if site.base_url:
        data["url"] = site.base_url
    if site.logo:
        data["logo"] = _site_url(site, site.logo, root)
    for page in site.pages:
        for prop in page.policies:
            data.setdefault(prop, _site_url(site, page.href, root))
    return data


def _person(name: str, site: SiteInfo, root: str) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": name}
    author = next((a for a in site.authors if a.name == name), None)
    if author is None:
        return person
    person["url"] = _site_url(site, paths.author_folder(author.slug), root)
    if author.role:
        person["jobTitle"] = author.role
    if author.bio:
        person["description"] = " ".join(author.bio.split())
    if author.links:
        person["sameAs"] = list(author.links)
    if author.photo:
        person["image"] = _site_url(site, ASSETS_FOLDER + author.photo, root)
    return person


def profile_page(name: str, site: SiteInfo, root: str) -> dict[str, Any]:
    """An author's page as a schema.org ProfilePage about the Person, who works for the
    newsroom."""
    person = _person(name, site, root)
    person["worksFor"] = organization(site, root)
    return {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": person}


def news_article_jsonld(entry: ArticleEntry, site: SiteInfo, *, url: str | None) -> dict[str, Any]:
    """NewsArticle JSON-LD for the site's article page at ``url`` (None when unknown)."""
    article = entry.article
    page = site.absolute(paths.article_folder(article.slug)) or ""
    data = article_jsonld(
        article,
        publisher=site.name,
        url=url,
        image_prefix=f"{page}{paths.version_name(entry.version_number)}/",
        modified=iso8601(entry.modified),
    )
    root = paths.relative_root(paths.article_page(article.slug))
    data["publisher"] = organization(site, root)
    if article.authors:
        data["author"] = [_person(name, site, root) for name in article.authors]
    data["identifier"] = {
        "@type": "PropertyValue",
        "propertyID": "IPFS CID",
        "value": entry.bundle_cid,
    }
    data["archivedAt"] = f"ipfs://{entry.bundle_cid}"
    data["version"] = str(entry.version_number)
    if entry.corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": v.note,
                "datePublished": iso8601(v.created),
            }
            for v in entry.corrections
        ]
    return data


def article_open_graph(
    article: Article,
    *,
    site_name: str,
    url: str | None,
    image_url: str | None,
    modified: str | None = None,
) -> list[tuple[str, str]]:
    """Open Graph properties in a fixed order; URLs only when absolute."""
    tags: list[tuple[str, str]] = [
        ("og:type", "article"),
        ("og:site_name", site_name),
        ("og:title", article.headline),
    ]
    if article.summary:
        tags.append(("og:description", article.summary))
    if url:
        tags.append(("og:url", url))
    if image_url is None and article.image and _is_absolute(article.image):
        image_url = article.image
    if image_url:
        tags.append(("og:image", image_url))
        tags.append(("og:image:alt", article.headline))
    tags.append(("article:published_time", iso8601(article.published)))
    tags.append(
        ("article:modified_time", modified or iso8601(article.modified or article.published))
    )
    if article.categories:
        tags.append(("article:section", article.categories[0]))
    tags.extend(("article:tag", tag) for tag in article.tags)
    return tags


def open_graph(entry: ArticleEntry, site: SiteInfo) -> list[tuple[str, str]]:
    """Open Graph properties for the site's article page."""
    article = entry.article
    image = media_image(article)
    page = paths.article_folder(article.slug)
    bundle = paths.version_folder(article.slug, entry.version_number)
    image_url = site.absolute(f"{bundle}/media/{quote(image)}") if image else None
    return article_open_graph(
        article,
        site_name=site.name,
        url=site.absolute(page),
        image_url=image_url,
        modified=iso8601(entry.modified),
    )


# ``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``, with the
# encoder made once rather than for each of the site's thousands of pages
_SCRIPT_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def script_json(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script> element: sorted keys, and no "<", ">" or "&" that could end it."""
    text = _SCRIPT_JSON.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)

"""Reader for IPTC ninjs 2.x and 3.x news items (JSON: one object, a list, or {"items": […]}).

    FORMAT = "ninjs"
    sniff(path, head) -> bool          JSON whose start names ninjs or has ninjs fields
    iter_items(data, *, source, folder=None, tz=UTC, options=None) -> Iterator[Item]
    read(path, *, tz=UTC, text=None, options=None) -> [Article]

Field mapping (3.x camelCase name / 2.x lowercase name):

    headline      headlines[role=main].value (else the first)  /  headline
    published     firstCreated, else contentCreated, else versionCreated  /  the same, lowercase
    modified      versionCreated, when later than published
    authors       people[rel=author|creator] names, else ``by`` / ``byline`` split into names
    categories    subjects/subject with rel "about" or a Media Topic URI (``literal`` first,
                  else ``name``); tags: rel "keyword" subjects and 2.x ``keywords``
    summary       descriptions[role=summary] / description_text / description_html (as text)
    body          bodies: text/markdown as is, else text/html, else text/plain  /
                  body_html, body_xhtml, body_text (HTML through ``htmltomd``)
    language      language, else ``options.language``;  slug: slugline, else the headline's
    draft         pubStatus / pubstatus "withheld" (or "canceled")
    genre         genres / genre: the first whose name (or IPTC code) is a type of work
                  ("Opinion", "Analysis", …); else not stated
    media         associations (3.x list, 2.x object) whose renditions ``href`` is a path
                  relative to the JSON file: read from there (the file name is the media name);
                  the association named "leadimage" (or "featureimage") is the lead image, an
                  http(s) href of it is kept as the lead image URL

``source`` is the item's ``uri`` (else "<file>#<index>"), so a re-import updates the same
article. Like the feed readers, nothing published is lost: an item without a date gets the
time of import, without a headline its first sentence (else its slugline, else its uri), without
a body its description, else a link to its http(s) uri; each inferred field is named in
``inferred`` and told in a ``Note``. An item with none of these, or that does not read,
becomes ``Failed``; a file that is not ninjs raises
``ArticleError``. ``export`` writes exactly this shape (through ``ninjs_write``, which also
writes a bundle's article.json), so exported articles import unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from permapress.articles.bylines import author_names
from permapress.articles.dates import parse_datetime
from permapress.articles.htmlmeta import language_tag
from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.infer import (
    headline_from_link,
    headline_from_text,
    link_only_body,
    when,
)
from permapress.articles.items import (
    Failed,
    Item,
    Note,
    ReadOptions,
    articles_of,
    load_json,
    load_media,
)
from permapress.articles.markup import markdown_to_text, summarize
from permapress.articles.model import (
    Article,
    Media,
    genre_name,
    is_image_url,
    one_line,
    validate,
)
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.slug import headline_slug
from permapress.articles.textfile import head_text, read_bytes
from permapress.errors import ArticleError, PermapressError

FORMAT: Final = "ninjs"
EXTENSIONS: Final = (".ninjs",)
_LANGUAGE_RE: Final = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
LEAD_NAMES: Final = ("leadimage", "featureimage", "lead", "mainpicture")
_STRONG: Final = ('"headlines"', '"versionCreated"', '"firstCreated"', '"versioncreated"',
                   '"firstcreated"', '"pubstatus"', '"pubStatus"')  # fmt: skip
_FIELDS: Final = ('"headline"', '"bodies"', '"body_html"', '"body_text"')


def sniff(path: Path, head: bytes) -> bool:
    """True for JSON that names ninjs or carries a uri and ninjs content fields."""
    text = head_text(head).lstrip()
    if not text.startswith(("{", "[")) or "jsonfeed.org/version" in text[:2048]:
        return False
    if "ninjs" in text[:4096].lower() or any(field in text for field in _STRONG):
        return True
    return '"uri"' in text and any(field in text for field in _FIELDS)


def read(
    path: Path, *, tz: tzinfo = UTC, text: str | None = None, options: ReadOptions | None = None
) -> list[Article]:
    """Every item of the ninjs file ``path`` (a broken item raises)."""
    data = read_bytes(path)
    return articles_of(
        iter_items(data, source=str(path), folder=path.parent, tz=tz, options=options)
    )


def iter_items(
    data: bytes,
    *,
    source: str,
    folder: Path | None = None,
    tz: tzinfo = UTC,
    options: ReadOptions | None = None,
) -> Iterator[Item]:
    """One item per ninjs object; see the module docstring."""
    options = options or ReadOptions()
    doc = load_json(data, source)
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        doc = doc["items"]
    items = doc if isinstance(doc, list) else [doc]
    for index, item in enumerate(items):
        uri = item.get("uri") if isinstance(item, dict) else None
        key = uri.strip() if isinstance(uri, str) and uri.strip() else f"{source}#{index + 1}"
        try:
            if not isinstance(item, dict):
                raise ArticleError(f"item {index + 1} is not a JSON object")
            article, notes = _article(item, key, folder, tz, options)
        except PermapressError as exc:
            yield Failed(key, " ".join(str(exc).split()))
            continue
        yield article
        yield from (Note(key, note) for note in notes)


def _list(value: Any) -> list[Any]:
    """A JSON array; any other value (a field of the wrong type) counts as no entries."""
    return value if isinstance(value, list) else []


def _get(item: dict[str, Any], *names: str) -> Any:
    return next((item[n] for n in names if item.get(n) not in (None, "", [], {})), None)


def _role_value(values: Any, role: str) -> dict[str, Any] | None:
    if not isinstance(values, list):
        return None
    entries = [v for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    return next((v for v in entries if v.get("role") == role), entries[0] if entries else None)


def _headline(item: dict[str, Any]) -> str:
    main = _role_value(item.get("headlines"), "main")
    value = main["value"] if main else item.get("headline")
    return one_line(value) if isinstance(value, str) else ""


def _body(item: dict[str, Any], base: str | None) -> str:
    bodies = [b for b in _list(item.get("bodies")) if isinstance(b, dict)
              and isinstance(b.get("value"), str)]  # fmt: skip
    for kind in ("text/markdown", "text/html", "application/xhtml+xml", "text/plain", ""):
        for body in bodies:
            if (body.get("contentType") or "") == kind and body.get("role", "main") == "main":
                return _convert(body["value"], kind, base)
    for field, kind in (("body_html", "text/html"), ("body_xhtml", "text/html"),
                        ("body_text", "text/plain")):  # fmt: skip
        if isinstance(item.get(field), str) and item[field].strip():
            return _convert(item[field], kind, base)
    return ""


def _convert(value: str, kind: str, base: str | None) -> str:
    if kind == "text/markdown":
        return sanitize_markdown(value)
    if kind in ("text/html", "application/xhtml+xml") or value.lstrip().startswith("<"):
        return html_to_markdown(value, base_url=base)
    paragraphs = [one_line(p) for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return sanitize_markdown("\n\n".join(paragraphs))


def _summary(item: dict[str, Any]) -> str | None:
    found = _role_value(item.get("descriptions"), "summary")
    if found:
        kind = str(found.get("contentType") or "text/plain")
        value = found["value"]
        return markdown_to_text(html_to_markdown(value)) if "html" in kind else one_line(value)
    if isinstance(item.get("description_text"), str):
        return one_line(item["description_text"])
    if isinstance(item.get("description_html"), str):
        return one_line(markdown_to_text(html_to_markdown(item["description_html"])))
    return None


def _authors(item: dict[str, Any]) -> tuple[str, ...]:
    people = _list(item.get("people") or item.get("person"))
    roles = ("author", "creator", "byline")
    names = [one_line(p["name"]) for p in people if isinstance(p, dict)
             and isinstance(p.get("name"), str) and p.get("rel") in roles]  # fmt: skip
    if names:
        return tuple(names)
    by = _get(item, "by", "byline")
    return tuple(author_names(by)) if isinstance(by, str) else ()


def _subjects(item: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    categories: list[str] = []
    tags: list[str] = []
    for subject in _list(item.get("subjects") or item.get("subject")):
        if not isinstance(subject, dict):
            continue
        name = subject.get("literal") or subject.get("name")
        if not isinstance(name, str) or not one_line(name):
            continue
        rel = str(subject.get("rel") or "")
        topic = "mediatopic" in str(subject.get("uri") or subject.get("scheme") or "")
        (tags if rel == "keyword" or (not topic and rel not in ("about", "")) else
         categories).append(one_line(name))  # fmt: skip
    keywords = _list(item.get("keywords"))
    tags.extend(one_line(k) for k in keywords if isinstance(k, str) and k.strip())
    return tuple(categories), tuple(tags)


def _associations(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = item.get("associations")
    if isinstance(found, dict):  # ninjs 2.x: {name: item}
        return [(str(k), v) for k, v in found.items() if isinstance(v, dict)]
    if isinstance(found, list):
        return [(str(a.get("name", "")), a) for a in found if isinstance(a, dict)]
    return []


def _media(
    item: dict[str, Any], folder: Path | None, key: str
) -> tuple[tuple[Media, ...], str | None]:
    media: list[Media] = []
    lead: str | None = None
    for name, association in _associations(item):
        renditions = association.get("renditions")
        if isinstance(renditions, dict):  # ninjs 2.x: {name: rendition}
            renditions = list(renditions.values())
        first = next((r for r in _list(renditions) if isinstance(r, dict)
                      and isinstance(r.get("href"), str)), None)  # fmt: skip
        if first is None:
            continue
        href = first["href"]
        if href.startswith(("http://", "https://")):
            if name.lower() in LEAD_NAMES and is_image_url(href) and lead is None:
                lead = href
            continue
        if folder is None:
            raise ArticleError(f"media {href!r} is a relative path but there is no folder")
        kind = first.get("contentType") or first.get("mimetype") or "application/octet-stream"
        file_name = unquote(href.rsplit("/", 1)[-1])
        media.append(load_media(folder, href, file_name, str(kind), key))
        if name.lower() in LEAD_NAMES and lead is None:
            lead = file_name
    return tuple(media), lead


def _language(value: Any) -> str | None:
    if isinstance(value, str) and _LANGUAGE_RE.fullmatch(value.strip()):
        return value.strip()
    return language_tag(value) if isinstance(value, str) else None


def _when(value: Any, field: str, tz: tzinfo) -> datetime | None:
    return parse_datetime(value, tz, field) if isinstance(value, str) and value.strip() else None


def _article(
    item: dict[str, Any], key: str, folder: Path | None, tz: tzinfo, options: ReadOptions
) -> tuple[Article, list[str]]:
    notes: list[str] = []
    inferred: list[str] = []
    headline = _headline(item)
    published = None
    for field in ("firstCreated", "contentCreated", "versionCreated"):
        published = published or _when(_get(item, field, field.lower()), field, tz)
    if published is None:
        published = options.clock()
        inferred.append("published")
        notes.append(f"no date (firstCreated, versionCreated): used the time of import, "
                     f"{when(published)}")  # fmt: skip
    modified = _when(_get(item, "versionCreated", "versioncreated"), "versionCreated", tz)
    if modified is not None and modified <= published:
        modified = None
    base = key if key.startswith(("http://", "https://")) else None
    link = base  # an http(s) uri is where the item lives
    body = _body(item, base) or ""
    slugline = _get(item, "slugline")
    if not headline:
        headline, origin = headline_from_text(body or _summary(item) or ""), "its first sentence"
        if not headline and isinstance(slugline, str) and one_line(slugline):
            headline, origin = one_line(slugline), "its slugline"
        if not headline and link:
            headline, origin = headline_from_link(link), "its uri"
        if not headline:
            raise ArticleError("the item has no headline, no text and no link: nothing to keep")
        inferred.append("headline")
        notes.append(f"no headline: used {origin}, {headline!r}")
    if not body:
        summary_text = _summary(item) or ""
        if summary_text:
            body = sanitize_markdown(summary_text)
            notes.append("no body: used its description")
        elif link:
            body = link_only_body(link)
            notes.append(f"no body: kept as a link to the original, {link}")
        else:
            raise ArticleError(f"{headline!r} has no body (bodies, body_html or body_text), no "
                               "description and no http(s) uri: nothing to keep")  # fmt: skip
        inferred.append("body")
    categories, tags = _subjects(item)
    media, lead = _media(item, folder, key)
    status = str(_get(item, "pubStatus", "pubstatus") or "usable").lower()
    article = Article(
        headline=headline,
        slug=headline_slug(slugline if isinstance(slugline, str) else headline),
        published=published,
        modified=modified,
        authors=_authors(item),
        categories=categories,
        tags=tags,
        summary=_summary(item) or summarize(body),
        language=_language(_get(item, "language")) or options.language,
        body=body,
        media=media,
        image=lead,
        draft=status in ("withheld", "canceled", "cancelled"),
        source=key,
        inferred=tuple(inferred),
        genre=_genre(item),
        **_reporting(item),
    )
    return validate(article), notes


def _reporting(item: dict[str, Any]) -> dict[str, Any]:
    """Sources (``infoSources``: name and uri), location (the first of ``places``) and how it
    was reported (the description with role "methods"), as ``export`` writes them."""
    found: dict[str, Any] = {}
    sources = item.get("infoSources")
    if isinstance(sources, list):
        found["sources"] = tuple(
            " ".join(str(s[k]) for k in ("name", "uri") if isinstance(s.get(k), str) and s[k])
            for s in sources
            if isinstance(s, dict) and (s.get("name") or s.get("uri"))
        )
    places = item.get("places")
    first = places[0] if isinstance(places, list) and places else None
    if isinstance(first, dict) and isinstance(first.get("name"), str):
        found["location"] = first["name"]
    descriptions = item.get("descriptions")
    for entry in descriptions if isinstance(descriptions, list) else []:
        if isinstance(entry, dict) and entry.get("role") == "methods":
            if isinstance(entry.get("value"), str):
                found["methods"] = entry["value"]
            break
    return found


def _genre(item: dict[str, Any]) -> str:
    """The type of work from ``genres`` (3.x) or ``genre`` (2.x): the first name (or the code at
    the end of its uri) that names one of ours, else "" (not stated)."""
    found = _get(item, "genres", "genre")
    for entry in found if isinstance(found, list) else []:
        if not isinstance(entry, dict):
            continue
        for text in (entry.get("name"), str(entry.get("uri") or "").rsplit("/", 1)[-1]):
            if isinstance(text, str) and (name := genre_name(text)):
                return name
    return ""

"""The few HTML pages the server writes itself: directory listings, a block preview, "no site yet".

Pure functions, text in, UTF-8 bytes out; every value taken from content or the request is
HTML-escaped and every URL path segment percent-encoded, so a file named
``<script>…`` shows as text and cannot break out of its link.

    directory_listing(root, segments, entries) -> bytes
        root       the CID text from the URL, segments the decoded path inside it
        entries    (name, CID, DAG size or None) in directory order
        Page: "Index of /ipfs/<cid>/…" with breadcrumb links (the first and last 8 levels of
        a deeper path, "…" between them), a ".." link below the root,
        then one row per entry: name linking to its content path, the CID linking to
        /ipfs/<cid>?filename=<name>, the DAG size (Tsize: what the child weighs with all its
        blocks, read from the link so the listing needs no extra block reads).
    block_preview(cid_text, codec_name, size) -> bytes
        An HTML page for a DAG-CBOR/DAG-JSON block asked for with Accept: text/html, linking
        to the block in its own format and as a CAR.
    no_site(site_name) -> bytes
        What ``/`` shows before the first ``permapress build``.

``LISTING_VERSION`` changes whenever the listing markup changes; it is part of the listing's Etag
(``"DirIndex-<version>_CID-<cid>"``) so caches drop listings written by older code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from html import escape
from typing import Final
from urllib.parse import quote

from permapress.ipfs.cid import CID

_STYLE: Final = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;width:100%}td{padding:.3rem .6rem;"
    "border-bottom:1px solid #ddd;vertical-align:top}td.size{text-align:right;white-space:"
    "nowrap}.ipfs-hash{font-family:monospace;font-size:.85em;color:#555}h1{font-size:1.2rem;"
    "word-break:break-all}"
)

# a deep path shows its first and last few breadcrumbs: a link per level, each holding the path
# up to it, would make the page grow with the square of the depth (2,000 levels: 4 MB)
_CRUMBS_EACH_END: Final = 8

LISTING_VERSION: Final = hashlib.sha256(("listing-v2" + _STYLE).encode()).hexdigest()[:12]


def _seg(text: str) -> str:
    return quote(text, safe="")


def _human(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def _page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def directory_listing(
    root: str, segments: Sequence[str], entries: Iterable[tuple[str, CID, int | None]]
) -> bytes:
    """The HTML index of a UnixFS directory (see the module docstring)."""
    base = f"/ipfs/{_seg(root)}"
    crumbs = [f'<a href="{base}">{escape(root)}</a>']
    encoded = [_seg(segment) for segment in segments]
    here = "/".join([base, *encoded])
    for index, segment in enumerate(segments):
        if _CRUMBS_EACH_END <= index < len(segments) - _CRUMBS_EACH_END:
            if index == _CRUMBS_EACH_END:
                crumbs.append("\u2026")
            continue
        href = "/".join([base, *encoded[: index + 1]])
        crumbs.append(f'<a href="{escape(href)}">{escape(segment)}</a>')
    rows: list[str] = []
    if segments:
        rows.append(f'<tr><td><a href="{escape(here)}/..">..</a></td><td></td><td></td></tr>')
    count = 0
    for name, cid, tsize in entries:
        count += 1
        target = f"{here}/{_seg(name)}"
        cid_text = str(cid)
        # the filename parameter is the percent-encoded name, encoded again as a query value
        hash_href = f"/ipfs/{cid_text}?filename={quote(_seg(name), safe='')}"
        rows.append(
            f'<tr><td><a href="{escape(target)}">{escape(name)}</a></td>'
            f'<td><a class="ipfs-hash" translate="no" href="{escape(hash_href)}">'
            f"{escape(cid_text)}</a></td>"
            f'<td class="size" title="DAG size">{escape(_human(tsize))}</td></tr>'
        )
    title = "/ipfs/" + "/".join([root, *segments])
    body = (
        f"<h1>Index of /ipfs/{'/'.join(crumbs)}</h1>\n"
        f"<p>{count} {'entry' if count == 1 else 'entries'} &middot; "
        f'<a href="{escape(here)}/?format=car">download as CAR</a></p>\n'
        f"<table>\n{''.join(rows)}\n</table>"
    )
    return _page(title, body)


def block_preview(cid_text: str, codec_name: str, size: int) -> bytes:
    """An HTML page describing one DAG-CBOR/DAG-JSON block (see the module docstring)."""
    href = f"/ipfs/{_seg(cid_text)}"
    codec = escape(codec_name)
    body = (
        f"<h1>{codec} block</h1>\n"
        f'<p class="ipfs-hash" translate="no">{escape(cid_text)}</p>\n'
        f"<p>{size} bytes.</p>\n<ul>"
        f'<li><a href="{href}?format={codec}">download as {codec}</a></li>'
        f'<li><a href="{href}?format=raw">download the raw block</a></li>'
        f'<li><a href="{href}?format=car">download as CAR</a></li></ul>'
    )
    return _page(f"{codec_name} {cid_text}", body)


def no_site(site_name: str) -> bytes:
    """The page ``/`` shows before anything was built."""
    body = (
        f"<h1>{escape(site_name)}</h1>\n"
        "<p>There is no website to show yet.</p>\n"
        "<p>Import or write some articles, then run <code>permapress build</code> in the "
        "newsroom folder. This page is replaced by the newest site as soon as a build "
        "finishes.</p>"
    )
    return _page(site_name, body)

"""The original of an imported web page, kept as a WARC file (``media/source.warc.gz``).

    SOURCE_WARC = "source.warc.gz"
    Exchange(url, status, reason, headers, request_headers)     what the server said
    page_warc(data, *, retrieved, encoding, exchange=None, file_name=None, requested=None)
        -> Media                                                 the WARC as a media file
    legacy_warc(source_html, source_json) -> Media | None        an older bundle's pair
    records(data) -> [(type, target, warc headers, http headers, payload)]

A WARC (ISO 28500, version 1.1, each record gzipped on its own) is an archive format: no
browser runs it, and ReplayWeb.page or pywb replay it. The file holds

- a ``warcinfo`` record: the software, the format, the character encoding the page was read
  with, and the URL asked for when redirects led elsewhere;
- for a page fetched over HTTP, a ``request`` record (GET, the request headers we sent) and a
  ``response`` record (status line, the response headers, the body) for the final URL, with
  ``WARC-Date`` = the time the response arrived. The body is stored decoded (HTTP client
  libraries undo gzip/brotli), so ``Content-Encoding`` and ``Transfer-Encoding`` are dropped and
  ``Content-Length`` is the stored length: a replay tool reads exactly what the reader saw;
- for a page read from a saved file there was no HTTP exchange: one ``resource`` record whose
  target is ``file:///<file name>`` (the name only: the folder it was saved in is private),
  ``Content-Type: text/html``, and ``WARC-Date`` = the file's modification time.

The bytes are deterministic: record ids are name-based UUIDs over the record's type, target,
date and body digest, and gzip writes no time stamp, so the same page read at the same time
gives the same file (and the same CID). Bundles from before this format keep
``source.html`` + ``source.json``; ``legacy_warc`` turns such a pair into the WARC when the
article is next corrected, without touching the versions already published.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote, urlsplit

from permapress import jsonsafe
from permapress.articles.model import Media

# warcio is imported by the functions that write or read a WARC: importing a Markdown folder
# or building a site never needs it.

SOURCE_WARC: Final = "source.warc.gz"
WARC_TYPE: Final = "application/warc"
SOFTWARE: Final = "permapress"
_DROPPED: Final = frozenset({"content-encoding", "transfer-encoding", "content-length"})
Headers = Sequence[tuple[str, str]]
Record = tuple[str, str, dict[str, str], dict[str, str], bytes]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its response, as far as the archive needs them."""

    url: str  # the URL that answered (after redirects)
    status: int = 200
    reason: str = "OK"
    headers: Headers = ()  # response headers, in order
    request_headers: Headers = ()


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record_id(kind: str, target: str, date: str, data: bytes) -> str:
    name = f"{kind} {target} {date} {hashlib.sha256(data).hexdigest()}"
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}>"


def _write(
    writer: Any,
    kind: str,
    target: str,
    date: str,
    payload: bytes,
    *,
    http: Any = None,
    content_type: str = "",
    extra: dict[str, str] | None = None,
) -> str:
    record_id = _record_id(kind, target, date, payload)
    headers = {"WARC-Record-ID": record_id, "WARC-Date": date, **(extra or {})}
    if content_type:
        headers["Content-Type"] = content_type
    record = writer.create_warc_record(
        target, kind, payload=io.BytesIO(payload), length=len(payload),
        warc_headers_dict=headers, http_headers=http, warc_content_type=content_type,
    )  # fmt: skip
    writer.write_record(record)
    return record_id


def _info(writer: Any, date: str, fields: dict[str, str]) -> None:
    text = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value)
    _write(writer, "warcinfo", "", date, text.encode("utf-8"),
           content_type="application/warc-fields")  # fmt: skip


def _target_path(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def page_warc(
    data: bytes,
    *,
    retrieved: datetime,
    encoding: str,
    exchange: Exchange | None = None,
    file_name: str | None = None,
    requested: str | None = None,
) -> Media:
    """The WARC of one page; see the module docstring."""
    from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
    from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

    date = _date(retrieved)
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "encoding": encoding}
    if exchange is None:
        target = "file:///" + quote(file_name or "page.html")
        _info(writer, date, info)
        _write(writer, "resource", target, date, data, content_type="text/html")
        return Media(SOURCE_WARC, out.getvalue(), WARC_TYPE)
    if requested and requested != exchange.url:
        info["requested-url"] = requested
    _info(writer, date, info)
    kept = [(k, v) for k, v in exchange.headers if k.lower() not in _DROPPED]
    kept.append(("Content-Length", str(len(data))))
    status = f"{exchange.status} {exchange.reason or 'OK'}"
    response = StatusAndHeaders(status, kept, protocol="HTTP/1.1")
    response_id = _write(writer, "response", exchange.url, date, data, http=response,
                         content_type="application/http; msgtype=response")  # fmt: skip
    host = urlsplit(exchange.url).netloc
    sent = [(k, v) for k, v in exchange.request_headers if k.lower() != "host"]
    request = StatusAndHeaders(f"GET {_target_path(exchange.url)} HTTP/1.1",
                               [("Host", host), *sent], is_http_request=True)  # fmt: skip
    _write(writer, "request", exchange.url, date, b"", http=request,
           content_type="application/http; msgtype=request",
           extra={"WARC-Concurrent-To": response_id})  # fmt: skip
    return Media(SOURCE_WARC, out.getvalue(), WARC_TYPE)


def legacy_warc(source_html: bytes, source_json: bytes) -> Media | None:
    """The WARC for an older bundle's ``source.html`` and ``source.json`` (None when the JSON
    cannot be read: the caller keeps the pair as it was)."""
    try:
        meta = jsonsafe.loads(source_json.decode("utf-8"))
        retrieved = datetime.fromisoformat(str(meta["retrieved"]))
    except (ValueError, KeyError, TypeError):  # bad UTF-8 and absurd nesting are ValueErrors
        return None
    if not isinstance(meta, dict) or retrieved.tzinfo is None:
        return None
    encoding = str(meta.get("encoding") or "utf-8")
    final = meta.get("final_url") or meta.get("url")
    if isinstance(final, str) and final.startswith(("http://", "https://")):
        content_type = f"text/html; charset={encoding}"
        exchange = Exchange(url=final, headers=(("Content-Type", content_type),))
        requested = meta.get("url") if isinstance(meta.get("url"), str) else None
        return page_warc(source_html, retrieved=retrieved, encoding=encoding,
                         exchange=exchange, requested=requested)  # fmt: skip
    return page_warc(source_html, retrieved=retrieved, encoding=encoding)


def records(data: bytes) -> list[Record]:
    """Every record of a WARC: (type, target URI, WARC headers, HTTP headers, payload)."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    found: list[Record] = []
    for record in ArchiveIterator(io.BytesIO(data)):
        warc = {k: v for k, v in record.rec_headers.headers}
        http = {k: v for k, v in record.http_headers.headers} if record.http_headers else {}
        if record.http_headers is not None:
            http[":status"] = record.http_headers.statusline
        target = record.rec_headers.get_header("WARC-Target-URI") or ""
        found.append((record.rec_type, target, warc, http, record.content_stream().read()))
    return found

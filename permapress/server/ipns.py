"""``/ipns/{name}``: the newsroom's IPNS records, served by our own gateway.

    IpnsGateway(records).handle(request) -> Response
        ``records(name)`` gives the newest record of a name or None; the newsroom passes
        ``publish.state.ipns_lookup(catalog_path)``

- ``GET /ipns/{name}?format=ipns-record`` (or ``Accept: application/vnd.ipfs.ipns-record``):
  the signed record bytes as they were published, ``application/vnd.ipfs.ipns-record``, so
  anyone can verify it against the name (IPFS Trustless Gateway spec).
- ``GET /ipns/{name}[/path]``: the record is verified (signature, V1/V2 agreement, expiry) and
  the request is redirected (302) to ``/ipfs/{cid}[/path]`` of the site root it names, which
  the path gateway then serves. A record that does not verify is ``502``: the name exists but
  cannot be trusted.
- A name in another spelling (peer ID ``12D3Koo…``, base32 CID) is redirected (301) to the
  canonical ``k51…`` form. A name this server holds no record for is ``404``; DNSLink names
  (domains) are not resolved here (``404`` saying so); a name longer than any CID is refused
  before it is decoded.
Nothing here writes; records only ever come from ``records(name)``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from permapress.errors import FormatError
from permapress.ipfs.cid import MAX_CID_TEXT
from permapress.publish.ipns import CONTENT_TYPE, IpnsRecordError, verify_record
from permapress.publish.names import IpnsName, parse_name

Records = Callable[[str], bytes | None]


def _wants_record(request: Request) -> bool:
    if request.query_params.get("format") == "ipns-record":
        return True
    return CONTENT_TYPE in request.headers.get("accept", "")


class IpnsGateway:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def handle(self, request: Request) -> Response:
        rest = request.path_params.get("rest", "")
        text, slash, path = rest.partition("/")
        try:
            if len(text) > MAX_CID_TEXT:  # refused before any base decoding
                raise FormatError("too long")
            name: IpnsName = parse_name(text)
        except FormatError:
            shown = text if len(text) <= 100 else f"{text[:60]}…({len(text)} chars)"
            return PlainTextResponse(
                f"{shown!r} is not an IPNS key name; this gateway serves only its newsroom's "
                "names (DNSLink names are not resolved here)",
                status_code=404,
            )
        canonical = str(name)
        query = f"?{request.url.query}" if request.url.query else ""
        if text != canonical:
            location = f"/ipns/{canonical}{slash}{quote(path)}{query}"
            return RedirectResponse(location, status_code=301)
        record = self._records(canonical)
        if record is None:
            return PlainTextResponse(f"no IPNS record for {canonical} here", status_code=404)
        if _wants_record(request):
            if path:
                return PlainTextResponse("format=ipns-record takes no path", status_code=400)
            return Response(
                record,
                media_type=CONTENT_TYPE,
                headers={
                    "Content-Disposition": f'attachment; filename="{canonical}.ipns-record"',
                    "X-Content-Type-Options": "nosniff",
                    "Cache-Control": "public, max-age=60",
                    "Vary": "Accept",
                },
            )
        try:
            verified = verify_record(name, record)
        except IpnsRecordError as exc:
            return PlainTextResponse(f"IPNS record does not verify: {exc}", status_code=502)
        target = verified.value.rstrip("/")
        location = f"{target}{slash}{quote(path)}{query}" if slash else f"{target}/{query}"
        max_age = max(0, min(verified.ttl_ns // 1_000_000_000, 3600))
        return RedirectResponse(
            location, status_code=302, headers={"Cache-Control": f"public, max-age={max_age}"}
        )

"""Which representation a gateway request asks for: ``?format=``, ``Accept`` and CAR parameters.

Pure functions over request values (strings in, frozen values out), no I/O.

    negotiate(format_param, accept, query) -> Wanted
        kind      "default" (deserialized UnixFS / native block), "raw", "car", "tar",
                  "dag-json", "dag-cbor", "json", "cbor", "ipns-record" or "html"
        explicit  True when it came from ``?format=`` (then no Content-Location is needed)
        car       CarOptions(order, dups) for CAR requests, else None

Rules (IPFS path and trustless gateway specs, IPIP-0412 and IPIP-0523):

- ``?format=`` wins over ``Accept``; an unknown ``format`` value is a ``GatewayError(400)``.
- ``Accept`` is read as a list of media ranges ordered by ``q`` (stable for ties); the first one
  we can answer wins. Browsers' ``text/html, */*`` lists give "default".
- CAR: only version 1 exists; ``order`` is ``dfs`` (``unk`` or missing is answered with ``dfs``),
  ``dups`` is ``y`` or ``n`` (missing means ``n``). ``car-version``, ``car-order`` and ``car-dups``
  query parameters override the ``Accept`` parameters. A CAR variant we cannot produce (version 2,
  an unknown order) is skipped in ``Accept``; asked for in the query it is a ``GatewayError(400)``.

    parse_dag_scope(text) -> "all" | "entity" | "block"          (GatewayError 400 otherwise)
    parse_entity_bytes(text) -> EntityBytes(start, end)          ``from:to``, negatives and ``*``
    EntityBytes.resolve(size) -> (start, end_exclusive) | None   None: zero-length or outside
    parse_range(header, size) -> ByteRange | None | "unsatisfiable"
    etag_matches(if_none_match, etag) -> bool                    weak comparison, ``*``, lists

Numbers are read with a length limit (``MAX_DIGITS``, enough for any offset a file can have):
a longer ``entity-bytes`` offset is a 400, a longer ``Range`` position lies past the end of any
file (416); converting thousands of digits never happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from permapress.errors import GatewayError

Kind = Literal[
    "default", "raw", "car", "tar", "dag-json", "dag-cbor", "json", "cbor", "ipns-record", "html"
]
Scope = Literal["all", "entity", "block"]

MAX_DIGITS: Final = 19

FORMATS: Final[dict[str, Kind]] = {
    "raw": "raw",
    "car": "car",
    "tar": "tar",
    "dag-json": "dag-json",
    "dag-cbor": "dag-cbor",
    "json": "json",
    "cbor": "cbor",
    "ipns-record": "ipns-record",
}
MEDIA_TYPES: Final[dict[str, Kind]] = {
    "application/vnd.ipld.raw": "raw",
    "application/vnd.ipld.car": "car",
    "application/x-tar": "tar",
    "application/vnd.ipld.dag-json": "dag-json",
    "application/vnd.ipld.dag-cbor": "dag-cbor",
    "application/json": "json",
    "application/cbor": "cbor",
    "application/vnd.ipfs.ipns-record": "ipns-record",
    "text/html": "html",
}
KIND_MEDIA_TYPES: Final[dict[Kind, str]] = {kind: media for media, kind in MEDIA_TYPES.items()}


@dataclass(frozen=True, slots=True)
class CarOptions:
    """The CAR variant to send: always CARv1 in DFS order; ``dups`` says if repeats are sent."""

    dups: bool = False
    order: Literal["dfs"] = "dfs"

    @property
    def media_type(self) -> str:
        return f"application/vnd.ipld.car; version=1; order=dfs; dups={'y' if self.dups else 'n'}"


@dataclass(frozen=True, slots=True)
class Wanted:
    kind: Kind
    explicit: bool = False
    car: CarOptions | None = None


@dataclass(frozen=True, slots=True)
class MediaRange:
    media_type: str
    params: tuple[tuple[str, str], ...]
    q: float

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None


def parse_accept(accept: str) -> list[MediaRange]:
    """Media ranges of an ``Accept`` header, highest ``q`` first (ties keep header order)."""
    ranges: list[tuple[float, int, MediaRange]] = []
    for index, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if not media:
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for part in parts[1:]:
            key, sep, value = part.partition("=")
            if not sep:
                continue
            key = key.strip().lower()
            value = value.strip().strip('"')
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            else:
                params.append((key, value.lower()))
        if q > 0:
            ranges.append((-q, index, MediaRange(media, tuple(params), q)))
    ranges.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry[2] for entry in ranges]


def _car_from(
    version: str | None, order: str | None, dups: str | None
) -> CarOptions | None:
    """CarOptions for these parameter values, or None when we cannot produce that variant."""
    if version not in (None, "", "1"):
        return None
    if order not in (None, "", "dfs", "unk"):
        return None
    if dups not in (None, "", "y", "n"):
        return None
    return CarOptions(dups=dups == "y")


def negotiate(
    format_param: str | None, accept: str | None, query: Mapping[str, str] | None = None
) -> Wanted:
    """Decide the response kind; see the module docstring for the rules."""
    query = query or {}
    accepted = parse_accept(accept) if accept else []
    car_accept = next((r for r in accepted if r.media_type == "application/vnd.ipld.car"), None)
    if format_param is not None and format_param != "":
        kind = FORMATS.get(format_param.lower())
        if kind is None:
            raise GatewayError(
                400,
                f"unknown format {format_param!r}: use one of {', '.join(sorted(FORMATS))}",
            )
        car = None
        if kind == "car":
            car = _car_params(query, car_accept)
        return Wanted(kind, explicit=True, car=car)
    for media_range in accepted:
        kind = MEDIA_TYPES.get(media_range.media_type)
        if kind is None:
            if media_range.media_type in ("*/*", "text/*", "application/xhtml+xml"):
                return Wanted("default")
            continue
        if kind == "car":
            options = _car_from(
                media_range.param("version"), media_range.param("order"), media_range.param("dups")
            )
            if options is None:
                continue
            return Wanted("car", car=_car_params(query, media_range))
        if kind == "html":
            return Wanted("html")
        return Wanted(kind)
    return Wanted("default")


def _car_params(query: Mapping[str, str], accept_range: MediaRange | None) -> CarOptions:
    """CAR options from ``car-*`` query parameters, falling back to the Accept parameters."""
    version = accept_range.param("version") if accept_range else None
    order = accept_range.param("order") if accept_range else None
    dups = accept_range.param("dups") if accept_range else None
    fallback = _car_from(version, order, dups) or CarOptions()
    q_version = query.get("car-version")
    q_order = query.get("car-order")
    q_dups = query.get("car-dups")
    if q_version is None and q_order is None and q_dups is None:
        return fallback
    options = _car_from(
        q_version.lower() if q_version is not None else None,
        q_order.lower() if q_order is not None else None,
        q_dups.lower() if q_dups is not None else ("y" if fallback.dups else "n"),
    )
    if options is None:
        raise GatewayError(
            400,
            "unsupported CAR parameters "
            f"car-version={q_version!r} car-order={q_order!r} car-dups={q_dups!r}: "
            "this gateway sends CARv1 (car-version=1) in order dfs with car-dups y or n",
        )
    return options


# --- dag-scope and entity-bytes ---------------------------------------------------------------


def parse_dag_scope(text: str | None) -> Scope:
    if text is None or text == "":
        return "all"
    if text in ("all", "entity", "block"):
        return text  # type: ignore[return-value]
    raise GatewayError(400, f"invalid dag-scope {text!r}: use block, entity or all")


@dataclass(frozen=True, slots=True)
class EntityBytes:
    """``entity-bytes=from:to``: inclusive offsets, negative from the end; ``to`` None is ``*``."""

    start: int
    end: int | None

    def resolve(self, size: int) -> tuple[int, int] | None:
        """``(start, end_exclusive)`` clipped to the entity, or None for an empty range."""
        start = self.start if self.start >= 0 else max(size + self.start, 0)
        if self.end is None:
            last = size - 1
        elif self.end < 0:
            last = size + self.end
        else:
            last = min(self.end, size - 1)
        if start >= size or last < start:
            return None
        return start, last + 1

    @property
    def text(self) -> str:
        return f"{self.start}:{'*' if self.end is None else self.end}"


def _offset(text: str, what: str, whole: str) -> int:
    body = text[1:] if text.startswith("-") else text
    if not body.isdigit() or not body.isascii() or len(body) > MAX_DIGITS:
        shown = whole if len(whole) <= 64 else whole[:61] + "..."
        raise GatewayError(
            400,
            f"invalid entity-bytes {shown!r}: {what} must be an integer of at most "
            f"{MAX_DIGITS} digits, e.g. 0:1023 or -512:*",
        )
    return int(text)


def parse_entity_bytes(text: str) -> EntityBytes:
    start_text, sep, end_text = text.partition(":")
    if not sep:
        shown = text if len(text) <= 64 else text[:61] + "..."
        raise GatewayError(400, f"invalid entity-bytes {shown!r}: write from:to, e.g. 0:1023")
    start = _offset(start_text, "from", text)
    end = None if end_text == "*" else _offset(end_text, "to", text)
    if end is not None and 0 <= end < start:
        raise GatewayError(
            400, f"invalid entity-bytes {text!r}: the range ends before it starts"
        )
    return EntityBytes(start, end)


# --- HTTP Range -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # exclusive

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None | Literal["unsatisfiable"]:
    """The first range of a ``Range: bytes=…`` header clipped to ``size``.

    None means "serve the whole entity" (no header, another unit, or a malformed value, which
    RFC 9110 says to ignore); "unsatisfiable" means 416.
    """
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    first = spec.split(",")[0].strip()
    start_text, dash, end_text = first.partition("-")
    start_text, end_text = start_text.strip(), end_text.strip()
    if not dash or not (start_text or end_text):
        return None
    if not all(t.isdigit() and t.isascii() for t in (start_text, end_text) if t):
        return None
    if len(start_text) > MAX_DIGITS:
        return "unsatisfiable"  # past the end of any file
    if len(end_text) > MAX_DIGITS:
        end_text = "" if start_text else str(size)  # to the end / the whole file
    if not start_text:
        suffix = int(end_text)
        if suffix == 0:
            return "unsatisfiable"
        return ByteRange(max(size - suffix, 0), size) if size else "unsatisfiable"
    start = int(start_text)
    if end_text and int(end_text) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    end = min(int(end_text) + 1, size) if end_text else size
    return ByteRange(start, end)


# --- conditional requests ---------------------------------------------------------------------


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list against our ``etag`` (quoted)."""
    if not if_none_match:
        return False
    ours = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False

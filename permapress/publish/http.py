"""One HTTP client per target: authentication, retries with backoff, bounded answers, one-line
errors.

    client = TargetClient(target, token)
    client.request(method, path, params=…, json=…, body=factory, headers=…) -> httpx.Response
    client.read_json(response, what) -> object      the answer as JSON, or TargetRejected
    shown(text) -> str                               a node's text made safe to print on one line

``body`` is a *factory* returning the byte chunks to send, so a streamed upload can be sent
again on retry. Failures become the ``permapress.publish.errors`` classes:

    connection refused / DNS / TLS     TargetUnreachable   retried
    connection cut mid-request         TargetUnreachable   retried (a half-finished upload is
                                                           sent again)
    no answer within target.timeout    TargetTimeout       retried
    answer not complete within         TargetTimeout       retried
      2 × target.timeout of the
      request being sent
    401, 403                           TokenRefused        not retried
    429, 502, 503, 504, other 500      TargetRejected      retried
    500 carrying a Kubo command error  TargetRejected      not retried (the node said no)
    any other 4xx                      TargetRejected      not retried
    a redirect (3xx)                   TargetRejected      not retried, never followed
    an answer over ``max_body`` bytes  TargetRejected      not retried (read no further)
    a compressed answer, not HTTP      TargetRejected      not retried

Every answer is read in full before it is returned, at most ``max_body`` bytes (8 MiB unless the
call says otherwise), and must arrive whole within ``2 × target.timeout`` seconds of the request
being sent (the upload itself is not counted): a node that trickles bytes forever is cut off by
a watchdog that shuts the connection. Each request uses a fresh connection.

Retries: ``target.retries`` more attempts, waiting ``backoff`` seconds, doubling, at most 30 s.
The token is sent only in the Authorization header and scrubbed from any message; text a node
sends is shown on one line, control characters escaped, at most 200 characters.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx

from permapress import jsonsafe
from permapress.publish.errors import (
    PublishError,
    TargetRejected,
    TargetTimeout,
    TargetUnreachable,
    TokenRefused,
)
from permapress.publish.targets import Target
from permapress.watchdog import Watchdog

BodyFactory = Callable[[], Iterable[bytes]]
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_DELAY = 30.0
MAX_BODY = 8 << 20
SHOWN = 200


def shown(text: str, limit: int = SHOWN) -> str:
    """``text`` from a node, safe to print: one line, control characters escaped, trimmed."""
    out: list[str] = []
    size = 0
    for ch in text:
        piece = ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        size += len(piece)
        if size > limit:
            out.append("…")
            break
        out.append(piece)
    return "".join(out)


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def parse_json(data: bytes | str) -> Any:
    """JSON, or ValueError for anything else (bad UTF-8, absurd nesting included)."""
    return jsonsafe.loads(data)


def error_detail(response: httpx.Response) -> str:
    """The error message inside a Kubo, Pinning Service or Cluster error body, if any."""
    try:
        data = parse_json(response.content)
    except ValueError:
        text = response.content.decode("utf-8", "replace").strip().splitlines()
        return shown(text[0]) if text else response.reason_phrase
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            reason, details = inner.get("reason", ""), inner.get("details", "")
            return shown(f"{reason}: {details}".strip(": "))
        for key in ("Message", "message"):
            if isinstance(data.get(key), str):
                return shown(str(data[key]))
    return response.reason_phrase


class TargetClient:
    """HTTP access to one target; use as a context manager or call ``close``."""

    def __init__(
        self,
        target: Target,
        token: str | None,
        *,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self._token = token
        self._backoff = backoff
        self._sleep = sleep
        headers = {"User-Agent": "permapress", "Accept-Encoding": "identity"}
        if token is not None:
            if target.auth == "basic":
                headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
            else:
                headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=target.url,
            headers=headers,
            timeout=httpx.Timeout(target.timeout, connect=min(10.0, target.timeout)),
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clean(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def _secret_hint(self) -> str:
        if self.target.token_env:
            return f"check the token in ${self.target.token_env}"
        if self.target.token_file:
            return f"check the token in {self.target.token_file}"
        return "this target needs a token: set token_env or token_file"

    def read_json(self, response: httpx.Response, what: str) -> Any:
        """The answer as JSON; anything else is one ``TargetRejected`` line naming ``what``."""
        try:
            return parse_json(response.content)
        except ValueError:
            raise TargetRejected(
                self.target.name,
                f"{what} did not answer with JSON (it began '{shown(response.text, 60)}'); "
                "is the url the right kind of service?",
            ) from None

    def _failure(self, response: httpx.Response) -> PublishError:
        code = response.status_code
        name = self.target.name
        detail = self._clean(error_detail(response))
        path = shown(response.request.url.path, 80)
        if 300 <= code < 400:
            location = shown(self._clean(response.headers.get("Location", "nowhere")), 120)
            return TargetRejected(
                name,
                f"{self.target.url} answered {path} with a redirect (HTTP {code}) to {location}; "
                "redirects are not followed: set `url` to the service's own address",
            )
        if code in (401, 403):
            return TokenRefused(
                name,
                f"{self.target.url} refused the token (HTTP {code}: {detail}); "
                f"{self._secret_hint()}",
            )
        kubo_error = False
        if code == 500:
            try:
                body = parse_json(response.content)
                kubo_error = isinstance(body, dict) and body.get("Type") == "error"
            except ValueError:
                pass
        retryable = code in RETRYABLE_STATUS and not kubo_error
        return TargetRejected(name, f"HTTP {code} from {path}: {detail}", retryable=retryable)

    def _read(
        self, response: httpx.Response, watchdog: Watchdog, max_body: int
    ) -> httpx.Response:
        """The whole answer (at most ``max_body`` bytes) as a response one can read again."""
        name = self.target.name
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise TargetRejected(
                name,
                f"{self.target.url} sent a {shown(encoding, 40)}-compressed answer although "
                "permapress asked for none",
            )
        data = bytearray()
        for chunk in response.iter_raw():
            if watchdog.fired:
                raise httpx.ReadTimeout("the answer took too long", request=response.request)
            data += chunk
            if len(data) > max_body:
                raise TargetRejected(
                    name,
                    f"{self.target.url} sent more than {_size(max_body)} in answer to "
                    f"{shown(response.request.url.path, 80)}; stopped reading "
                    "(is the url a Kubo RPC API, a pinning service or a cluster?)",
                )
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=bytes(data), request=response.request
        )

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json: Any,
        body: BodyFactory | None,
        headers: Mapping[str, str] | None,
        max_body: int,
    ) -> httpx.Response:
        watchdog = Watchdog(2 * self.target.timeout)

        def upload(chunks: Iterable[bytes]) -> Iterator[bytes]:
            yield from chunks
            watchdog.arm()

        content = upload(body()) if body is not None else None
        request = self._client.build_request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            extensions={"trace": watchdog.trace},
        )
        if content is None:
            watchdog.arm()
        try:
            response = self._client.send(request, stream=True)
            try:
                return self._read(response, watchdog, max_body)
            finally:
                response.close()
        except (httpx.TransportError, TargetRejected):
            if watchdog.fired:
                raise TargetTimeout(
                    self.target.name,
                    f"{self.target.url} did not finish answering within "
                    f"{2 * self.target.timeout:g} s; raise `timeout` for this target or try later",
                ) from None
            raise
        finally:
            watchdog.cancel()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        body: BodyFactory | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        max_body: int = MAX_BODY,
    ) -> httpx.Response:
        attempts = self.target.retries + 1 if retry else 1
        delay = self._backoff
        name = self.target.name
        for attempt in range(attempts):
            error: PublishError
            try:
                response = self._send(method, path, params, json, body, headers, max_body)
            except httpx.ConnectError as exc:
                error = TargetUnreachable(
                    name,
                    f"cannot reach {self.target.url} "
                    f"({shown(self._clean(str(exc))) or 'connection refused'}); "
                    "is it running and is the url right?",
                )
            except httpx.TimeoutException:
                error = TargetTimeout(
                    name,
                    f"{self.target.url} did not answer within {self.target.timeout:g} s; "
                    "raise `timeout` for this target or try later",
                )
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                error = TargetUnreachable(
                    name,
                    f"the connection to {self.target.url} broke off mid-request "
                    f"({shown(self._clean(str(exc))) or type(exc).__name__}); "
                    "the upload is incomplete and will be sent again",
                )
            except httpx.HTTPError as exc:
                error = TargetRejected(
                    name,
                    f"{self.target.url} did not answer with valid HTTP "
                    f"({shown(self._clean(str(exc))) or type(exc).__name__})",
                )
            except TargetTimeout as exc:
                error = exc
            else:
                if response.status_code < 300:
                    return response
                error = self._failure(response)
            if not error.retryable or attempt == attempts - 1:
                raise error
            self._sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
        raise AssertionError("unreachable")

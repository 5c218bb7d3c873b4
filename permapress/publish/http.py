"""One HTTP client per target: authentication, retries with backoff, one-line errors.

    client = TargetClient(target, token)
    client.request(method, path, params=…, json=…, body=factory, headers=…) -> httpx.Response

``body`` is a *factory* returning the byte chunks to send, so a streamed upload can be sent
again on retry. Failures become the ``permapress.publish.errors`` classes:

    connection refused / DNS / TLS     TargetUnreachable   retried
    connection cut mid-request         TargetUnreachable   retried (a half-finished upload is
                                                           sent again)
    no answer within target.timeout    TargetTimeout       retried
    401, 403                           TokenRefused        not retried
    429, 502, 503, 504, other 500      TargetRejected      retried
    500 carrying a Kubo command error  TargetRejected      not retried (the node said no)
    any other 4xx                      TargetRejected      not retried

Retries: ``target.retries`` more attempts, waiting ``backoff`` seconds, doubling, at most 30 s.
The token is sent only in the Authorization header and scrubbed from any message.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from permapress.publish.errors import (
    PublishError,
    TargetRejected,
    TargetTimeout,
    TargetUnreachable,
    TokenRefused,
)
from permapress.publish.targets import Target

BodyFactory = Callable[[], Iterable[bytes]]
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_DELAY = 30.0


def error_detail(response: httpx.Response) -> str:
    """The error message inside a Kubo, Pinning Service or Cluster error body, if any."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:200] if text else response.reason_phrase
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            reason, details = inner.get("reason", ""), inner.get("details", "")
            return f"{reason}: {details}".strip(": ")[:200]
        for key in ("Message", "message"):
            if isinstance(data.get(key), str):
                return str(data[key])[:200]
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
        headers = {"User-Agent": "permapress"}
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

    def _failure(self, response: httpx.Response) -> PublishError:
        code = response.status_code
        name = self.target.name
        detail = self._clean(error_detail(response))
        if code in (401, 403):
            return TokenRefused(
                name,
                f"{self.target.url} refused the token (HTTP {code}: {detail}); "
                f"{self._secret_hint()}",
            )
        kubo_error = False
        if code == 500:
            try:
                body = response.json()
                kubo_error = isinstance(body, dict) and body.get("Type") == "error"
            except ValueError:
                pass
        retryable = code in RETRYABLE_STATUS and not kubo_error
        return TargetRejected(
            name, f"HTTP {code} from {response.request.url.path}: {detail}", retryable=retryable
        )

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
    ) -> httpx.Response:
        attempts = self.target.retries + 1 if retry else 1
        delay = self._backoff
        name = self.target.name
        for attempt in range(attempts):
            error: PublishError
            try:
                response = self._client.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=body() if body is not None else None,
                    headers=headers,
                )
            except httpx.ConnectError as exc:
                error = TargetUnreachable(
                    name,
                    f"cannot reach {self.target.url} "
                    f"({self._clean(str(exc)) or 'connection refused'}); "
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
                    f"({self._clean(str(exc)) or type(exc).__name__}); "
                    "the upload is incomplete and will be sent again",
                )
            else:
                if response.status_code < 400:
                    return response
                error = self._failure(response)
            if not error.retryable or attempt == attempts - 1:
                raise error
            self._sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
        raise AssertionError("unreachable")

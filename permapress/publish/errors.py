"""Errors of publishing, under ``PermapressError`` (see ``permapress.errors``).

    PublishError             anything that stops a publish to one target
    ├── TargetUnreachable    connection refused, name not found, TLS failure
    ├── TargetTimeout        the node did not answer in time
    ├── TokenRefused         401/403: the token is wrong, expired or lacks the right
    ├── RootMismatch         the node reports another root CID than ours
    └── TargetRejected       any other refusal (4xx/5xx, a failed pin, a malformed answer)

``retryable`` says whether trying again later may help (unreachable, timeouts, 5xx, 429).
Messages name the target and what to do; they never contain a secret. ``str(error)`` is
``"<target>: <reason>"``; ``error.reason`` is the reason alone.
"""

from __future__ import annotations

from permapress.errors import PermapressError


class PublishError(PermapressError):
    """Publishing to one target failed; ``target`` names it."""

    retryable = False

    def __init__(self, target: str, message: str) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.reason = message


class TargetUnreachable(PublishError):
    retryable = True


class TargetTimeout(PublishError):
    retryable = True


class TokenRefused(PublishError):
    pass


class RootMismatch(PublishError):
    pass


class TargetRejected(PublishError):
    def __init__(self, target: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(target, message)
        self.retryable = retryable

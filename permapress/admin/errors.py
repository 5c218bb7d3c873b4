"""The admin's errors: each carries its HTTP status and a message a journalist can act on.

The API answers them as ``{"error": "<message>", "status": <code>, …details}``; the command
line prints the message as its one line.
"""

from __future__ import annotations

from typing import Any

from permapress.errors import PermapressError


class AdminError(PermapressError):
    """A request the admin refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.details = details

    def as_json(self) -> dict[str, Any]:
        return {"error": self.message, "status": self.status, **self.details}


def unauthorized(message: str = "sign in first (or send an API token as "
                 "'Authorization: Bearer TOKEN')", **details: Any) -> AdminError:
    return AdminError(401, message, **details)


def forbidden(message: str) -> AdminError:
    return AdminError(403, message)


def not_found(message: str) -> AdminError:
    return AdminError(404, message)


def bad_request(message: str, **details: Any) -> AdminError:
    return AdminError(400, message, **details)


def conflict(message: str, **details: Any) -> AdminError:
    return AdminError(409, message, **details)

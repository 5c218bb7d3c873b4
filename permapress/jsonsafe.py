"""JSON from outside, read without letting absurd nesting escape as ``RecursionError``.

    loads(data, **options) -> Any     ``json.loads``; ``ValueError`` for anything that is not
                                      JSON: bad UTF-8 (``UnicodeDecodeError``), bad syntax
                                      (``json.JSONDecodeError``), and nesting past Python's
                                      recursion limit (``TooDeep``)
    TooDeep                           that last case, for callers that name it on its own

Every reader of JSON that someone else wrote (request bodies, blocks, feeds, publisher files,
records) goes through ``loads``, so one ``except ValueError`` covers all it can raise.
"""

from __future__ import annotations

import json
from typing import Any


class TooDeep(ValueError):
    """JSON nested deeper than Python's recursion limit lets ``json.loads`` read."""


def loads(data: bytes | str, **options: Any) -> Any:
    """``json.loads(data, **options)``; ``TooDeep`` (a ``ValueError``) for absurd nesting."""
    try:
        return json.loads(data, **options)
    except RecursionError:
        raise TooDeep("JSON nested too deeply") from None

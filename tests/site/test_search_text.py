"""search.py's plain text of an article: the same words the regular expressions leave."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from permapress.site.search import _plain

LINK = re.compile(r"\]\([^)]*\)|<[^>]*>|https?://\S+")
MARKUP = re.compile(r"[#*_>`\[\]|]+")
PIECES = ["a", "é", " ", "\n", "#", "*", "_", ">", "`", "[", "]", "|", "(", ")", "<", "://",
          "https://x.example/a", "](", "\u00a0", "\u3000"]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES)).map("".join), st.booleans())
def test_plain_text_drops_links_and_markup(text: str, linked: bool) -> None:
    expected = " ".join(MARKUP.sub(" ", LINK.sub(" ", text) if linked else text).split())
    assert _plain(text, linked) == expected

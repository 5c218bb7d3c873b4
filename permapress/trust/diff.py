"""A readable word-level diff between two versions of an article: pure, text in, pieces out.

    word_diff(old, new) -> tuple[Piece, ...]     each piece "same", "ins" or "del" text
    diff_html(pieces) -> str                     <ins>/<del> around changes, everything escaped
    article_text(headline, body) -> str          what is compared: the headline, a blank line,
                                                 the Markdown body

Words are compared without their surrounding whitespace (a re-wrapped paragraph is not a
change), and shown with the whitespace of the side they come from, so the output keeps the
text's paragraphs. Runs of the same kind are merged, deletions before insertions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape
from typing import Literal

_TOKEN = re.compile(r"\s*\S+|\s+$")


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Literal["same", "ins", "del"]
    text: str


def article_text(headline: str, body: str) -> str:
    return f"{headline}\n\n{body.strip()}\n"


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                                      autojunk=False)
    pieces: list[Piece] = []

    def add(kind: Literal["same", "ins", "del"], tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = b[j1:j2]
            if not same[0][:1].isspace() and a[i1][:1].isspace():
                same = [a[i1], *same[1:]]  # keep the space after a deleted first word
            add("same", same)
        if op in ("delete", "replace"):
            add("del", a[i1:i2])
        if op in ("insert", "replace"):
            add("ins", b[j1:j2])
    return tuple(pieces)


def diff_html(pieces: tuple[Piece, ...]) -> str:
    out = []
    for i, piece in enumerate(pieces):
        text = escape(piece.text, quote=False)
        if piece.kind == "ins" and i and pieces[i - 1].kind == "del" and not text[:1].isspace():
            text = " " + text  # a replaced first word: keep old and new apart
        if piece.kind == "same":
            out.append(text)
        else:
            # keep the leading whitespace outside the mark, so only words are highlighted
            stripped = text.lstrip()
            lead = text[: len(text) - len(stripped)]
            out.append(f"{lead}<{piece.kind}>{stripped}</{piece.kind}>")
    return "".join(out)


def changed_words(pieces: tuple[Piece, ...]) -> tuple[int, int]:
    """(words inserted, words deleted)."""
    ins = sum(len(p.text.split()) for p in pieces if p.kind == "ins")
    dele = sum(len(p.text.split()) for p in pieces if p.kind == "del")
    return ins, dele

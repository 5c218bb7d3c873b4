"""Word-level diffs between versions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permapress.trust.diff import Piece, article_text, changed_words, diff_html, word_diff


def test_changed_words_are_marked_and_the_rest_kept() -> None:
    pieces = word_diff("The council voted 7 to 2.", "The council voted 6 to 2.")
    assert pieces == (
        Piece("same", "The council voted"),
        Piece("del", " 7"),
        Piece("ins", " 6"),
        Piece("same", " to 2."),
    )
    assert diff_html(pieces) == "The council voted <del>7</del> <ins>6</ins> to 2."
    assert changed_words(pieces) == (1, 1)


def test_rewrapping_is_not_a_change() -> None:
    pieces = word_diff("one two\nthree four", "one two three\nfour")
    assert [p.kind for p in pieces] == ["same"]
    assert pieces[0].text == "one two three\nfour"


def test_markup_is_escaped() -> None:
    html = diff_html(word_diff("safe", "safe <script>alert(1)</script> & more"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_article_text_puts_the_headline_first() -> None:
    assert article_text("Head", "\n\nBody.\n") == "Head\n\nBody.\n"


words = st.lists(st.sampled_from(["a", "b", "c", "the", "vote", "7", "\n\n"]), max_size=40)


@given(words, words)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_both_sides_can_be_rebuilt_from_the_pieces(old: list[str], new: list[str]) -> None:
    a, b = " ".join(old), " ".join(new)
    pieces = word_diff(a, b)
    rebuilt_new = "".join(p.text for p in pieces if p.kind != "del")
    rebuilt_old = "".join(p.text for p in pieces if p.kind != "ins")
    assert rebuilt_new.split() == b.split()
    assert rebuilt_old.split() == a.split()

"""frontmatter.py: splitting, the text-preserving YAML loader, TOML, field readers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from permapress.articles import frontmatter
from permapress.errors import ArticleError


def test_yaml_scalars_stay_text() -> None:
    meta, body, line = frontmatter.split(
        "---\nTitle: 1.10\ndate: 2025-07-08\nlang: no\ndraft: yes\nempty:\ntags: [on, 007]\n"
        "...\nBody\n",
        "x.md",
    )
    assert meta == {
        "title": "1.10", "date": "2025-07-08", "lang": "no", "draft": "yes", "empty": None,
        "tags": ["on", "007"],
    }  # fmt: skip
    assert body == "Body\n"
    assert line == 9


def test_toml_keeps_its_types() -> None:
    meta, body, _ = frontmatter.split('+++\ndate = 2025-07-08T10:00:00Z\nn = 3\n+++\nB', "x.md")
    assert meta == {"date": datetime(2025, 7, 8, 10, tzinfo=UTC), "n": 3}
    assert body == "B"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\n!!python/object:os.system x\n---\n", "not valid YAML"),
        ("---\na: *undefined\n---\n", "not valid YAML"),
        ("---\n- list\n---\n", "must be 'key: value' lines"),
        ("---\njust text\n---\n", "must be 'key: value' lines"),
        ("+++\n= broken\n+++\n", "not valid TOML"),
        ("+++\ntitle = 'x'\n", "never closed"),
    ],
)
def test_split_errors(text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        frontmatter.split(text, "x.md")


def test_empty_front_matter_is_an_empty_mapping() -> None:
    assert frontmatter.split("---\n---\nBody", "x.md")[0] == {}


def test_field_readers() -> None:
    assert frontmatter.first({"a": "", "b": None, "c": "x"}, "a", "b", "c") == ("c", "x")
    assert frontmatter.first({}, "a") == ("", None)
    assert frontmatter.text(3, "k", "x.md") == "3"
    assert frontmatter.text({"name": "Jane"}, "k", "x.md") == "Jane"
    assert frontmatter.text_list("a, b,,c", "k", "x.md") == ["a", "b", "c"]
    assert frontmatter.text_list("a, b", "k", "x.md", commas=False) == ["a, b"]
    assert frontmatter.text_list(["a", None, "", 2], "k", "x.md") == ["a", "2"]
    assert frontmatter.flag("Off", "k", "x.md") is False
    assert frontmatter.filename_date("2025-07-08-title.md") == "2025-07-08"
    assert frontmatter.filename_date("title.md") is None
    with pytest.raises(ArticleError, match="'k' must be text, not a mapping"):
        frontmatter.text({"other": 1}, "k", "x.md")
    with pytest.raises(ArticleError, match="'k' must be true or false"):
        frontmatter.flag("perhaps", "k", "x.md")


def _yaml_text(block: str) -> object:
    """What the YAML loader itself makes of ``block`` (an exception's type when it refuses)."""
    import yaml

    try:
        return yaml.load(block, Loader=frontmatter.text_loader())
    except yaml.YAMLError as exc:
        return type(exc)


def test_simple_front_matter_is_read_as_yaml_reads_it() -> None:
    import random

    keys = ["title", "Title", "date", "tags", "null", "_x", "a-b", "y", "~", "k y", " title"]
    values = [
        "", " ", "plain text", "Café au lait", "2025-07-08T10:00:00Z", "1.10", "no", "~", "null",
        "NULL", "nULL", '"quoted: # text"', "'single'", "'it''s'", '"esc\\"aped"', "a: b", "a:",
        "a #c", "a#b", "[]", "[a, b]", "[ a ,b ]", "[a,,b]", '["x, y", z]', "['q', \"r\"]",
        "[a: b]", "[[a]]", "[a] b", "-1", "- item", "|", ">-", "&anchor x", "*alias", "!!str 1",
        "it's", 'say "hi"', "x, y", "{a: b}", "tab\there", "nbsp\xa0here", "% off", "@me", "`t`",
        "?q", "[~, null]", "東京", "5:30", "a  b", "'", '"', "[a, 'b, c']",
    ]  # fmt: skip
    rng = random.Random(12)
    checked = 0
    for _ in range(4000):
        lines = []
        for _ in range(rng.randint(0, 4)):
            line = f"{rng.choice(keys)}:{rng.choice(['', ' ', '  '])}{rng.choice(values)}"
            lines.append(rng.choice([line, line, line + "  ", "# a comment", "", "  - x", "  y"]))
        block = "\n".join(lines)
        simple = frontmatter.simple_yaml(block)
        if simple is not None:
            checked += 1
            assert simple == (_yaml_text(block) or {}), block
    assert checked > 500  # the short way answers for many blocks, and exactly as YAML

"""media.py: image types from bytes, local references, collecting files into Media."""

from __future__ import annotations

from pathlib import Path

import pytest

from permapress.articles.media import MediaCollector, image_type, is_local_reference
from permapress.errors import ArticleError

from .conftest import GIF, JPEG, PNG


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (GIF, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "image/avif"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_image_type(data: bytes, media_type: str | None) -> None:
    assert image_type(data) == media_type


@pytest.mark.parametrize(
    ("ref", "local"),
    [
        ("img/a.jpg", True),
        ("./a.jpg", True),
        ("../shared/a.jpg", True),
        ("a%20b.jpg", True),
        ("https://x.example/a.jpg", False),
        ("//cdn.example/a.jpg", False),
        ("/static/a.jpg", False),
        ("#anchor", False),
        ("data:image/png;base64,AAAA", False),
        ("mailto:x@y.example", False),
        ("", False),
    ],
)
def test_is_local_reference(ref: str, local: bool) -> None:
    assert is_local_reference(ref) is local


def test_collector_names_dedupes_and_keeps_order(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "Photo One.PNG").write_bytes(PNG)
    (tmp_path / "x" / "photo-one.png").write_bytes(PNG + b"!")
    (tmp_path / "wrong-extension.png").write_bytes(JPEG)
    collector = MediaCollector(tmp_path, "a.md")
    assert collector.add("Photo%20One.PNG") == "photo-one.png"
    assert collector.add("./Photo One.PNG?w=300#top") == "photo-one.png"
    assert collector.add("x/photo-one.png") == "photo-one-2.png"
    assert collector.add("wrong-extension.png") == "wrong-extension.jpg"
    assert [(m.name, m.media_type) for m in collector.media] == [
        ("photo-one.png", "image/png"),
        ("photo-one-2.png", "image/png"),
        ("wrong-extension.jpg", "image/jpeg"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.jpg", None, "image 'missing.jpg' is not a file beside the article"),
        ("notes.txt", b"hello", "image 'notes.txt' is not an image"),
        ("logo.svg", b"<?xml version='1.0'?><svg/>", "image 'logo.svg' is an SVG file"),
        ("folder", "dir", "image 'folder' is not a file"),
    ],
)
def test_collector_errors(tmp_path: Path, name: str, data: object, message: str) -> None:
    if data == "dir":
        (tmp_path / name).mkdir()
    elif isinstance(data, bytes):
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ArticleError) as caught:
        MediaCollector(tmp_path, "news/a.md").add(name)
    assert str(caught.value).startswith("news/a.md: ")
    assert message in str(caught.value)

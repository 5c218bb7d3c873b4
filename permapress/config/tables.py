"""Reading the tables of permapress.toml other than [newsroom]: [media], [serve], [look],
[authors.<slug>]; each refuses an unknown key or a bad value with ``ConfigError`` naming the
file, the table and the key.

    media_settings(data, where), serve_settings(data, where)
    look_settings(data, home, where), authors(data, home, where)
    text(table, key, default, where)   a text value, stripped
    is_topic(value)                    a Media Topic code in [categories], not an alias
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from permapress.config.model import (
    THEME_FOLDER,
    Author,
    LookSettings,
    MediaSettings,
    ServeSettings,
)
from permapress.errors import ConfigError

_IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def text(table: Mapping[str, object], key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: `{key}` must be text in quotes, not {value!r}")
    return value.strip()


def _settings_table(
    data: Mapping[str, object], name: str, fields: Mapping[str, object], where: str
) -> dict[str, Any]:
    """The ``[name]`` table (empty when absent), refused when it is not a table or holds a key
    that is none of ``fields``."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: [{name}] has no setting {unknown[0]!r}")
    return table


def media_settings(data: Mapping[str, object], where: str) -> MediaSettings:
    table = _settings_table(data, "media", MediaSettings.__dataclass_fields__, where)
    archive = table.get("archive", True)
    if not isinstance(archive, bool):
        raise ConfigError(f"{where}: [media] archive must be true or false")
    defaults = MediaSettings()
    numbers: dict[str, float] = {}
    for key, low, high in (("timeout", 1, 600), ("max_file_mb", 0.01, 1024),
                           ("max_article_mb", 0.01, 10240), ("max_redirects", 0, 20)):  # fmt: skip
        value = table.get(key, getattr(defaults, key))
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not low <= value <= high:
            raise ConfigError(f"{where}: [media] {key} must be a number from {low} to {high}")
        numbers[key] = value
    if isinstance(numbers["max_redirects"], float) and not numbers["max_redirects"].is_integer():
        raise ConfigError(f"{where}: [media] max_redirects must be a whole number")
    return MediaSettings(
        archive=archive,
        timeout=float(numbers["timeout"]),
        max_file_mb=float(numbers["max_file_mb"]),
        max_article_mb=float(numbers["max_article_mb"]),
        max_redirects=int(numbers["max_redirects"]),
    )


def serve_settings(data: Mapping[str, object], where: str) -> ServeSettings:
    table = _settings_table(data, "serve", ServeSettings.__dataclass_fields__, where)
    defaults = ServeSettings()
    mb = table.get("car_max_mb", defaults.car_max_mb)
    if isinstance(mb, bool) or not isinstance(mb, int | float) or not 1 <= mb <= 1 << 30:
        raise ConfigError(f"{where}: [serve] car_max_mb must be a number from 1 to {1 << 30}")
    blocks = table.get("car_max_blocks", defaults.car_max_blocks)
    if isinstance(blocks, bool) or not isinstance(blocks, int) or not 1 <= blocks <= 1 << 40:
        raise ConfigError(
            f"{where}: [serve] car_max_blocks must be a whole number from 1 to {1 << 40}"
        )
    return ServeSettings(car_max_mb=float(mb), car_max_blocks=blocks)


def is_topic(value: str) -> bool:
    """A Media Topic code ("medtop:20000357", or its URI), not the name of a category."""
    value = value.strip()
    return value.startswith("medtop:") or value.startswith("http://cv.iptc.org/")


def _theme_file(home: Path, value: object, what: str, suffixes: tuple[str, ...], where: str) -> str:
    """A file inside the newsroom's theme/ folder, as its path there ("fonts/serif.woff2")."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {what} must be the name of a file in {THEME_FOLDER}/")
    name = value.strip().removeprefix(f"{THEME_FOLDER}/")
    if "://" in name or name.startswith("/") or ".." in name.split("/"):
        raise ConfigError(
            f"{where}: {what} {value!r} must be a file in the newsroom's {THEME_FOLDER}/ "
            "folder (nothing is fetched from elsewhere)"
        )
    if not name.lower().endswith(suffixes):
        raise ConfigError(f"{where}: {what} {value!r} must end with {', '.join(suffixes)}")
    if not (home / THEME_FOLDER / name).is_file():
        raise ConfigError(f"{where}: {what}: no file {THEME_FOLDER}/{name} in the newsroom")
    return name


def look_settings(data: Mapping[str, object], home: Path, where: str) -> LookSettings:
    table = _settings_table(data, "look", LookSettings.__dataclass_fields__, where)
    accent = table.get("accent")
    if accent is not None and not (isinstance(accent, str) and _COLOUR.fullmatch(accent)):
        raise ConfigError(f'{where}: [look] accent must be a colour like "#1b4d89"')
    files: dict[str, str | None] = {}
    for key, suffixes in (("logo", _IMAGE_SUFFIXES), ("body_font", _FONT_SUFFIXES),
                          ("heading_font", _FONT_SUFFIXES)):  # fmt: skip
        value = table.get(key)
        files[key] = None if value is None else _theme_file(
            home, value, f"[look] {key}", suffixes, where
        )
    return LookSettings(accent=accent.lower() if accent else None, **files)


def authors(data: Mapping[str, object], home: Path, where: str) -> tuple[Author, ...]:
    table = data.get("authors", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [authors] must hold tables like [authors.jane-doe]")
    found = []
    for slug, entry in sorted(table.items()):
        what = f"[authors.{slug}]"
        if not _SLUG.fullmatch(slug):
            raise ConfigError(f"{where}: {what}: use lowercase letters, digits and hyphens")
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: {what} must be a table")
        unknown = sorted(set(entry) - {"name", "role", "bio", "photo", "links"})
        if unknown:
            raise ConfigError(f"{where}: {what} has no setting {unknown[0]!r}")
        name = text(entry, "name", "", where)
        if not name:
            raise ConfigError(f"{where}: {what} needs a name")
        links = entry.get("links", [])
        if not isinstance(links, list) or not all(
            isinstance(u, str) and u.startswith(("https://", "http://", "mailto:")) for u in links
        ):
            raise ConfigError(f"{where}: {what} links must be a list of https:// URLs")
        photo = entry.get("photo")
        found.append(
            Author(
                slug=slug,
                name=" ".join(name.split()),
                role=" ".join(text(entry, "role", "", where).split()),
                bio=text(entry, "bio", "", where),
                photo=None if photo is None else _theme_file(
                    home, photo, f"{what} photo", _IMAGE_SUFFIXES, where
                ),
                links=tuple(u.strip() for u in links),
            )
        )
    names = [a.name.casefold() for a in found]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: two [authors.…] tables have the same name")
    return tuple(found)

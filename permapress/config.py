"""The newsroom configuration: one frozen dataclass built at the edge and passed down.

The newsroom's own look and people, all optional:

    [look]                logo (a file in the newsroom's theme/ folder: SVG, PNG, JPEG or
                          WebP; also the site's icon), accent (a colour "#rrggbb"), body_font
                          and heading_font (font files in theme/: .woff2, .woff, .ttf or .otf;
                          nothing is fetched from elsewhere)
    [authors.<slug>]      name, role, bio, photo (a file in theme/), links (a list of URLs):
                          the author's page authors/<slug>/; bylines with this name link to it
    [categories]          "Name" = "medtop:…" maps a category to an IPTC Media Topic;
                          "Politics" = "Politics & Government" makes a name an alias of another
                          (one section, one page)

``find_home`` decides which newsroom folder a command works on (``--home``, else the nearest
folder holding ``permapress.toml`` among the current folder and its parents — as git finds its
repository from any subfolder — else ``$PERMAPRESS_HOME``); ``load_config`` reads
``permapress.toml`` from it. Nothing here runs at import time. Bad values raise ``ConfigError``
naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from permapress.errors import ConfigError

CONFIG_NAME = "permapress.toml"
THEME_FOLDER = "theme"
_IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PROFILES = ("unixfs-v1-2025", "kubo-cid-v1", "unixfs-v0-2015")


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """``[media]``: downloading the remote images that imported articles show."""

    archive: bool = True  # false: leave remote images as links to elsewhere
    timeout: float = 30.0  # seconds for one image, redirects included
    max_file_mb: float = 20.0
    max_article_mb: float = 100.0
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """``[serve]``: the most one gateway request of ``permapress serve`` may send."""

    car_max_mb: float = 4096.0  # block data in one CAR response
    car_max_blocks: int = 1_000_000  # blocks in one CAR response


@dataclass(frozen=True, slots=True)
class LookSettings:
    """``[look]``: the newsroom's logo, accent colour and fonts (paths inside theme/)."""

    logo: str | None = None
    accent: str | None = None
    body_font: str | None = None
    heading_font: str | None = None


@dataclass(frozen=True, slots=True)
class Author:
    """``[authors.<slug>]``: a person whose page is authors/<slug>/ (photo: a file in theme/)."""

    slug: str
    name: str
    role: str = ""
    bio: str = ""
    photo: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a newsroom command needs to know about its newsroom."""

    home: Path
    name: str = "permapress newsroom"
    tagline: str = ""
    language: str = "en"
    timezone: str = "UTC"
    base_url: str | None = None
    profile: str = "unixfs-v1-2025"
    gateway_url: str | None = None
    per_page: int = 20
    categories: tuple[tuple[str, str], ...] = field(default=())
    aliases: tuple[tuple[str, str], ...] = field(default=())  # name -> the name it stands for
    look: LookSettings = field(default_factory=LookSettings)
    authors: tuple[Author, ...] = field(default=())
    media: MediaSettings = field(default_factory=MediaSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite"

    @property
    def blocks_path(self) -> Path:
        return self.home / "blocks"

    @property
    def keys_path(self) -> Path:
        return self.home / "keys"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def category_topics(self) -> dict[str, str]:
        return dict(self.categories)

    @property
    def theme_path(self) -> Path:
        return self.home / THEME_FOLDER

    def category_name(self, name: str) -> str:
        """The name a category is shown under: its alias's target, else itself."""
        return dict(self.aliases).get(name, name)

    def category_names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """``names`` with each alias replaced by the name it stands for, each name once."""
        found = [self.category_name(name) for name in names]
        return tuple(name for i, name in enumerate(found) if name not in found[:i])


def find_home(explicit: Path | None, cwd: Path, env: Mapping[str, str]) -> Path:
    """The newsroom folder for this command, or ConfigError saying how to get one."""
    if explicit is not None:
        if not (explicit / CONFIG_NAME).is_file():
            raise ConfigError(
                f"{explicit}: not a newsroom folder (no {CONFIG_NAME}); "
                f"create one with `permapress init {explicit}`"
            )
        return explicit
    found = _nearest_home(cwd)
    if found is not None:
        return found
    from_env = env.get("PERMAPRESS_HOME")
    if from_env:
        home = Path(from_env)
        if not (home / CONFIG_NAME).is_file():
            raise ConfigError(
                f"PERMAPRESS_HOME={from_env} is not a newsroom folder (no {CONFIG_NAME}); "
                f"create one with `permapress init {from_env}`"
            )
        return home
    raise ConfigError(
        f"no newsroom here: neither this folder nor any folder above it has a {CONFIG_NAME}. "
        "Run `permapress init DIR` to create one, then run commands inside it or pass "
        "--home DIR (or set PERMAPRESS_HOME)"
    )


def _nearest_home(start: Path) -> Path | None:
    """The first of ``start`` and its parents that holds ``permapress.toml``."""
    for folder in (start, *start.parents):
        try:
            if (folder / CONFIG_NAME).is_file():
                return folder
        except OSError:  # a parent we may not look into: keep going up
            continue
    return None


def _text(table: Mapping[str, object], key: str, default: str, where: str) -> str:
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


def _media(data: Mapping[str, object], where: str) -> MediaSettings:
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


def _serve(data: Mapping[str, object], where: str) -> ServeSettings:
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


def _is_topic(value: str) -> bool:
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


def _look(data: Mapping[str, object], home: Path, where: str) -> LookSettings:
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


def _authors(data: Mapping[str, object], home: Path, where: str) -> tuple[Author, ...]:
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
        name = _text(entry, "name", "", where)
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
                role=" ".join(_text(entry, "role", "", where).split()),
                bio=_text(entry, "bio", "", where),
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


def load_config(home: Path) -> Config:
    """Read ``home/permapress.toml`` into a Config."""
    path = home / CONFIG_NAME
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: missing; run `permapress init {home}`") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc}); fix the file and retry") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror})") from None
    newsroom = data.get("newsroom", {})
    if not isinstance(newsroom, dict):
        raise ConfigError(f"{where}: [newsroom] must be a table")
    profile = _text(newsroom, "profile", "unixfs-v1-2025", where)
    if profile not in PROFILES:
        raise ConfigError(
            f"{where}: profile {profile!r} is unknown; use one of {', '.join(PROFILES)}"
        )
    timezone = _text(newsroom, "timezone", "UTC", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: timezone {timezone!r} is unknown; use e.g. Europe/Berlin"
        ) from None
    base_url = _text(newsroom, "base_url", "", where) or None
    if base_url is not None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: base_url must start with https:// (got {base_url!r})")
        base_url = base_url.rstrip("/") + "/"
    per_page = newsroom.get("per_page", 20)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= 500:
        raise ConfigError(f"{where}: per_page must be a whole number from 1 to 500")
    categories = data.get("categories", {})
    if not isinstance(categories, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in categories.items()
    ):
        raise ConfigError(
            f"{where}: [categories] maps names to Media Topic codes, "
            'e.g. "Harbour" = "medtop:20000357", or to another name, e.g. '
            '"Politics" = "Politics & Government"'
        )
    topics = {k.strip(): v.strip() for k, v in categories.items() if _is_topic(v)}
    aliases = {k.strip(): v.strip() for k, v in categories.items() if not _is_topic(v)}
    for name, target in aliases.items():
        if not target or target in aliases:
            raise ConfigError(
                f"{where}: [categories] {name!r} = {target!r}: an alias names a category "
                "that is not itself an alias"
            )
    return Config(
        home=home,
        name=_text(newsroom, "name", "permapress newsroom", where) or "permapress newsroom",
        tagline=_text(newsroom, "tagline", "", where),
        language=_text(newsroom, "language", "en", where) or "en",
        timezone=timezone,
        base_url=base_url,
        profile=profile,
        gateway_url=_text(newsroom, "gateway", "", where) or None,
        per_page=per_page,
        categories=tuple(sorted(topics.items())),
        aliases=tuple(sorted(aliases.items())),
        look=_look(data, home, where),
        authors=_authors(data, home, where),
        media=_media(data, where),
        serve=_serve(data, where),
    )


def default_config_text(name: str) -> str:
    """The permapress.toml that `permapress init` writes, with every setting explained."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f"""# permapress newsroom settings. Every key is optional except name.

[newsroom]
name = "{quoted}"
tagline = "Independent reporting, permanently published"
# Language of the site (BCP 47) and the time zone for dates written without one.
language = "en"
timezone = "UTC"
# Public address of the website, used in feeds and sitemaps (leave empty if unknown).
base_url = ""
# IPFS import profile: unixfs-v1-2025 (default), kubo-cid-v1 or unixfs-v0-2015.
profile = "unixfs-v1-2025"
# A public IPFS gateway for "open on a gateway" links, e.g. "https://dweb.link".
gateway = ""
# Articles per page on the home and category pages.
per_page = 20

# Your own categories mapped to IPTC Media Topics (codes from cv.iptc.org/newscodes/mediatopic).
[categories]
# "City Hall" = "medtop:11000000"

# A name may also stand for another, so both make one section:
# "Politics" = "Politics & Government"

# The newsroom's look: files in the theme/ folder beside this file (theme/site.css is added
# after the built-in stylesheet; theme/templates/NAME.html replaces a built-in template).
[look]
# logo = "logo.svg"          # shown in the masthead and used as the site's icon
# accent = "#9d1c1c"         # links on hover, labels, the current section
# body_font = "fonts/body.woff2"
# heading_font = "fonts/headings.woff2"

# The people who write for the newsroom: each gets a page authors/<slug>/ listing their
# articles, with its own feed; bylines with this name link to it.
# [authors.jane-doe]
# name = "Jane Doe"
# role = "Health correspondent"
# bio = "Jane has covered the region's hospitals since 2015."
# photo = "people/jane-doe.jpg"
# links = ["https://example.org/@jane"]

# Remote images that imported articles show are downloaded into their bundles.
[media]
archive = true        # false: leave them as links elsewhere (like `import --no-media`)
timeout = 30          # seconds for one image, redirects included
max_file_mb = 20      # per image
max_article_mb = 100  # all the images of one article
max_redirects = 5

# What one request to the IPFS gateway of `permapress serve` may send (docs/gateway.md).
[serve]
car_max_mb = 4096         # block data in one CAR response; a larger one is cut off
car_max_blocks = 1000000  # blocks in one CAR response
"""

"""The newsroom's settings as values: ``Config`` and the tables it holds.

    Config          [newsroom] (name, tagline, language, timezone, base_url, profile, gateway,
                    per_page), [categories] as topics and aliases, and the tables below;
                    the newsroom folder's paths (catalog, blocks, keys, theme)
    LookSettings    [look];  Author: one [authors.<slug>];  MediaSettings: [media];
    ServeSettings   [serve]

Frozen: built once by ``load_config`` at the edge and passed down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

CONFIG_NAME = "permapress.toml"
THEME_FOLDER = "theme"
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

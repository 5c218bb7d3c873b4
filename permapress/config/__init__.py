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

The values are in ``config/model.py``, the readers of the tables other than [newsroom] in
``config/tables.py``, the file ``init`` writes in ``config/template.py``; everything is
importable from ``permapress.config``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from permapress.config.model import (
    CONFIG_NAME,
    PROFILES,
    THEME_FOLDER,
    Author,
    Config,
    LookSettings,
    MediaSettings,
    ServeSettings,
)
from permapress.config.tables import (
    authors,
    is_topic,
    look_settings,
    media_settings,
    serve_settings,
    text,
)
from permapress.config.template import default_config_text
from permapress.errors import ConfigError

__all__ = ["CONFIG_NAME", "PROFILES", "THEME_FOLDER", "Author", "Config", "LookSettings",
           "MediaSettings", "ServeSettings", "default_config_text", "find_home",
           "load_config"]  # fmt: skip


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
    profile = text(newsroom, "profile", "unixfs-v1-2025", where)
    if profile not in PROFILES:
        raise ConfigError(
            f"{where}: profile {profile!r} is unknown; use one of {', '.join(PROFILES)}"
        )
    timezone = text(newsroom, "timezone", "UTC", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: timezone {timezone!r} is unknown; use e.g. Europe/Berlin"
        ) from None
    base_url = text(newsroom, "base_url", "", where) or None
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
    topics = {k.strip(): v.strip() for k, v in categories.items() if is_topic(v)}
    aliases = {k.strip(): v.strip() for k, v in categories.items() if not is_topic(v)}
    for name, target in aliases.items():
        if not target or target in aliases:
            raise ConfigError(
                f"{where}: [categories] {name!r} = {target!r}: an alias names a category "
                "that is not itself an alias"
            )
    return Config(
        home=home,
        name=text(newsroom, "name", "permapress newsroom", where) or "permapress newsroom",
        tagline=text(newsroom, "tagline", "", where),
        language=text(newsroom, "language", "en", where) or "en",
        timezone=timezone,
        base_url=base_url,
        profile=profile,
        gateway_url=text(newsroom, "gateway", "", where) or None,
        per_page=per_page,
        categories=tuple(sorted(topics.items())),
        aliases=tuple(sorted(aliases.items())),
        look=look_settings(data, home, where),
        authors=authors(data, home, where),
        media=media_settings(data, where),
        serve=serve_settings(data, where),
    )

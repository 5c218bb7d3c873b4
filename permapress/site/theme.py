"""The site's look, and the render version: what decides a page's bytes besides its content.

    Theme(templates, static, newsroom=None, look=LookSettings())
                                 the folder of the Jinja templates and the folder of the static
                                 files (the stylesheet ``site.css``); ``PACKAGE_THEME`` is the
                                 package's own (``site/templates``, ``site/static``). ``newsroom``
                                 is a newsroom's ``theme/`` folder laid over it, ``look`` its
                                 ``[look]`` settings
    newsroom_theme(config, base) the theme a newsroom's pages are rendered with: ``base`` with
                                 the newsroom's theme/ folder and [look] settings, when it has any
    load(theme) -> Look          the theme read once per process: every template's source, the
                                 stylesheet, every file's bytes and the assets to publish

A newsroom's theme/ folder: ``theme/site.css`` is added after the built-in stylesheet (after the
rules ``[look]`` makes: the accent colour and the @font-face of each font file);
``theme/templates/NAME.html`` replaces the built-in template NAME.html; every other file (the
logo, fonts, photos) is published as ``assets/theme/<its path>`` (``Look.assets``), so the
stylesheet names a font as ``url("theme/fonts/body.woff2")``. All of it is part of the render
version: changing any of these files, or [look], renders every page again.
    code_version() -> str        hex SHA-256 of the Python sources the site build runs
    render_version(theme) -> str hex SHA-256 of the Jinja version, ``code_version()`` and every
                                 file of the theme (its name inside the theme and its bytes)
    source_digest(root, start)   ``code_version`` for any source folder and starting modules

Every page fingerprint of a build includes ``render_version``: editing a template, the
stylesheet or a module the build runs gives every page a new fingerprint, so the incremental
build renders the pages again and the quick path (which compares it) steps aside. Nobody bumps
a number by hand. The theme is hashed by content, not by place: a copy of the package's theme
has the package's version.

Which code counts: every module the site build reaches, followed from ``permapress.site.build``
through each ``import permapress…`` and ``from permapress… import …`` written in the sources,
imports inside functions too, found by reading the files' bytes (nothing is imported for it). So
the renderers, feeds, sitemaps, ``site/history.py`` and the diff, the Markdown renderer (used
for versions recorded without body HTML), the catalog reading and the IPFS importer that turns a
page into blocks are all in it. The rule errs wide: counting a module too many costs a render of
every page after editing it; missing one would keep stale pages.

What a version keeps is not rendered again when this changes: a version's bundle (with its own
index.html) is signed and its CID is in the publisher log; its body HTML (``versions.body_html``)
is the one its bundle shows, and the site shows it as recorded; its CAR holds the bundle's
blocks. A build from scratch uses the same stored values, so it agrees with an incremental one.

Cost: the sources are read when a build first asks, never at import; about 45 files and 350 KB,
a few milliseconds, cached per process. A theme must not change while a process runs: what was
read is what renders and what is hashed, so the two cannot disagree.

Errors: a theme folder that is missing, or has no ``site.css``, or a template that is not UTF-8
raises ``SiteError`` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from permapress.config import Config, LookSettings
from permapress.errors import SiteError

_HERE = Path(__file__).resolve().parent
_SOURCES = _HERE.parents[1]  # the folder that holds the ``permapress`` package
_BUILD_MODULES = ("permapress.site.build",)


@dataclass(frozen=True, slots=True)
class Theme:
    """Where a build reads its templates and its static files (``site.css``) from, and the
    newsroom's own theme/ folder and [look] settings laid over them."""

    templates: Path
    static: Path
    newsroom: Path | None = None
    look: LookSettings = LookSettings()


PACKAGE_THEME = Theme(_HERE / "templates", _HERE / "static")
ASSETS_FOLDER = "assets/theme/"
_FONT_FORMATS = {".woff2": "woff2", ".woff": "woff", ".ttf": "truetype", ".otf": "opentype"}


def newsroom_theme(config: Config, base: Theme = PACKAGE_THEME) -> Theme:
    """``base`` with the newsroom's theme/ folder and [look] (``base`` itself without them)."""
    folder = config.theme_path
    newsroom = folder if folder.is_dir() else None
    if newsroom is None and config.look == LookSettings():
        return base
    return Theme(base.templates, base.static, newsroom, config.look)


@dataclass(frozen=True, slots=True, eq=False)
class Look:
    """A theme as read: template name -> source, the stylesheet, and each file's bytes
    ("templates/<name>" or "static/<name>", sorted)."""

    theme: Theme
    templates: Mapping[str, str]
    css: str
    files: tuple[tuple[str, bytes], ...]
    assets: tuple[tuple[str, bytes], ...] = ()  # (path from the site root, bytes) to publish


@cache
def load(theme: Theme) -> Look:
    """The theme's files, read once per process."""
    templates = _files(theme.templates)
    static = _files(theme.static)
    sources: dict[str, str] = {}
    for name, data in templates:
        try:
            sources[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SiteError(f"{theme.templates / name}: a template must be UTF-8 text") from None
    css = dict(static).get("site.css")
    if css is None:
        raise SiteError(f"{theme.static}: no site.css; a theme's static folder needs one")
    try:
        css_text = css.decode("utf-8")
    except UnicodeDecodeError:
        raise SiteError(f"{theme.static / 'site.css'}: must be UTF-8 text") from None
    files = tuple((f"templates/{n}", d) for n, d in templates)
    files += tuple((f"static/{n}", d) for n, d in static)
    assets: tuple[tuple[str, bytes], ...] = ()
    if theme.newsroom is not None or theme.look != LookSettings():
        own = _files(theme.newsroom) if theme.newsroom is not None else []
        for name, data in own:
            if name.startswith("templates/") and name.endswith(".html"):
                try:
                    sources[name.removeprefix("templates/")] = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise SiteError(f"theme/{name}: a template must be UTF-8 text") from None
        extra = dict(own).get("site.css", b"")
        try:
            css_text += _look_css(theme.look) + "\n" + extra.decode("utf-8")
        except UnicodeDecodeError:
            raise SiteError("theme/site.css: must be UTF-8 text") from None
        published = [(n, d) for n, d in own if n != "site.css" and not n.startswith("templates/")]
        assets = tuple((ASSETS_FOLDER + n, d) for n, d in published)
        files += tuple((f"newsroom/{n}", d) for n, d in own)
        files += (("look", repr(theme.look).encode()),)
    return Look(theme, sources, css_text, files, assets)


def _look_css(look: LookSettings) -> str:
    """The rules [look] makes: the accent colour, and a font face for each font file."""
    rules = ["", "/* the newsroom's [look] */"]
    roots = []
    if look.accent:
        roots.append(f"--accent: {look.accent};")
    for role, path, variable in (("body", look.body_font, "--serif"),
                                 ("heading", look.heading_font, "--heading")):  # fmt: skip
        if path is None:
            continue
        family = f"Newsroom {role.capitalize()}"
        kind = _FONT_FORMATS.get(Path(path).suffix.lower(), "woff2")
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("theme/{path}") '
            f'format("{kind}"); font-display: swap; }}'
        )
        roots.append(f'{variable}: "{family}", Georgia, serif;')
    if roots:
        rules.append(":root { " + " ".join(roots) + " }")
    if look.accent:
        # on dark paper the accent is lightened, so labels and links keep their contrast
        rules.append(
            "@media (prefers-color-scheme: dark) { :root { --accent: "
            f"color-mix(in srgb, {look.accent} 35%, #ffffff); }} }}"
        )
    return "\n".join(rules) + "\n"


def _files(folder: Path) -> list[tuple[str, bytes]]:
    """Every file under ``folder`` as (its path inside it, with "/", and its bytes), sorted."""
    if not folder.is_dir():
        raise SiteError(f"{folder}: no such theme folder")
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            found.append((path.relative_to(folder).as_posix(), path.read_bytes()))
    return sorted(found)


@cache
def render_version(theme: Theme) -> str:
    """The render version of builds with ``theme`` (see the module's description)."""
    import jinja2  # the renderers import it anyway; its version shapes compiled templates

    digest = hashlib.sha256()
    _feed(digest, [("jinja2", jinja2.__version__.encode()), ("code", code_version().encode())])
    _feed(digest, load(theme).files)
    return digest.hexdigest()


@cache
def code_version() -> str:
    """The digest of the Python sources the site build runs (read once per process)."""
    return source_digest(_SOURCES, _BUILD_MODULES)


def source_digest(root: Path, start: Iterable[str]) -> str:
    """SHA-256 over each module's name and source bytes, for the modules ``start`` reaches
    through the imports of the same top-level package written in their sources (a module whose
    source is not under ``root`` counts by its name alone)."""
    digest = hashlib.sha256()
    _feed(digest, ((name, data or b"") for name, data in sorted(_reached(root, start).items())))
    return digest.hexdigest()


# ``import a.b, c`` or ``from a.b import (c, d)`` naming the package ``{top}``, at any
# indentation (imports inside functions too); the leading newline lets the search skip ahead.
_IMPORT = (
    r"\n[ \t]*(?:from[ \t]+({top}(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^#\n]*)"
    r"|import[ \t]+({top}[^#\n]*))"
)
_NAME = re.compile(rb"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@cache
def _import_pattern(tops: tuple[str, ...]) -> re.Pattern[bytes]:
    return re.compile(_IMPORT.format(top="(?:" + "|".join(map(re.escape, tops)) + ")").encode())


def _reached(root: Path, start: Iterable[str]) -> dict[str, bytes | None]:
    """Module name -> source bytes (None without a source file) for every module reached."""
    pending = list(start)
    tops = {name.split(".")[0] for name in pending}
    pattern = _import_pattern(tuple(sorted(tops)))
    folder = str(root)
    seen: dict[str, bytes | None] = {}
    looked: dict[str, tuple[bytes, bool] | None] = {}

    def source_of(module: str) -> tuple[bytes, bool] | None:
        if module not in looked:
            looked[module] = _source(folder, module)
        return looked[module]

    while pending:
        name = pending.pop()
        if name in seen:
            continue
        found = source_of(name)
        seen[name] = found[0] if found else None
        parent = name.rpartition(".")[0]
        if parent:
            pending.append(parent)  # importing a.b runs a/__init__.py first
        if found is None:
            continue
        for base, names, plain in pattern.findall(b"\n" + found[0]):
            if base:
                module = base.decode()
                pending.append(module)
                package = source_of(module)
                if package is None or not package[1]:
                    continue
                for word in _NAME.findall(names):  # "from a import b" may name the module a.b
                    if word != b"as" and source_of(f"{module}.{word.decode()}") is not None:
                        pending.append(f"{module}.{word.decode()}")
                continue
            for word in _NAME.findall(plain):
                module = word.decode()
                if module.split(".")[0] in tops:
                    pending.append(module)
    return seen


def _source(root: str, module: str) -> tuple[bytes, bool] | None:
    """The source of ``module`` under ``root`` and whether it is a package (its __init__.py);
    plain strings, not pathlib, which costs more here."""
    path = f"{root}{os.sep}{module.replace('.', os.sep)}"
    for candidate, package in ((path + ".py", False), (path + os.sep + "__init__.py", True)):
        try:
            with open(candidate, "rb") as file:
                return file.read(), package
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            continue
    return None


def _feed(digest: hashlib._Hash, items: Iterable[tuple[str, bytes]]) -> None:
    """Hash (name, bytes) pairs so that no two different lists give the same stream."""
    for name, data in items:
        label = name.encode()
        digest.update(len(label).to_bytes(8, "big") + label + len(data).to_bytes(8, "big"))
        digest.update(data)

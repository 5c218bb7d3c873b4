"""The reader's verifier: ``verify/index.html``, a page that checks a downloaded ``.car`` itself.

    verify_page(site) -> bytes     the page: one self-contained HTML file (inline script and
                                   stylesheet, no external fetches), the site's key filled in
    SCRIPT                         the inline script: dist/verify.min.js (core.js + page.js,
                                   minified by ``make verifier-assets``; committed, so a site
                                   builds without Node, and tested to equal a fresh build)
    SCRIPT_HASH                    its CSP source, "'sha256-…'", for a server that serves it
    BADGE_PATH, BADGE_SCRIPT       assets/pp-verify.js: dist/badge.min.js (core.js + badge.js),
                                   the article page's optional self-check (its #pp-verify badge)
    digest() -> str                SHA-256 over the files the page is made from

``core.js`` reads a CARv1/v2 in the browser, checks every block against its CID (SHA-256 via
WebCrypto), walks the DAG as ``permapress.ipfs.verify`` does, and checks the bundle as
``permapress.trust.check`` does (Ed25519 via WebCrypto), with the same problem texts, so the
page prints what ``permapress verify FILE.car [--key K]`` prints for a bundle. A site CAR
(``publisher.json`` at its root) is left to the command line. The page's own
``Content-Security-Policy`` allows only its inline script and style by hash: nothing is fetched.

The badge script (``badge.js``) fetches the article page's own CAR (``data-car`` of
``#pp-verify``), checks it the same way against the site's key (``data-key``), compares the
headline, standfirst, lead caption and body shown with those of the signed ``index.html``, and
sets ``data-verified`` to ``yes``, ``no`` (with the reason) or ``unavailable`` (the CAR could not
be fetched, as from file://).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the server imports SCRIPT_HASH without the renderer
    from permapress.site.views import SiteInfo

_HERE = Path(__file__).parent
_FILES = ("core.js", "page.js", "page.html", "badge.js", "dist/verify.min.js", "dist/badge.min.js")
BADGE_PATH = "assets/pp-verify.js"
_STYLE = (
    "#drop{border:2px dashed var(--rule);padding:1rem;margin:1rem 0}"
    "#drop.over{border-color:var(--focus)}"
    "#result{white-space:pre-wrap;padding:.75rem;border-left:4px solid var(--rule)}"
    "#result[data-valid=yes]{border-color:#1c7c3a}"
    "#result[data-valid=no],#result[data-valid=error]{border-color:var(--accent)}"
    "#result:empty{display:none}#key{font-family:var(--mono)}"
)


def _read(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def _csp_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


SCRIPT = _read("dist/verify.min.js").rstrip("\n")
SCRIPT_HASH = _csp_source(SCRIPT)
BADGE_SCRIPT = _read("dist/badge.min.js").encode("utf-8")


@cache
def digest() -> str:
    """What the page is made from: when it changes, every built verify page is stale."""
    sha = hashlib.sha256()
    for name in _FILES:
        sha.update((_HERE / name).read_bytes())
    return sha.hexdigest()


def verify_page(site: SiteInfo) -> bytes:
    """verify/index.html of ``site`` (see the module docstring)."""
    from permapress.site.render import site_css

    style = site_css(site.theme) + _STYLE
    policy = (
        f"default-src 'none'; script-src {SCRIPT_HASH}; style-src {_csp_source(style)}; "
        "base-uri 'none'; form-action 'none'"
    )
    fields = {
        "lang": html.escape(site.language),
        "name": html.escape(site.name),
        "policy": policy,
        "fingerprint": html.escape(site.fingerprint or ""),
        "fingerprint_text": html.escape(site.fingerprint or "FINGERPRINT"),
        "style": style,
        "script": SCRIPT,
    }
    page = re.sub(r"\{(\w+)\}", lambda m: fields[m.group(1)], _read("page.html"))
    return page.encode("utf-8")

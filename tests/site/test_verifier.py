"""verify/index.html: a self-contained page, placed by every build, rebuilt when its sources change.

What the page's script decides is tested in the browser (tests/newsroom/test_verifier_browser.py);
here: the page stands alone (no address it could fetch, a Content-Security-Policy that allows only
its own inline script and style, by hash), carries the site's key, escapes the site's name, and a
build places it and renders it again after an edit of the script in the installed package.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import shutil
import sys
from pathlib import Path

from permapress.cli import main
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import read_file, resolve_path
from permapress.site.build import build_site
from permapress.site.verifier import SCRIPT, SCRIPT_HASH, verify_page
from permapress.site.views import SiteInfo
from permapress.trust.keys import fingerprint

sys.path.insert(0, str(Path(__file__).parent))
from test_rebuild import edit, run_copy  # noqa: E402

FINGERPRINT = "E4C5-CRTH-Y2UA-2CI2-UIC4"


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_stands_alone_and_allows_only_its_own_script_and_style() -> None:
    page = verify_page(SiteInfo("The <b>Harbour</b> & {script} Courier", "", "de", None,
                                FINGERPRINT)).decode()
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert scripts == [SCRIPT] and len(styles) == 1
    assert "</" not in SCRIPT  # nothing in the script can end its element early
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    rules = dict(rule.strip().split(" ", 1) for rule in policy.group(1).split(";"))
    assert rules["default-src"] == "'none'"  # nothing may be fetched: no connect, img, font
    assert rules["script-src"] == SCRIPT_HASH == _hash(SCRIPT)
    assert rules["style-src"] == _hash(styles[0])
    assert not re.search(r"""(src|href|action)=["']?(https?:|//)""", page)
    assert re.findall(r'href="([^"]*)"', page) == ["../"]  # back to the site, nothing else
    assert "<script src" not in page and "<link" not in page
    assert "The &lt;b&gt;Harbour&lt;/b&gt; &amp; {script} Courier" in page
    assert f'value="{FINGERPRINT}"' in page and '<html lang="de">' in page


def test_a_site_without_a_key_leaves_the_field_empty() -> None:
    page = verify_page(SiteInfo("Courier", "", "en", None, None)).decode()
    assert 'id="key" name="key" size="32" spellcheck="false" autocomplete="off" value=""' in page
    assert "permapress verify FILE.car --key FINGERPRINT" in page


def _site_page(home: Path, root_text: object) -> str:
    with Newsroom.open(home, readonly=True) as room:
        root = CID.parse(str(root_text))
        cid, _trail = resolve_path(root, ["verify", "index.html"], room.blocks.get)
        return b"".join(read_file(cid, room.blocks.get)).decode()


def test_the_build_places_the_page_with_the_newsroom_key(tmp_path: Path) -> None:
    home = tmp_path / "newsroom"
    try:
        main(["init", str(home), "--demo"])
    except SystemExit as exc:
        assert not exc.code
    with Newsroom.open(home) as room:
        name = room.config.name
        made = build_site(room)
    key = bytes.fromhex((home / "keys" / "publisher.pub").read_text().strip())
    page = _site_page(home, made.root_cid)
    assert f'autocomplete="off" value="{fingerprint(key)}"' in page
    assert f"<title>Check a download – {html.escape(name)}</title>" in page


def test_an_edit_of_the_script_builds_the_page_again(tmp_path: Path) -> None:
    """The page is made from .js and .html files the render version does not read: an edit of
    them (here of the minified script the package ships) must still make the next build render
    it (not "patched" with the old page)."""
    import permapress

    home = tmp_path / "newsroom"
    try:
        main(["init", str(home), "--demo"])
    except SystemExit as exc:
        assert not exc.code
    source = tmp_path / "src"
    shutil.copytree(Path(permapress.__file__).parent, source / "permapress",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = run_copy(source, home)
    edit(source / "permapress" / "site" / "verifier" / "dist" / "verify.min.js", "Checking ",
         "Now checking ")
    after = run_copy(source, home)
    assert after["mode"] != "patched" and after["root_cid"] != before["root_cid"]
    assert "Now checking " in _site_page(home, after["root_cid"])
    assert "Now checking " not in _site_page(home, before["root_cid"])

"""Write a built site as a plain folder that any web server (or file://) can serve.

The folder is written beside ``out`` and renamed into place, so a failed export leaves the
previous folder untouched. Article CAR files (``articles/<slug>/<slug>.car``) are written only
with ``cars=True``; without them the "Download IPFS" links work through a gateway only.
"""

from __future__ import annotations

from pathlib import Path

from permapress.errors import SiteError
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.staging import staged_folder


def _write(newsroom: Newsroom, cid: CID, target: Path, cars: bool) -> int:
    get = newsroom.blocks.get
    info = stat(cid, get)
    if info.kind in ("directory", "hamt"):
        target.mkdir(exist_ok=True)  # the root is the staged folder itself
        count = 0
        for name, child, _size in list_directory(cid, get):
            if not cars and name.endswith(".car"):
                continue
            count += _write(newsroom, child, target / name, cars)
        return count
    with target.open("wb") as out:
        for piece in read_file(cid, get):
            out.write(piece)
    return 1


def export_site(newsroom: Newsroom, root_cid: str, out: Path, *, cars: bool) -> int:
    """Write the site under ``root_cid`` to ``out``; return the number of files written."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: exists and is not a folder; choose another --out")
    try:
        with staged_folder(out, replace=True, public=True) as staging:
            count = _write(newsroom, CID.parse(root_cid), staging, cars)
    except OSError as exc:
        raise SiteError(f"{out}: cannot write the site ({exc.strerror})") from None
    return count

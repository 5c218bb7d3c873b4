"""Images uploaded in the admin: the type is read from the bytes (JPEG, PNG, GIF, WebP, AVIF;
SVG and anything else refused, whatever the name or Content-Type says), at most 10 MiB.

The bytes go into the newsroom's blockstore as a UnixFS file (the same CID the article's
bundle will give them) and a row in ``admin_media`` names them for the article; publishing
puts the images the text uses (``media/<name>``) into the bundle. The library lists every
upload; reusing one in another article adds a row, not a copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from permapress.admin.errors import AdminError, bad_request, not_found
from permapress.admin.store import AdminStore, MediaItem
from permapress.articles.media import EXTENSIONS, image_type
from permapress.articles.slug import slugify
from permapress.ipfs.blockstore import Blockstore
from permapress.ipfs.importer import import_bytes
from permapress.ipfs.profiles import get_profile

MAX_UPLOAD = 10 * 1024 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    media_type: str
    data: bytes


def check_upload(data: bytes, name: str) -> Upload:
    """The upload's media type from its bytes and a safe file name, or 413/415/400."""
    if len(data) > MAX_UPLOAD:
        raise AdminError(413, f"the image is larger than {MAX_UPLOAD // (1024 * 1024)} MiB; "
                         "make it smaller and upload it again")  # fmt: skip
    if not data:
        raise bad_request("the upload is empty; send the image's bytes as the request body")
    kind = image_type(data)
    if kind is None:
        raise AdminError(415, "that file is not a JPEG, PNG, GIF, WebP or AVIF image (SVG is "
                         "not accepted: it can carry script)")  # fmt: skip
    stem = name.rsplit(".", 1)[0] if "." in name else name
    safe = slugify(stem, max_length=60) or "image"
    return Upload(f"{safe}.{EXTENSIONS[kind]}", kind, data)


def store_upload(
    store: AdminStore, blocks: Blockstore, profile: str, slug: str, upload: Upload,
    user_id: str, now: str,
) -> MediaItem:  # fmt: skip
    """Put the bytes in the blockstore and name them for ``slug`` (a new name if taken)."""
    imported = import_bytes(upload.data, get_profile(profile), blocks.put)
    cid = str(imported.cid)
    return _add(store, slug, upload.name, upload.media_type, cid, len(upload.data), user_id, now)


def _add(store: AdminStore, slug: str, name: str, media_type: str, cid: str, size: int,
         user_id: str, now: str) -> MediaItem:  # fmt: skip
    stem, ext = name.rsplit(".", 1)
    candidate, n = name, 2
    with store.transaction() as conn:
        while True:
            row = conn.execute("SELECT cid FROM admin_media WHERE slug = ? AND name = ?",
                               (slug, candidate)).fetchone()  # fmt: skip
            if row is None or row[0] == cid:
                break
            candidate, n = f"{stem}-{n}.{ext}", n + 1
        if row is None:
            conn.execute(
                "INSERT INTO admin_media (slug, name, media_type, cid, size, uploaded, user_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (slug, candidate, media_type, cid, size, now, user_id),
            )
    items = [m for m in store.media_items(slug) if m.name == candidate]
    return items[0]


def reuse(store: AdminStore, slug: str, item_id: int, user_id: str, now: str) -> MediaItem:
    rows = [m for m in store.media_items() if m.id == item_id]
    if not rows:
        raise not_found(f"no image {item_id} in the media library")
    item = rows[0]
    return _add(store, slug, item.name, item.media_type, item.cid, item.size, user_id, now)


def media_json(item: MediaItem) -> dict[str, Any]:
    return {
        "id": item.id, "slug": item.slug, "name": item.name, "media_type": item.media_type,
        "size": item.size, "cid": item.cid, "uploaded": item.uploaded,
        "url": f"/admin/media/{item.slug}/{item.name}",
        "markdown": f"![](media/{item.name})",
    }  # fmt: skip


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))

"""Rebuild the golden demo newsroom and rewrite tests/golden/demo.json (``make golden``).

The demo newsroom is made with a fixed TEST key (``test-publisher.key``, published here on
purpose and never used for anything real) and a fixed clock, so every bundle CID and the site
root CID are reproducible. ``test_golden.py`` builds the same newsroom and compares it with
``demo.json``; after an intended change of what is rendered or signed, run ``make golden``
and commit the new ``demo.json`` with the change that caused it.

    python tests/golden/regenerate.py           rewrite demo.json
    python tests/golden/regenerate.py --check   exit 1 and show the differences instead
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "demo.json"
KEY_FILE = HERE / "test-publisher.key"
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


def test_key() -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def build_demo(work: Path) -> dict[str, Any]:
    """Make the demo newsroom in ``work`` with the test key and clock; return what is pinned."""
    from permapress.handle import Newsroom
    from permapress.newsroom.demo import DEMO_NAME, import_demo
    from permapress.newsroom.home import init_newsroom
    from permapress.site.build import build_site
    from permapress.trust.keys import fingerprint, public_bytes

    home = work / "newsroom"
    key = test_key()
    init_newsroom(home, DEMO_NAME, key=key)
    with Newsroom.open(home) as newsroom:
        import_demo(newsroom, now=NOW)
        result = build_site(newsroom, built_at=NOW.isoformat())
        bundles = {
            slug: rows[-1].bundle_cid
            for slug, rows in sorted(newsroom.catalog.all_versions("published").items())
        }
        head = newsroom.catalog.log_head()
    return {
        "publisher_fingerprint": fingerprint(public_bytes(key)),
        "profile": "unixfs-v1-2025",
        "bundles": bundles,
        "log_head": head[1] if head else None,
        "site_root": result.root_cid,
    }


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """One line per value that drifted, naming it."""
    lines = []
    for name in sorted(set(expected) | set(actual)):
        old, new = expected.get(name), actual.get(name)
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    lines.append(f"{name}[{key}]: pinned {old.get(key)}, built {new.get(key)}")
        elif old != new:
            lines.append(f"{name}: pinned {old}, built {new}")
    return lines


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as work:
        actual = build_demo(Path(work))
    if "--check" in argv:
        expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
        drift = differences(expected, actual)
        print("\n".join(drift) or "golden files match")
        return 1 if drift else 0
    GOLDEN.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.name}: {len(actual['bundles'])} bundles, site root {actual['site_root']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The verifier's minified scripts (permapress/site/verifier/dist/) are committed, so a site
builds without Node; they must be exactly what esbuild makes of the sources now, or an edit of
core.js, page.js or badge.js would never reach a reader."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import permapress

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = Path(permapress.__file__).parent / "site" / "verifier"


def test_the_committed_scripts_equal_a_fresh_build(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed to check the verifier's scripts (make setup)"
    assert (ROOT / "admin-ui" / "node_modules" / "esbuild").is_dir(), "esbuild: run make setup"
    subprocess.run([node, str(VERIFIER / "build.mjs"), "--out", str(tmp_path)], check=True)
    for name in ("verify.min.js", "badge.min.js"):
        fresh = (tmp_path / name).read_bytes()
        assert fresh == (VERIFIER / "dist" / name).read_bytes(), f"{name}: run make verifier-assets"


def test_the_scripts_are_minified() -> None:
    for name in ("verify.min.js", "badge.min.js"):
        text = (VERIFIER / "dist" / name).read_text(encoding="utf-8")
        assert "ppCheck" not in text  # top-level names shortened too
        assert "//" not in text and "\n  " not in text  # no comments, no indentation

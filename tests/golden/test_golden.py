"""Golden files: the demo newsroom, signed with the fixed test key, gives the pinned CIDs.

A drift means the rendered pages, the bundle layout, the signing or the importer changed. If
the change is intended, run ``make golden`` and commit the new ``demo.json`` with it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _regenerate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_regenerate", HERE / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_key_file_says_it_is_a_test_key() -> None:
    head = (HERE / "test-publisher.key").read_text(encoding="ascii").splitlines()[0]
    assert head.startswith("TEST KEY - NOT SECRET")


def test_the_demo_newsroom_gives_the_pinned_cids(tmp_path: Path) -> None:
    regenerate = _regenerate()
    expected = json.loads((HERE / "demo.json").read_text(encoding="utf-8"))
    actual = regenerate.build_demo(tmp_path)
    drift = regenerate.differences(expected, actual)
    assert not drift, (
        "the demo newsroom no longer gives the pinned CIDs (tests/golden/demo.json):\n  "
        + "\n  ".join(drift)
        + "\nIf this change is intended, run `make golden` and commit demo.json with it."
    )
    assert len(actual["bundles"]) == 21  # 17 articles and the newsroom's 4 pages


def test_a_second_build_gives_the_same_cids(tmp_path: Path) -> None:
    regenerate = _regenerate()
    first = regenerate.build_demo(tmp_path / "a")
    second = regenerate.build_demo(tmp_path / "b")
    assert first == second

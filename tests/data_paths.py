"""Where the test data lives: one constant per folder, every one inside this repository.

Third-party vectors sit under ``tests/vectors`` (each file's origin and licence in
``tests/vectors/SOURCES.md``); the project's own inputs under ``tests/fixtures``. A fresh clone
has all of them, so no test looks outside the repository and none is skipped for lack of data.
Tests import this module as ``data_paths`` (tests/conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
VECTORS = TESTS / "vectors"
IPIP_499 = VECTORS / "ipip-0499"  # vectors.json and the small inputs it names
GATEWAY_CONFORMANCE = VECTORS / "gateway-conformance"  # CARs and IPNS records, upstream layout
FIXTURES = TESTS / "fixtures"
SEED_ARTICLE = FIXTURES / "seed" / "seed-article.txt"  # the page format the importers follow

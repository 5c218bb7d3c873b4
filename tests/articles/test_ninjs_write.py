"""article.json's text: ``indented_json`` writes what ``json.dumps`` with sorted keys and a
two-space indent writes, for any value (what it does not write itself goes to json)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from permapress.articles.ninjs_write import indented_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    | st.dictionaries(st.integers(), inner, max_size=2),
    max_leaves=30,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)


@given(_VALUES)
def test_indented_json_is_what_json_dumps_writes(value: Any) -> None:
    assert indented_json(value) == _dumps(value)


def test_indented_json_of_awkward_text_and_empty_containers() -> None:
    value = {
        "é": "line\nbreak \u2028 \"quoted\" \\ \x01 ü 🗞",
        "a": [{}, [], [[]], {"z": {}}],
        "n": [0, -7, True, False, None],
    }
    assert indented_json(value) == _dumps(value)

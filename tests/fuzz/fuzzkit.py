"""What every fuzz test shares: the settings profiles, the per-example watchdog, the network
guard, the mutation strategy and the crasher files.

Contract of a fuzz target: given any bytes, a reader returns (success) or raises a
``PermapressError`` whose message is not empty. Anything else fails the test: another exception,
an example that runs longer than ``WATCHDOG_SECONDS`` (``FUZZ_WATCHDOG``, default 60: a hang,
not a speed limit; the watchdog interrupts it), or an attempt to open a network connection.

Profiles (chosen by the environment variable ``HYPOTHESIS_PROFILE``):

- ``fuzz-ci`` (default): a few derandomized examples per target, cheap enough for every test run;
- ``fuzz`` (``make fuzz``): many random examples per target (``FUZZ_EXAMPLES``; the Makefile
  asks for 5000).
  Hypothesis keeps the failing examples it finds in its database (``.hypothesis/``) and replays
  them first next time.

Crashers: every input that once broke a reader is kept as a file in
``tests/fuzz/crashers/<target>/`` and replayed (``replay``) as an explicit example of the
target's test on every run, in every profile, so a fix cannot silently regress.
"""

from __future__ import annotations

import copy
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st
from lxml import etree

from permapress.errors import PermapressError

HERE = Path(__file__).resolve().parent
CRASHERS = HERE / "crashers"
WATCHDOG_SECONDS = float(os.environ.get("FUZZ_WATCHDOG", "60"))  # generous: machines get busy

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "fuzz-ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=_QUIET
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")),
    deadline=None,
    suppress_health_check=_QUIET,
    print_blob=True,
)
PROFILE = "fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "fuzz-ci"
FUZZ = settings(settings.get_profile(PROFILE))

T = TypeVar("T")


class Hung(BaseException):
    """An example ran past the watchdog. A BaseException, so ``except Exception`` in the code
    under test cannot swallow it."""


class NetworkUsed(BaseException):
    """A reader tried to open a network connection while being fuzzed."""


_guarding = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _guarding and event in ("socket.connect", "socket.getaddrinfo"):
        raise NetworkUsed(f"{event} {args[1:]!r}")


sys.addaudithook(_audit)


@contextmanager
def bounded(seconds: float = WATCHDOG_SECONDS) -> Iterator[None]:
    """Run the body with a watchdog (SIGALRM) and no network; raise ``Hung`` past ``seconds``."""
    global _guarding

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Hung(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _guarding = True
    try:
        yield
    finally:
        _guarding = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def ours_or_success(call: Callable[[], T]) -> T | PermapressError:
    """``call()`` under the watchdog: its result, or the ``PermapressError`` it raised (which
    must say something). Any other exception propagates and fails the test."""
    try:
        with bounded():
            try:
                return call()
            except PermapressError as exc:
                assert str(exc).strip(), f"{type(exc).__name__} without a message"
                return exc
    except (Hung, NetworkUsed) as exc:  # an ordinary failure, so Hypothesis shrinks the input
        raise AssertionError(f"{type(exc).__name__}: {exc}") from None


# --- inputs ------------------------------------------------------------------------------------

INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x0D, 0x22, 0x3C, 0x5B, 0x7B)
COMMON_TOKENS = (
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\r\n", b"\t", b"\\",
    b"9" * 40, b"-1", b"0", b"1e999", b"NaN", b"\xe2\x80\x94", b"\xf0\x9f\x98\x80", b" " * 64,
)  # fmt: skip


@st.composite
def mutated(
    draw: st.DrawFn, seeds: list[bytes], tokens: tuple[bytes, ...] = (), max_ops: int = 8
) -> bytes:
    """One of ``seeds`` changed by up to ``max_ops`` edits: bit flips, interesting bytes,
    inserted tokens or random bytes, deleted, duplicated or repeated slices (deep nesting),
    truncation and splices of another seed. Shrinks towards the unchanged seed."""
    data = bytearray(draw(st.sampled_from(seeds)))
    words = tokens + COMMON_TOKENS
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.integers(0, 8))
        at = draw(st.integers(0, len(data)))
        if op == 0 and data:
            where = min(at, len(data) - 1)
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif op == 1 and data:
            data[min(at, len(data) - 1)] = draw(st.sampled_from(INTERESTING_BYTES))
        elif op == 2:
            data[at:at] = draw(st.sampled_from(words))
        elif op == 3:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == 4:
            del data[at : at + draw(st.integers(1, 64))]
        elif op == 5:
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif op == 6:
            piece = bytes(data[at : at + draw(st.integers(1, 16))]) or draw(st.sampled_from(words))
            data[at:at] = piece * draw(st.integers(2, 3000))
        elif op == 7:
            data = data[:at]
        else:
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start : start + draw(st.integers(1, 512))]
    return bytes(data)


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=24),
    st.sampled_from(["", " ", "2025-02-30", "2025-07-08T09:30:00+02:00", "99999-01-01",
                     "https://x.example/a.jpg", "../../etc/passwd", "/etc/passwd", "x" * 5000,
                     "<p>x</p>", "text/html", "main", "author", "leadimage", "withheld"]),
)  # fmt: skip
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                  max_size=4),
    max_leaves=8,
)


def _slots(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) place in a JSON-like tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((value, key))
            _slots(item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((value, index))
            _slots(item, out)
    return out


@st.composite
def tree_mutated(draw: st.DrawFn, seeds: list[Any], max_ops: int = 4) -> Any:
    """One of the JSON-like ``seeds`` (parsed documents) with up to ``max_ops`` places given
    another value: of another type, deleted, copied from elsewhere, or wrapped in a list. Finds
    what bytes mutation rarely reaches: well-formed documents with the wrong shapes."""
    tree = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_ops))):
        slots = _slots(tree, [])
        if not slots:
            return draw(JSON_VALUES)
        container, key = draw(st.sampled_from(slots))
        action = draw(st.integers(0, 3))
        if action == 0:
            container[key] = draw(JSON_VALUES)
        elif action == 1:
            del container[key]
        elif action == 2:
            other, other_key = draw(st.sampled_from(slots))
            container[key] = copy.deepcopy(other[other_key])
        else:
            container[key] = [container[key]]
    return tree


XML_TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
            max_size=24),  # fmt: skip
    st.sampled_from(["", " ", "0000-00-00 00:00:00", "2025-02-30 25:61:00", "Thu, 31 Feb 99999",
                     "9" * 40, "publish", "draft", "private", "future", "page", "post",
                     "attachment", "https://x.example/a.jpg", "../../etc/passwd", "x" * 5000,
                     "<p>x</p>", "[caption]x[/caption]", "[gallery ids=\"1,2\"]", "&amp;"]),
)  # fmt: skip


@st.composite
def xml_mutated(draw: st.DrawFn, seeds: list[bytes], max_ops: int = 4) -> bytes:
    """One of the XML ``seeds`` with up to ``max_ops`` element edits: removed, duplicated,
    moved, nested deeply, given other text or attributes. Well-formed documents with the wrong
    shapes, which byte mutation rarely produces."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(draw(st.sampled_from(seeds)), parser)
    for _ in range(draw(st.integers(1, max_ops))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = draw(st.sampled_from(elements))
        parent = element.getparent()
        action = draw(st.integers(0, 5))
        if action == 0 and parent is not None:
            parent.remove(element)
        elif action == 1 and parent is not None:
            parent.append(copy.deepcopy(element))
        elif action == 2:
            element.text = draw(XML_TEXTS)
        elif action == 3:
            element.set(draw(st.sampled_from(["href", "url", "type", "domain", "nicename",
                                              "isPermaLink", "rel", "medium"])),
                        draw(XML_TEXTS))  # fmt: skip
        elif action == 4 and parent is not None:
            target = draw(st.sampled_from(elements))
            if element not in target.iterancestors() and target is not element:
                target.append(element)
        else:
            inner = element
            for _ in range(draw(st.integers(1, 300))):
                wrapper = etree.SubElement(inner, inner.tag)
                inner = wrapper
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def crasher_files(target: str) -> list[Path]:
    """The kept crashers of one target (sorted, possibly none)."""
    folder = CRASHERS / target
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def replay(target: str) -> Callable[[T], T]:
    """Decorate a ``@given`` test so that it first runs every kept crasher of ``target`` as an
    explicit example (explicit examples run in every profile)."""

    def decorate(test: T) -> T:
        for path in crasher_files(target):
            test = example(path.read_bytes())(test)  # type: ignore[arg-type]
        return test

    return decorate

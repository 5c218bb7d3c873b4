"""The article body of a news page: several extractors, the one the others agree with, rules.

    main_html(root, *, url=None, stated=None) -> str   the body as HTML ("" when none found)
    clean_blocks(markdown, headlines=()) -> str  page furniture left in a Markdown body removed

``main_html`` works on a copy of the parsed page (``root`` is not changed):

1. Furniture is pruned from the page before any extractor sees it: comments (some page
   generators put them inside sentences, which trips trafilatura up), elements the page hides
   (``hidden``, ``aria-hidden="true"``, ``display:none``), ``<figcaption>``, and elements whose
   class, id or role names a share bar, newsletter sign-up, related-article list, promotion,
   advertisement, cookie notice, image caption or credit, breadcrumb or tag list, as long as such
   an element holds less than a third of the page's text and not two paragraphs of an article's
   length (one, if its name also says content, entry, post, story …): a wrapper with an odd
   class name is never taken for furniture. A caption or credit block gives up its text but
   keeps its photo.
2. Up to three extractions of the pruned page: trafilatura favouring precision, trafilatura
   without its fallbacks (its own main-content pass, which keeps more), and readability-lxml (a
   different algorithm: the densest block of paragraphs). When the two trafilatura passes agree
   (F1 >= 0.95 over runs of four words) the precise one is taken at once: a third opinion
   would not change the choice, and readability is the slowest of the three.
3. Otherwise the one that agrees most with the other two (that F1, summed) is kept: where one
   extractor wanders off into a comment section or keeps only a teaser, the other two outvote
   it. On a tie the precise trafilatura wins.
4. When the choice holds less than 60 % of the words in the page's paragraphs of an article's
   length (over 150 characters), the article was probably split into several containers and
   only the first taken: readability's extraction replaces it if it holds at least 90 % of the
   choice and a third more besides.

5. The body the page states in its JSON-LD (``articleBody``, passed as ``stated``) replaces
   the extraction when it is complete (at least 50 words, not cut off with "…") and the
   extraction holds less than half as many words: pages that draw their text with JavaScript,
   or hide it from extractors, still give their article. A stated body is plain text, so it is
   used only then; an extraction keeps links, images and headings.

``clean_blocks`` then drops, from the Markdown made of that HTML, the blocks a reader does not
count as the article: a repeat of the headline, a bare URL or e-mail address, interface words
("Read more", "READ MORE: <other story>", "Don't miss …", "Also on <site> …", "Share this
story", "Print article", "Advertisement", "close" …, in the languages most news is published
in), a newsletter offer of at most 50 words ("Sign up … newsletter … inbox"), photo credit
lines ("Photo: …", "Credit: …"), a tag line ("Tags:" followed mostly by
links), lists whose every item is only a link ("related articles"), and the run of link-only
blocks, bare images and a copyright line that ends a body (the site's list of other stories
and its footer). Fenced code is never touched, and a body is never emptied by the
trailing-run rule.

Pure: no I/O. The extractors are third-party; anything they raise on a malformed page counts as
"found nothing" for that extractor.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from html import escape
from typing import Final

import lxml.etree
import lxml.html
import trafilatura
from readability import Document  # type: ignore[import-untyped]

_WORD: Final = re.compile(r"\w+")
_RUN: Final = 4
_FURNITURE: Final = re.compile(
    r"(?:^|[-_\s])(?:share|sharing|sharebar|social|newsletter|subscribe|subscription|signup|"
    r"sign-up|related|recommended|read-?more|readmore|more-stories|promo|promotion|advert|"
    r"advertisement|ads?|sponsored|cookie|consent|caption|credit|credits|breadcrumbs?|tags|"
    r"taglist|popup|modal|outbrain|taboola)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_CAPTION: Final = re.compile(r"caption|credit", re.IGNORECASE)
_CONTENT: Final = re.compile(r"article|content|entry|story|post|body|text|main", re.IGNORECASE)
_LONG_PARAGRAPH: Final = 150
_HIDDEN_STYLE: Final = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SETTLED: Final = 0.95
_SHORT: Final = 0.6
_COVERED: Final = 0.9
_LONGER: Final = 1.3
_STATED_MINIMUM: Final = 50
_STATED_SHARE: Final = 0.5
_KEEP: Final = frozenset({"html", "body", "main", "article"})
_OPTIONS: Final = {
    "output_format": "html", "include_images": True, "include_links": True,
    "include_formatting": True, "include_tables": True, "include_comments": False,
}  # fmt: skip


def _text_length(element: lxml.html.HtmlElement) -> int:
    return sum(len(piece.strip()) for piece in element.itertext())


def _is_furniture(element: lxml.html.HtmlElement) -> bool:
    if element.tag == "figcaption":
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    names = " ".join(filter(None, (element.get("class"), element.get("id"), element.get("role"))))
    if not names or _FURNITURE.search(names) is None:
        return False
    long_paragraphs = sum(1 for p in element.iter("p") if _text_length(p) > _LONG_PARAGRAPH)
    # "entry-content read-more" may be the article itself: a content-like name needs no
    # paragraph of the article's length, any other name fewer than two.
    return long_paragraphs < (1 if _CONTENT.search(names) else 2)


def _prune(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of ``root`` without the furniture of step 1."""
    pruned = copy.deepcopy(root)
    lxml.etree.strip_tags(pruned, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    body = pruned.find("body")
    limit = _text_length(body if body is not None else pruned) / 3
    doomed = [
        element
        for element in pruned.iter()
        if isinstance(element.tag, str)
        and element.tag not in _KEEP
        and _is_furniture(element)
        and _text_length(element) < limit
    ]
    for element in doomed:
        if element.getparent() is None:
            continue
        if _CAPTION.search(element.get("class") or "") and element.tag != "img":
            for image in list(element.iter("img", "picture")):
                element.addprevious(image)  # a captioned photo keeps its photo
                image.tail = None
        element.drop_tree()
    return pruned


def _trafilatura(precise: bool) -> Callable[[lxml.html.HtmlElement, str | None], str]:
    def run(tree: lxml.html.HtmlElement, url: str | None) -> str:
        found = trafilatura.extract(
            copy.deepcopy(tree), url=url, favor_precision=precise, fast=not precise,
            **_OPTIONS,  # type: ignore[arg-type]
        )  # fmt: skip
        return found or ""

    return run


def _readability(tree: lxml.html.HtmlElement, url: str | None) -> str:
    return str(Document(copy.deepcopy(tree), url=url).summary(html_partial=True))


Extractor = Callable[[lxml.html.HtmlElement, str | None], str]
_EXTRACTORS: Final[tuple[Extractor, Extractor, Extractor]] = (
    _trafilatura(True), _trafilatura(False), _readability
)


def _runs(html: str) -> frozenset[tuple[str, ...]]:
    if not html:
        return frozenset()
    try:
        words = _WORD.findall(" ".join(lxml.html.fragment_fromstring(html, "div").itertext()))
    except (lxml.etree.ParserError, ValueError, AssertionError):  # lxml asserts on no <body>
        return frozenset()
    if len(words) < _RUN:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + _RUN]) for i in range(len(words) - _RUN + 1))


def _agreement(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    shared = len(a & b)
    return 2 * shared / (len(a) + len(b)) if shared else 0.0


def _medoid(candidates: list[str]) -> str:
    runs = [_runs(html) for html in candidates]
    best, best_score = "", -1.0
    for index, html in enumerate(candidates):
        if not runs[index]:
            continue
        agreement = sum(_agreement(runs[index], other)
                        for j, other in enumerate(runs) if j != index)  # fmt: skip
        if agreement > best_score:
            best, best_score = html, agreement
    return best


def main_html(
    root: lxml.html.HtmlElement, *, url: str | None = None, stated: str | None = None
) -> str:
    """The article body of the page ``root``; see the module docstring."""
    found = _extracted(root, url)
    if stated and _complete(stated) and len(_words(found)) < _STATED_SHARE * len(stated.split()):
        return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in stated.split("\n\n"))
    return found


def _words(html: str) -> list[str]:
    if not html:
        return []
    try:
        return " ".join(lxml.html.fragment_fromstring(html, "div").itertext()).split()
    except (lxml.etree.ParserError, ValueError):
        return []


def _complete(text: str) -> bool:
    """A stated body long enough to be an article and not cut off with an ellipsis."""
    return len(text.split()) >= _STATED_MINIMUM and not text.rstrip().endswith(("…", "..."))


def _run(extractor: Extractor, tree: lxml.html.HtmlElement, url: str | None) -> str:
    try:
        return extractor(tree, url)
    except Exception:  # noqa: BLE001 - a third-party extractor failing is "found nothing"
        return ""


def _long_paragraph_words(tree: lxml.html.HtmlElement) -> int:
    """Words in the page's paragraphs of an article's length (most of them are the article)."""
    return sum(
        len(p.text_content().split()) for p in tree.iter("p") if _text_length(p) > _LONG_PARAGRAPH
    )


def _extracted(root: lxml.html.HtmlElement, url: str | None) -> str:
    pruned = _prune(root)
    precise = _run(_EXTRACTORS[0], pruned, url)
    fuller = _run(_EXTRACTORS[1], pruned, url)
    other: str | None = None
    if precise and fuller and _agreement(_runs(precise), _runs(fuller)) >= _SETTLED:
        chosen = precise  # the two trafilatura passes agree: no third opinion needed
    else:
        other = _run(_EXTRACTORS[2], pruned, url)
        chosen = _medoid([precise, fuller, other])
    if len(_words(chosen)) < _SHORT * _long_paragraph_words(pruned):
        # Much of the page's paragraph text is missing (an article split into several
        # containers): readability, which takes the whole densest block, may hold it all.
        other = _run(_EXTRACTORS[2], pruned, url) if other is None else other
        chosen_runs, other_runs = _runs(chosen), _runs(other)
        covered = len(chosen_runs & other_runs) / len(chosen_runs) if chosen_runs else 1.0
        if covered >= _COVERED and len(other_runs) >= _LONGER * len(chosen_runs):
            chosen = other
    return chosen


_IMAGE: Final = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^)\s]*\))*(?:\s+\"[^\"]*\")?\)")
_LINK: Final = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MARKUP: Final = re.compile(r"[#>*_`~\[\]|\\]+|^\s*[-+]\s+|^\s*\d+[.)]\s+", re.MULTILINE)
_URL_ONLY: Final = re.compile(r"<?(?:https?://|www\.)\S+>?|\S+@\S+\.\w+")
_CHROME: Final = re.compile(
    r"(?:read|see|view|show|load|click|tap) (?:more|less|all|full story|the full story|here)"
    r"(?:\W.{0,100})?|don'?t miss\W.{0,200}|.{0,60}\bby clicking here|also on \S+\.\w+\W.{0,150}|"
    r"more|less|close|share(?: (?:this|the|on|via) .{0,30})?|print(?: this)?"
    r"(?: article| story| page)?|order reprints|reprints?|advertisement|sponsored( content)?|"
    r"related(?: articles| stories| content| news| posts| coverage)?|comments?|"
    r"(?:leave|post|add) a comment|subscribe(?: now| today)?(?: .{0,40})?|sign up(?: .{0,50})?|"
    r"like this (?:story|article)\?.{0,60}|also read.{0,80}|recommended(?: for you)?|"
    r"follow us(?: on .{0,40})?|back to top|skip to (?:main )?content|thank you|"
    r"leia (?:mais|também)|veja também|lesen sie (?:auch|mehr)|mehr zum thema|anzeige|werbung|"
    r"lire (?:aussi|la suite)|publicité|leer más|lee también|publicidad|continua a leggere|"
    r"leggi anche|pubblicità|читайте также|реклама",
    re.IGNORECASE,
)
_CREDIT: Final = re.compile(
    r"(?:photo|photos|image|images|picture|credit|credits|foto|fotos|bild|source|illustration)"
    r"(?: credit)?\s*[:©].{0,120}|"
    r"\(?(?:AP|AFP|Reuters|Getty)(?: Photo| Images)?\)?",
    re.IGNORECASE,
)
_TAGS: Final = re.compile(
    r"(?:tags?|tagged(?: with)?|topics?|keywords|filed under|schlagwörter|themen|etiquetas|"
    r"mots-clés|тэги|теги)\b\s*:?",
    re.IGNORECASE,
)
_NEWSLETTER: Final = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe|subscription|register)\b.*\b(?:newsletters?|inbox|e-?mail "
    r"updates)\b|\b(?:newsletters?|inbox)\b.*\b(?:sign(?:ing)? up|subscribe)\b",
    re.IGNORECASE,
)
_FOOTER: Final = re.compile(r"(?:©|copyright|\(c\)).{0,150}", re.IGNORECASE)
_FENCE: Final = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)
_LINKED: Final = 0.8


def _plain(markdown: str) -> str:
    """The words a reader sees in a Markdown snippet (image alt texts and URLs left out)."""
    text = _LINK.sub(r"\1", _IMAGE.sub(" ", markdown))
    return " ".join(_MARKUP.sub(" ", text).split())


def _linked_share(block: str) -> float:
    """How much of the visible text of ``block`` is the text of links (0 to 1)."""
    without_images = _IMAGE.sub(" ", block)
    total = len(_plain(without_images).replace(" ", ""))
    if not total:
        return 0.0
    linked = sum(len(_plain(m.group(1)).replace(" ", "")) for m in _LINK.finditer(without_images))
    return linked / total


def _is_furniture_block(block: str, headlines: frozenset[str]) -> bool:
    plain = _plain(block)
    if not plain:
        return False  # an image on its own: kept
    if plain.casefold() in headlines:
        return True
    if _URL_ONLY.fullmatch(plain):
        return True
    words = len(plain.split())
    if words <= 40 and _CHROME.fullmatch(plain.rstrip(" .:!…»›>→")):
        return True
    if words <= 60 and _TAGS.match(plain) and _linked_share(block) >= 0.5:
        return True
    if words <= 50 and _NEWSLETTER.search(plain):
        return True
    return words <= 25 and _CREDIT.fullmatch(plain) is not None


def _is_link_list(block: str) -> bool:
    """A list of two or more items that are links and nothing else ("related articles")."""
    items = re.split(r"^\s*(?:[-+*]|\d+[.)])\s+", block, flags=re.MULTILINE)[1:]
    return len(items) >= 2 and all(_linked_share(item) >= _LINKED for item in items)


def _trailing_links(blocks: list[str]) -> int:
    """How many blocks at the end are link lists, linked headings, bare images or a footer."""
    count, links = 0, 0
    for block in reversed(blocks):
        plain = _plain(block)
        if not plain or _FOOTER.fullmatch(plain):
            count += 1
        elif _linked_share(block) >= _LINKED:
            count, links = count + 1, links + 1
        else:
            break
    return count if links else 0


def clean_blocks(markdown: str, headlines: Iterable[str] = ()) -> str:
    """``markdown`` without the furniture blocks described in the module docstring."""
    if _FENCE.search(markdown):
        return markdown
    known = frozenset(plain.casefold() for h in headlines if (plain := _plain(h)))
    blocks = markdown.split("\n\n")
    kept = [b for b in blocks if not _is_furniture_block(b, known) and not _is_link_list(b)]
    trailing = _trailing_links(kept)
    if trailing and trailing < len(kept):
        kept = kept[: len(kept) - trailing]
    return "\n\n".join(kept)

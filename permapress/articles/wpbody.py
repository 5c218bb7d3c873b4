"""WordPress post bodies to HTML the way WordPress shows them: autop and shortcodes.

    wp_html(content, *, attachments=None) -> str

- Classic-editor content (no ``<!-- wp:`` block comments) gets WordPress's *autop*: text
  separated by a blank line is a paragraph, a single newline inside one is a ``<br>``; blocks
  that already are HTML blocks (p, div, h1–h6, lists, blockquote, pre, table, figure, hr …) are
  left alone, and ``<pre>`` content is never touched.
- ``[caption …]<img …> Text[/caption]`` (and the older ``caption="Text"`` attribute) becomes
  ``<figure><img …><figcaption>Text</figcaption></figure>``.
- ``[gallery ids="1,2"]`` becomes one image per attachment id whose URL ``attachments`` knows.
- ``[embed]URL[/embed]``, ``[video src=URL]``, ``[audio src=URL]`` and a URL alone on its line
  (WordPress's oEmbed) become a link to that URL.
- Any other shortcode tag (a name with '-' or '_', one with ``key=value`` attributes, one
  with a closing tag, or a well-known one) is removed and its inner text kept; text in square
  brackets that is not a shortcode (``[sic]``, ``[1]``) stays.

Pure; the result still has to go through ``htmltomd`` (which sanitises it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Final

_BLOCK_START: Final = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|dl|blockquote|pre|table|thead|tbody|tr|figure|hr|"
    r"section|article|aside|header|footer|address|form|fieldset|iframe|object|embed|video|"
    r"audio|script|style|!--)\b",
    re.IGNORECASE,
)
_PRE: Final = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
_ATTR: Final = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s\]]+))""")
_CAPTION: Final = re.compile(
    r"\[(?:caption|wp_caption)(?P<attrs>[^\]]*)\](?P<inner>.*?)\[/(?:caption|wp_caption)\]",
    re.IGNORECASE | re.DOTALL,
)
_GALLERY: Final = re.compile(r"\[gallery(?P<attrs>[^\]]*)\]", re.IGNORECASE)
_EMBED: Final = re.compile(r"\[embed[^\]]*\](?P<url>[^\[]*)\[/embed\]", re.IGNORECASE)
_MEDIA: Final = re.compile(r"\[(?:video|audio)(?P<attrs>[^\]]*)\](?:\s*\[/(?:video|audio)\])?",
                           re.IGNORECASE)  # fmt: skip
_BARE_URL: Final = re.compile(r"^[ \t]*(https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
_SHORTCODE: Final = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)(/?)\]")
_KNOWN_NAMES: Final = (
    "audio video playlist embed gallery caption contact-form contact-form-7 gravityform "
    "vc_row vc_column vc_column_text et_pb_section et_pb_row et_pb_column et_pb_text "
    "fusion_builder_container fusion_text su_note su_box tweet instagram youtube "
    "googlemaps pullquote button column row one_half one_third two_third"
)
_KNOWN: Final = frozenset(_KNOWN_NAMES.split())
_IMG: Final = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
            for m in _ATTR.finditer(text)}  # fmt: skip


def _caption(match: re.Match[str]) -> str:
    attrs = _attrs(match.group("attrs"))
    inner = match.group("inner").strip()
    image = ""
    last = None
    for found in _IMG.finditer(inner):
        last = found
    if last is not None:
        end = inner.find("</a>", last.end())
        cut = end + 4 if end != -1 and not inner[last.end():end].strip() else last.end()
        image, text = inner[:cut], inner[cut:]
    else:
        text = inner
    text = text.strip() or attrs.get("caption", "")
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"\n\n<figure>{image}{caption}</figure>\n\n"


def _gallery(match: re.Match[str], attachments: Mapping[str, str]) -> str:
    ids = [i.strip() for i in _attrs(match.group("attrs")).get("ids", "").split(",")]
    urls = [attachments[i] for i in ids if i in attachments]
    images = "".join(f'<img src="{html.escape(u)}" alt="">' for u in urls)
    return f"\n\n<p>{images}</p>\n\n" if images else ""


def _link(url: str) -> str:
    url = html.unescape(url.strip())
    if not url.startswith(("http://", "https://")):
        return ""
    safe = html.escape(url)
    return f'<a href="{safe}">{safe}</a>'


def _media(match: re.Match[str]) -> str:
    attrs = _attrs(match.group("attrs"))
    url = attrs.get("src") or attrs.get("mp4") or attrs.get("mp3") or ""
    return f"\n\n<p>{_link(url)}</p>\n\n" if _link(url) else ""


def _strip_shortcodes(text: str) -> str:
    closing = {m.group(2).lower() for m in _SHORTCODE.finditer(text) if m.group(1)}

    def drop(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        attrs = match.group(3) or ""
        if name in _KNOWN or name in closing or "-" in name or "_" in name or "=" in attrs:
            return ""
        return match.group(0)

    return _SHORTCODE.sub(drop, text)


def autop(text: str) -> str:
    """WordPress's paragraph rule: blank lines make paragraphs, single newlines ``<br>``."""
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return f"\x00{len(saved) - 1}\x00"

    text = _PRE.sub(keep, text.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk) or chunk.startswith("\x00"):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    joined = "\n\n".join(out)
    return re.sub(r"\x00(\d+)\x00", lambda m: saved[int(m.group(1))], joined)


def wp_html(content: str, *, attachments: Mapping[str, str] | None = None) -> str:
    """The HTML WordPress would show for a post body; see the module docstring."""
    attachments = attachments or {}
    text = _CAPTION.sub(_caption, content)
    text = _GALLERY.sub(lambda m: _gallery(m, attachments), text)
    text = _EMBED.sub(lambda m: f"\n\n<p>{_link(m.group('url'))}</p>\n\n", text)
    text = _MEDIA.sub(_media, text)
    text = _BARE_URL.sub(lambda m: f"\n\n<p>{_link(m.group(1))}</p>\n\n", text)
    text = _strip_shortcodes(text)
    if "<!-- wp:" not in text:
        text = autop(text)
    return text

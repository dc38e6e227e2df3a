"""HTML mail to readable text with the stdlib parser. What a reader would not see is dropped: scripts, styles,
the head, comments, and elements hidden by ``hidden``, ``display:none``, ``visibility:hidden``, ``font-size:0``,
``opacity:0`` or a zero size. Hostile mail hides instructions there, so they never reach a model."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

DROPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr", "keygen"})
BLOCK = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                   "blockquote", "pre", "section", "article", "header", "footer", "hr", "dd", "dt", "center"})
MAX_DEPTH = 2000  # open elements tracked
CLOSE_SEARCH = 64  # how far down the open elements an end tag looks for its start (stray end tags cost nothing)
_DECL = re.compile(r"([a-z-]+)\s*:\s*([^;]+)")
_ZERO = re.compile(r"^[-+]?0*\.?0*(px|pt|em|rem|%|ex|ch|vh|vw|cm|mm|in)?(\s*!important)?$")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # joiners and soft hyphens: dropped


@dataclass(frozen=True, slots=True)
class HtmlText:
    text: str
    hidden_removed: bool  # words were in hidden elements or comments


def hidden_style(style: str) -> bool:
    """True when an inline style hides its element's text from a reader."""
    decls = {k: v.strip().lower() for k, v in _DECL.findall(style.lower())}

    def zero(name: str) -> bool:
        return name in decls and bool(_ZERO.match(decls[name]))

    if decls.get("display", "").startswith("none") or decls.get("visibility", "").startswith(("hidden", "collapse")):
        return True
    if zero("font-size") or zero("opacity") or zero("line-height") and decls.get("overflow", "") == "hidden":
        return True
    clipped = decls.get("overflow", "").startswith("hidden")
    sizes = [zero(n) for n in ("width", "height", "max-width", "max-height")]
    return (zero("width") or zero("max-width")) and (zero("height") or zero("max-height")) or (any(sizes) and clipped)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.hidden = 0  # open elements that hide their content
        self.dropped = 0  # open elements never shown (script, style, head...): their text is not "hidden text"
        self.open: Counter[str] = Counter()  # open elements by name: a stray end tag is dismissed at once
        self.removed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK and not self.hidden:
            self.out.append("\n")
        if tag in VOID:
            return
        if len(self.stack) >= MAX_DEPTH:  # hostile nesting: deeper elements are text, the hiding above still holds
            return
        values = dict(attrs)
        hides = tag in DROPPED or "hidden" in values or hidden_style(values.get("style") or "") \
            or (values.get("aria-hidden") == "true" and tag in ("div", "span", "p"))
        self.stack.append((tag, hides))
        self.hidden += hides
        self.dropped += tag in DROPPED
        self.open[tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK and not self.hidden:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        top = len(self.stack) - 1
        for i in range(top, max(-1, top - CLOSE_SEARCH), -1) if self.open[tag] else ():
            if self.stack[i][0] == tag:
                for name, hides in self.stack[i:]:
                    self.hidden -= hides
                    self.open[name] -= 1
                    self.dropped -= name in DROPPED
                del self.stack[i:]
                break
        if tag in BLOCK and not self.hidden:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)
        elif not self.dropped and not self.removed and data.strip():
            self.removed = True

    def handle_comment(self, data: str) -> None:
        if re.search(r"\w{2,}", data) and not data.lstrip().startswith(("[if", "[endif")):
            self.removed = True


def html_to_text(html: str) -> HtmlText:
    """The text a reader of this HTML would see, one paragraph per line."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError):  # the stdlib parser gives up on some broken markup
        pass
    lines = (_SPACES.sub(" ", line).strip() for line in _INVISIBLE.sub("", "".join(parser.out)).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return HtmlText(text, parser.removed)

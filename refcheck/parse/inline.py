"""Inline scanning of one block's raw Markdown: links, images, footnote refs, HTML, and a prose mask.

mistune's inline AST has no source offsets, so this module reads the raw inline source of a block
(as mistune's block parser hands it over) and reports every item with its offset in that text. The
`mask` is the text with everything that is not prose (code spans, math, HTML, URLs, link destinations)
blanked to spaces, so citation grammars can run on it and offsets stay valid.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from refcheck.model import LinkKind


@dataclass(frozen=True, slots=True)
class InlineLink:
    kind: LinkKind
    url: str
    start: int  # offset of `[`, `!`, `<` or the URL's first character
    end: int
    text: str = ""  # link text (raw Markdown) or alt text
    text_start: int = -1  # offset of the link text inside the block text
    label: str | None = None  # for reference-style links: the label as written
    reference_style: bool = False  # [text][label], [label][] or a defined shortcut [label]


@dataclass(frozen=True, slots=True)
class HtmlTag:
    name: str
    attrs: dict[str, str]
    start: int
    end: int


@dataclass(slots=True)
class InlineScan:
    mask: str
    links: list[InlineLink] = field(default_factory=list)
    footnote_refs: list[tuple[str, int, int]] = field(default_factory=list)  # (label, start, end)
    tags: list[HtmlTag] = field(default_factory=list)
    comments: list[tuple[int, int]] = field(default_factory=list)
    code_spans: dict[int, int] = field(default_factory=dict)  # start of the opening backticks → end of the closing


_BACKTICKS = re.compile(r"`+")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HTML_TAG = re.compile(
    r"<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/?>",
    re.S,
)
_ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_EMAIL_AUTOLINK = re.compile(
    r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*)>"
)
# Look-behinds sit after a first character (`\$(?<!x\$)` for `(?<!x)\$`): the same matches, but `re` can
# skip ahead to the candidates instead of trying the look-behind at every position.
_BARE_URL = re.compile(r"[hw](?<![\w/@.:=\"'][hw])(?:(?<=h)ttps?://|(?<=w)ww\.)[^\s<>\"'`]+", re.I)
_RAW_ELEMENT = re.compile(r"<(script|style|pre|code|textarea)\b([^>]*)>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_FOOTNOTE_STOP = re.compile(r"[\]\s]")
_INLINE_MATH = re.compile(r"\$(?<![\\$\w]\$)(?=[^\s$])((?:[^$\\\n]|\\.|\n(?!\n))+?)(?<=[^\s\\])\$(?![\d$])")
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)", re.S)
_ESCAPED = re.compile(r"\\[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]")
# CommonMark's destination: `<…>` (no unescaped `<`, `>`), or no `<` first, no space or control character,
# parentheses balanced (two levels here); a title may hold escaped quotes.
_LINK_DEST = re.compile(
    r"\([ \t\n]*(?:<((?:[^<>\n\\]|\\.)*)>|(?!<)((?:[^\x00-\x20()\\{]|\\.|\{\{[^{}\n]*\}\}|\{(?!\{)|\((?:[^\x00-\x20()\\]|\\.|\((?:[^\x00-\x20()\\]|\\.)*\))*\))*))(?:[ \t\n]+(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t\n]*\)",
    re.S,
)
_REF_LABEL = re.compile(r"\[((?:[^\[\]\\]|\\.){0,999})\]")
_NUMBER_TEXT = re.compile(r"\s*\d{1,4}\s*")  # `[12]`: a numeric citation's text, never a link's
# Links and images inside this many others are text: real ones nest two deep (a badge, an image in a link).
MAX_LINK_NESTING = 8
_TRAILING_URL_PUNCT = ".,;:!?*_~'\""
_WWW = re.compile(r"www\.", re.I)
_NOT_NEWLINE = re.compile(r"[^\n]")
_BRACKET_SYNTAX = re.compile(r"[\[\]\\]|\n(?=\n)")  # what `_match_bracket` reacts to (a blank line ends)
_BRACKETS_ONLY = re.compile(r"[\[\]\\]")  # the same for a text without a blank line: twice as fast


def normalize_label(label: str) -> str:
    """CommonMark's link label matching: case-folded, inner whitespace collapsed."""
    return " ".join(label.split()).casefold()


def parse_attrs(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        value = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
        attrs[m.group(1).lower()] = html.unescape(value or "")
    return attrs


def trim_bare_url(url: str) -> str:
    """GFM's autolink extension: trailing punctuation and an unbalanced `)` are not part of the URL; nor
    is an unbalanced `]` (the bracket the URL was written in)."""
    while url:
        if (
            url[-1] in _TRAILING_URL_PUNCT
            or (url[-1] == ")" and url.count("(") < url.count(")"))
            or (url[-1] == "]" and url.count("[") < url.count("]"))  # `[ACT, https://…/1603.08983]`
        ):
            url = url[:-1]
        elif url.endswith(";") or re.search(r"&[a-zA-Z0-9]+;$", url):
            url = re.sub(r"&[a-zA-Z0-9]+;$", "", url)
        else:
            break
    return url


def _match_bracket(text: str, start: int, protected: bytearray) -> int:
    """Offset of the `]` closing the `[` at `start`, or -1; brackets in code spans do not count."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if protected[i]:
            i += 1
            continue
        if c == "\\":
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        elif c == "\n" and i + 1 < n and text[i + 1] == "\n":
            return -1
        i += 1
    return -1


def _closing_brackets(text: str, protected: bytearray) -> dict[int, int]:
    """`_match_bracket` for every `[` of a block at once: one pass with a stack instead of a scan each.

    Link destinations and labels protected later do not change these answers: they follow the `]`
    of a bracket already answered, and every `[` inside that bracket's text closes before it.
    """
    close: dict[int, int] = {}
    stack: list[int] = []
    skip = 0
    for m in (_BRACKET_SYNTAX if "\n\n" in text else _BRACKETS_ONLY).finditer(text):
        i = m.start()
        if i < skip or protected[i]:
            continue
        c = text[i]
        if c == "\\":
            skip = i + 2
        elif c == "[":
            stack.append(i)
        elif c == "]":
            if stack:
                close[stack.pop()] = i
        else:  # a newline before another: a blank line
            close.update(dict.fromkeys(stack, -1))
            stack.clear()
    close.update(dict.fromkeys(stack, -1))
    return close


def scan_inline(
    text: str, link_labels: set[str] | frozenset[str] = frozenset(), *, html_block: bool = False
) -> InlineScan:
    """Find links, images, footnote references, HTML tags and comments in `text`; build the prose mask.

    `link_labels` are the document's normalised link-definition labels: `[x][y]`, `[y][]` and `[y]`
    are reference-style links only when `y` is defined (CommonMark), though a full `[x][y]` with an
    undefined `y` is still reported so that the matcher can flag it, unless `x` is a number (`[1][2]`).
    """
    scan = InlineScan(mask="")
    blanks: list[tuple[int, int]] = []  # ranges blanked in the mask
    protected = bytearray(len(text))  # code spans, comments, math, tags: no Markdown inside

    def protect(start: int, end: int) -> None:
        protected[start:end] = b"\x01" * (end - start)
        blanks.append((start, end))

    # Each pass runs only when its opening character occurs at all: most blocks are plain prose.
    has_tag = "<" in text
    # HTML comments, code spans and math first: nothing inside them is Markdown.
    if has_tag and "<!--" in text:
        for m in _HTML_COMMENT.finditer(text):
            scan.comments.append((m.start(), m.end()))
            protect(m.start(), m.end())
    if html_block and has_tag:
        for m in _RAW_ELEMENT.finditer(text):
            if not protected[m.start()]:
                scan.tags.append(HtmlTag(m.group(1).lower(), parse_attrs(m.group(2)), m.start(), m.end()))
                protect(m.start(), m.end())
    if "`" in text:
        _code_spans(text, protected, protect, scan.code_spans)
    if "$" in text or "\\" in text:
        for start, end in _display_math(text):
            if protected.find(1, start, end) < 0:
                protect(start, end)
        for m in _INLINE_MATH.finditer(text):
            if protected.find(1, m.start(), m.end()) < 0:
                protect(m.start(), m.end())

    if has_tag:
        for m in _HTML_TAG.finditer(text):
            if protected[m.start()]:
                continue
            if not m.group("close"):
                scan.tags.append(HtmlTag(m.group("name").lower(), parse_attrs(m.group("attrs")), m.start(), m.end()))
            protect(m.start(), m.end())
        for m in _AUTOLINK.finditer(text):
            if not protected[m.start()]:
                scan.links.append(InlineLink(LinkKind.AUTOLINK, m.group(1), m.start(), m.end(), m.group(1)))
                protect(m.start(), m.end())
        if "@" in text:
            for m in _EMAIL_AUTOLINK.finditer(text):
                if not protected[m.start()]:
                    protect(m.start(), m.end())

    if "[" in text:
        _scan_brackets(text, blanks, protected, scan, link_labels)

    if "://" in text or _WWW.search(text):
        for m in _BARE_URL.finditer(text):
            if protected[m.start()]:
                continue
            end = m.start() + len(trim_bare_url(m.group(0)))
            # A URL ends where protected text (a tag or code span) begins.
            inside = protected.find(1, m.start(), end)
            if inside >= 0:
                end = inside
            url = text[m.start() : end]
            if len(url) > 7:
                scan.links.append(InlineLink(LinkKind.BARE, url, m.start(), end, url))
                protect(m.start(), end)

    scan.links.sort(key=lambda link: link.start)
    scan.mask = blank_ranges(text, blanks)
    return scan


_MATH_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"))


def _display_math(text: str) -> Iterator[tuple[int, int]]:
    """The spans `_DISPLAY_MATH.finditer` gives, in linear time: the regex rescans the rest of the text
    from every opener that has no closer after it (`\\[` repeated)."""
    live = list(_MATH_DELIMITERS)
    nexts = [text.find(opener) for opener, _ in live]
    pos = 0
    while live:
        for k, (opener, _) in enumerate(live):
            if nexts[k] != -1 and nexts[k] < pos:
                nexts[k] = text.find(opener, pos)
        candidates = [(at, k) for k, at in enumerate(nexts) if at != -1]
        if not candidates:
            return
        start, k = min(candidates)
        opener, closer = live[k]
        close = text.find(closer, start + len(opener) + 1)  # `.+?`: at least one character inside
        if close < 0:  # no later opener of this kind can close either
            del live[k], nexts[k]
            pos = start + 1
            continue
        yield start, close + len(closer)
        pos = close + len(closer)


def _code_spans(
    text: str, protected: bytearray, protect: Callable[[int, int], None], found: dict[int, int] | None = None
) -> None:
    """Each opening run of backticks closes at the next run of the same length; `found` gets each span."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for start, end in runs:
        by_length.setdefault(end - start, []).append(start)
    pos = 0
    for start, end in runs:
        if start < pos or protected[start] or (start > 0 and text[start - 1] == "\\"):
            continue
        same = by_length[end - start]
        index = bisect.bisect_left(same, end)
        if index == len(same):
            continue
        protect(start, same[index] + end - start)
        pos = same[index] + end - start
        if found is not None:
            found[start] = pos


def blank_ranges(text: str, blanks: list[tuple[int, int]]) -> str:
    """`text` with every character of the `blanks` ranges but newlines turned into spaces."""
    if not blanks:
        return text
    blanks.sort()
    pieces: list[str] = []
    pos = 0
    for start, end in blanks:
        if end <= pos:
            continue
        start = max(start, pos)
        pieces.append(text[pos:start])
        blanked = text[start:end]
        pieces.append(_NOT_NEWLINE.sub(" ", blanked) if "\n" in blanked else " " * len(blanked))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _scan_brackets(
    text: str,
    blanks: list[tuple[int, int]],
    protected: bytearray,
    scan: InlineScan,
    link_labels: set[str] | frozenset[str],
) -> None:
    """Links, images and footnote references, outermost first; link text stays prose in the mask."""
    closing: dict[int, int] | None = None  # built at the first `[` that needs its `]`
    unescaped: list[int] | None = None  # offsets of brackets no backslash escapes, built on demand
    enclosing: list[int] = []  # the `]` of each link whose text the scan is in, innermost last
    footnote_stop = -1  # the first `]` or space after a `[^`: where every `[^` before it stops too

    def label_text(opening: int, closing_at: int) -> str | None:
        """The bracket's text, or None when it cannot be a defined label: a defined label holds no
        unescaped bracket (CommonMark), so the text of a bracket around others is not even copied
        (nested brackets would copy O(n²) characters)."""
        nonlocal unescaped
        if not link_labels:
            return None
        if closing_at > opening + 1:
            if unescaped is None:
                unescaped = _unescaped_brackets(text)
            if unescaped[bisect.bisect_right(unescaped, opening)] != closing_at:
                return None
        return text[opening + 1 : closing_at]

    i = 0
    n = len(text)
    while i < n:
        i = text.find("[", i)
        if i < 0:
            break
        if protected[i] or (i > 0 and text[i - 1] == "\\"):
            i += 1
            continue
        if text.startswith("[^", i):
            if footnote_stop < i + 2:
                stop = _FOOTNOTE_STOP.search(text, i + 2)
                footnote_stop = stop.start() if stop else n
            # No `]` ends the label: the pattern would fail after reading to the stop, from every `[^`.
            m = _FOOTNOTE_REF.match(text, i) if footnote_stop < n and text[footnote_stop] == "]" else None
            is_definition = text.startswith(":", m.end()) if m else False
            if is_definition:  # only at the start of a line, after container markers
                before = i - 1
                while before >= 0 and text[before] in " \t>":
                    before -= 1
                is_definition = before < 0 or text[before] == "\n"
            if m and not is_definition:
                scan.footnote_refs.append((m.group(1), m.start(), m.end()))
                blanks.append((m.start(), m.end()))
                i = m.end()
                continue
        if closing is None:
            closing = _closing_brackets(text, protected)
        close = closing.get(i)
        if close is None:  # not reached by the pass above (cannot happen; kept exact)
            close = _match_bracket(text, i, protected)
        if close < 0:
            i += 1
            continue
        while enclosing and enclosing[-1] < i:
            enclosing.pop()
        if len(enclosing) >= MAX_LINK_NESTING:  # each deeper link would copy and rescan the text around it
            i += 1
            continue
        is_image = i > 0 and text[i - 1] == "!" and not (i > 1 and text[i - 2] == "\\")
        start = i - 1 if is_image else i
        after = close + 1
        kind = LinkKind.IMAGE if is_image else LinkKind.LINK
        if after < n and text[after] == "(":
            dest = _LINK_DEST.match(text, after)
            if dest:
                inner = text[i + 1 : close]
                url = dest.group(1) if dest.group(1) is not None else dest.group(2) or ""
                if "\\" in url or "&" in url:
                    url = html.unescape(_ESCAPED.sub(lambda e: e.group(0)[1], url))
                scan.links.append(InlineLink(kind, url, start, dest.end(), inner, i + 1))
                enclosing.append(close)
                blanks.append((after, dest.end()))
                protected[after : dest.end()] = b"\x01" * (dest.end() - after)
                if is_image:
                    blanks.append((start, i))  # the `!`; the alt text is prose (pandoc's figure caption)
                i += 1  # descend into the link text (nested images, footnote refs)
                continue
        if after < n and text[after] == "[":
            lab = _REF_LABEL.match(text, after)
            if lab:
                label = lab.group(1) or label_text(i, close)
                defined = label is not None and normalize_label(label) in link_labels
                # `[1][2]` with no `[2]:` definition is two numeric citations side by side, not a link.
                if defined or (lab.group(1) and not _NUMBER_TEXT.fullmatch(text, i + 1, close)):
                    inner = text[i + 1 : close]
                    scan.links.append(
                        InlineLink(kind, "", start, lab.end(), inner, i + 1, label=label, reference_style=True)
                    )
                    blanks.append((after, lab.end()))
                    protected[after : lab.end()] = b"\x01" * (lab.end() - after)
                    enclosing.append(close)
                    i = close + 1 if is_image else i + 1
                    continue
        if close > i + 1 and not text.startswith(":", after):
            inner_label = label_text(i, close)
            if inner_label is not None and normalize_label(inner_label) in link_labels:
                scan.links.append(
                    InlineLink(kind, "", start, after, inner_label, i + 1, label=inner_label, reference_style=True)
                )
        i += 1


def _unescaped_brackets(text: str) -> list[int]:
    """Offsets of the `[` and `]` of `text` that no backslash escapes, and `len(text)` last."""
    found: list[int] = []
    skip = 0
    for m in _BRACKETS_ONLY.finditer(text):
        at = m.start()
        if at < skip:
            continue
        if text[at] == "\\":
            skip = at + 2
        else:
            found.append(at)
    found.append(len(text))
    return found

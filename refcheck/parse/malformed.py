"""Link syntax that renders as text, not as a link (RC409): `[text][(url)]`, `(text)[url]`,
`[text] (url)`, and an undefined `[label]` written where the paragraph's other citations are links."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import NamedTuple

from refcheck.model import LinkKind
from refcheck.parse.inline import InlineScan, normalize_label

_LOOK_BACK = 300  # how far before `](`, `)[` or `] (` the opening bracket is looked for
# Each pattern starts at the closing bracket of the would-be link text and ends where the URL starts.
_BRACKETED_URL = re.compile(r"\]\[\(\s*<?https?://")  # [text][(url)
_SWAPPED = re.compile(r"\)\[\s*<?https?://")  # (text)[url]
_SPACED = re.compile(r"\][ \t]+\(\s*<?https?://")  # [text] (url)
_URL_END = re.compile(r"[^\s<>]*")
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_CHECKBOX = re.compile(r"\s?|[xX]")


class Malformed(NamedTuple):
    start: int
    end: int
    message: str


def malformed_links(
    text: str, scan: InlineScan, labels: Collection[str], cited: Collection[int]
) -> Iterator[Malformed]:
    """RC409 candidates in one block's text; `labels` are the defined link labels, `cited` the offsets
    where a citation was read (an undefined `[label]` read as a citation is the matcher's to judge)."""
    mask = scan.mask
    if "http" in text and ("][" in text or ")[" in text or "] " in text or "]\t" in text):
        for pattern, opening, what in (
            (_BRACKETED_URL, "[", "`[text][(url)]` is not a link; write `[text](url)`"),
            (_SWAPPED, "(", "`(text)[url]` is not a link; write `[text](url)`"),
            (_SPACED, "[", "`[text] (url)` is not a link (no space between `]` and `(`)"),
        ):
            for m in pattern.finditer(text):
                start = _opening(text, m.start(), opening)
                if start < 0 or not _is_prose(mask, start, m.start()):
                    continue
                inner = text[start + 1 : m.start()]
                if pattern is _SPACED and (inner.isdigit() or inner[:1] in "^@" or _CHECKBOX.fullmatch(inner)):
                    continue  # `[1] (https://…)`: an entry number before a URL, a footnote, a task box
                if pattern is _SWAPPED and ((start > 0 and text[start - 1] == "]") or "](" in inner):
                    continue  # `[a](b)[c]`-like: the parenthesis belongs to a real link
                url_end = _URL_END.match(text, m.end()).end()  # type: ignore[union-attr]
                yield Malformed(start, url_end, what)
    yield from _unlinked_labels(text, scan, labels, cited)


def _opening(text: str, close: int, opening: str) -> int:
    """The bracket that opens the text closed at `close`, on the same line and not too far back."""
    closing = "]" if opening == "[" else ")"
    depth = 0
    for index in range(close - 1, max(-1, close - _LOOK_BACK), -1):
        ch = text[index]
        if ch == "\n":
            return -1
        if ch == closing:
            depth += 1
        elif ch == opening:
            if depth == 0:
                return index if index + 1 < close else -1
            depth -= 1
    return -1


def _is_prose(mask: str, start: int, end: int) -> bool:
    """Both brackets are text the reader sees (not in code, a comment, math or a URL)."""
    return start < len(mask) and mask[start] != " " and mask[end] != " "


def _unlinked_labels(
    text: str, scan: InlineScan, labels: Collection[str], cited: Collection[int]
) -> Iterator[Malformed]:
    """`[Wirnsberger et. al, "Title", arXiv 2020]` beside `[Li et. al., "Title", arXiv 2020](url)`:
    a citation-like bracket with no definition, where the same paragraph writes its others as links."""
    dated_links = [
        link
        for link in scan.links
        if link.kind is LinkKind.LINK and not link.reference_style and _YEAR.search(link.text)
    ]
    if not dated_links or "[" not in text:
        return
    inside = [(link.start, link.end) for link in scan.links]
    for m in re.finditer(r"\[([^\[\]\n]{8,300})\]", text):
        start, end = m.start(), m.end()
        if start in cited or any(s <= start < e for s, e in inside):
            continue
        if (start > 0 and text[start - 1] in "[!]") or text[end : end + 1] in ("(", "[", ":", "]"):
            continue
        inner = m.group(1)
        if inner[:1] in "^@" or normalize_label(inner) in labels or not _is_prose(scan.mask, start, end - 1):
            continue
        if _YEAR.search(inner) and len(inner.split()) >= 3:
            yield Malformed(start, end, f"[{_short(inner)}] is not a link: no URL and no definition")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."

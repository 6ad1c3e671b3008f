"""Heading anchors as GitHub makes them (slugs, `-1`/`-2` for repeats), explicit `{#id}`, HTML ids, and the
targets site generators define outside headings (pandoc attributes, MyST labels, Quarto cell labels)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

_TAGS = re.compile(r"<[^>]+>")
# What `_strip_links` does, as a regex (kept for tests: it is quadratic on `[[[[…`).
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|!?\[([^\]]*)\]\[[^\]]*\]")
_EMPHASIS_MARKS = re.compile(r"[*`~]|(?<!\w)_|_(?!\w)")


@functools.lru_cache(maxsize=4096)  # "Introduction", "Usage", "References": titles repeat across a tree
def heading_anchor(title: str) -> str:
    """GitHub's slug: lower case, punctuation dropped (not `-` or `_`), each space a hyphen."""
    text = _strip_links(title)
    end = text.rfind(">") + 1  # a tag ends with `>`: after the last one, `_TAGS` would only rescan
    text = _TAGS.sub("", text[:end]) + text[end:]
    text = _EMPHASIS_MARKS.sub("", text)
    text = text.strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "-_ " or category[0] in ("L", "N") or category == "Mn":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def _strip_links(title: str) -> str:
    """`_LINK.sub` by the link text, in linear time: a `[` with no link after its first `]` fails the
    same way as every `[` before that `]`, which the regex would each try again to the end."""
    pieces: list[str] = []
    pos = scan = 0
    while (opening := title.find("[", scan)) >= 0 and (closing := title.find("]", opening + 1)) >= 0:
        follow = title[closing + 1 : closing + 2]
        end = title.find(")" if follow == "(" else "]", closing + 2) if follow in ("(", "[") else -1
        if end < 0:
            scan = closing + 1
            continue
        start = opening - 1 if opening > pos and title[opening - 1] == "!" else opening
        pieces += (title[pos:start], title[opening + 1 : closing])
        pos = scan = end + 1
    pieces.append(title[pos:])
    return "".join(pieces)


@dataclass(slots=True)
class AnchorSet:
    """The ids one document defines; repeated heading slugs get GitHub's numeric suffixes."""

    ids: set[str] = field(default_factory=set)
    _counts: dict[str, int] = field(default_factory=dict)

    def add_heading(self, title: str, explicit: str | None = None) -> None:
        if explicit:
            self.ids.add(explicit)
        slug = heading_anchor(title)
        count = self._counts.get(slug, 0)
        self._counts[slug] = count + 1
        self.ids.add(slug if count == 0 else f"{slug}-{count}")

    def add_id(self, value: str) -> None:
        if value:
            self.ids.add(value)


# Ids that generators give to blocks and spans, read line by line: pandoc/Quarto attributes `{#fig-x .cls}`
# on divs, images, spans and code fences; MyST targets `(label)=` and directive options `:label:`/`:name:`;
# Quarto cell options `#| label: fig-x`. After an attribute's id, only a space or `#` may start the rest
# of its braces: `[^{}\n]*` straight after the id overlapped it, and a long id with no `}` was quadratic.
_GENERATOR_TARGETS = re.compile(
    r"\{#(?P<attr>[^\s{}#]+)(?:(?:[^\S\n]|#)[^{}\n]*)?\}"
    r"|^[ \t>]*\((?P<myst>[^()\s]+)\)=[ \t]*$"
    r"|^[ \t>]*:(?:label|name):[ \t]+(?P<option>\S+)[ \t]*$"
    r"|^[ \t]*#\|[ \t]*label:[ \t]*(?P<cell>\S+)[ \t]*$",
    re.M,
)


def generator_targets(text: str) -> set[str]:
    """Every id a site generator defines in `text` besides headings and HTML: what `#fragment` links may name."""
    return {next(g for g in m.groups() if g) for m in _GENERATOR_TARGETS.finditer(text)}


def has_anchor(anchors: set[str], fragment: str) -> bool:
    """Whether `#fragment` lands: exact id, percent-decoded, GitHub's `user-content-`, or case-insensitive slug."""
    from urllib.parse import unquote

    candidates = {fragment, unquote(fragment)}
    candidates |= {c.removeprefix("user-content-") for c in candidates}
    if candidates & anchors:
        return True
    lowered = {a.lower() for a in anchors}
    return any(c.lower() in lowered for c in candidates)

"""Heading anchors as GitHub makes them (slugs, `-1`/`-2` for repeats), explicit `{#id}`, HTML ids, and the
targets site generators define outside headings (pandoc attributes, MyST labels, Quarto cell labels)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

_TAGS = re.compile(r"<[^>]+>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|!?\[([^\]]*)\]\[[^\]]*\]")
_EMPHASIS_MARKS = re.compile(r"[*`~]|(?<!\w)_|_(?!\w)")


@functools.lru_cache(maxsize=4096)  # "Introduction", "Usage", "References": titles repeat across a tree
def heading_anchor(title: str) -> str:
    """GitHub's slug: lower case, punctuation dropped (not `-` or `_`), each space a hyphen."""
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2) or "", title)
    text = _TAGS.sub("", text)
    text = _EMPHASIS_MARKS.sub("", text)
    text = text.strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "-_ " or category[0] in ("L", "N") or category == "Mn":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


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
# Quarto cell options `#| label: fig-x`.
_GENERATOR_TARGETS = re.compile(
    r"\{#(?P<attr>[^\s{}#]+)[^{}\n]*\}"
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

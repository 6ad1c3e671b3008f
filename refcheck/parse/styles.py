"""Citation styles, each one unit: the grammars that find it in prose, how its citations are matched
(`kind`: the matcher's handler for that kind), whether it cites the document's own list, whether it
cites a bibliography by key, and whether it still counts inside a footnote's text.

`STYLES` is the registry the parser and the matcher read; `register` adds a style (its grammars run
after the built-in ones). The built-in grammars live in `citations.py`, registered there by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.model import CitationKind
from refcheck.parse import citations
from refcheck.parse.citations import Grammar

GrammarEntry = tuple[str, str, Grammar]  # (name, trigger text, grammar)


@dataclass(frozen=True, slots=True)
class Style:
    name: str
    kind: CitationKind  # how a citation of the style is matched (and its `Citation.kind`)
    grammars: tuple[GrammarEntry, ...] = ()  # what finds it; () when the block parser does (distill tags)
    cites_list: bool = False  # it cites the document's own list: that list's uncited entries are reported
    keyed: bool = False  # it cites a bibliography by key: a document using it has one to look for
    in_footnotes: bool = False  # still a citation inside a footnote's text (and in reference entries)


def _grammars(*names: str) -> tuple[GrammarEntry, ...]:
    by_name = {entry[0]: entry for entry in citations.GRAMMARS}
    return tuple(by_name[name] for name in names)


STYLES: list[Style] = [
    Style(
        "author-year",
        CitationKind.AUTHOR_YEAR,
        _grammars("link-wrapped", "narrative", "parenthetical"),
        cites_list=True,
    ),
    Style(
        "numeric", CitationKind.NUMERIC, _grammars("numeric", "superscript", "fullwidth", "sup-tag"), cites_list=True
    ),
    Style("footnote", CitationKind.FOOTNOTE, _grammars("footnote"), in_footnotes=True),
    Style("link-label", CitationKind.LINK_LABEL, _grammars("link-label"), in_footnotes=True),
    Style("pandoc", CitationKind.PANDOC, _grammars("pandoc"), keyed=True, in_footnotes=True),
    Style("myst", CitationKind.MYST, _grammars("myst"), keyed=True, in_footnotes=True),
    Style("hugo", CitationKind.HUGO, _grammars("hugo-cite"), keyed=True),
    Style("distill", CitationKind.DISTILL, keyed=True),  # <d-cite>/<cite> tags: read by the block parser
    Style("identifier-link", CitationKind.IDENTIFIER_LINK, cites_list=True),  # links to arxiv.org/doi.org
]


def register(style: Style) -> None:
    """Add a citation style: its grammars join the ones every prose block is read with."""
    STYLES.append(style)
    citations.GRAMMARS.extend(entry for entry in style.grammars if entry not in citations.GRAMMARS)


def kinds(*, cites_list: bool = False, keyed: bool = False, in_footnotes: bool = False) -> frozenset[CitationKind]:
    """The kinds of the styles with the flag asked for (one flag per call)."""
    return frozenset(
        style.kind
        for style in STYLES
        if (cites_list and style.cites_list) or (keyed and style.keyed) or (in_footnotes and style.in_footnotes)
    )

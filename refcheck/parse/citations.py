"""In-text citation grammars. Each grammar is a small unit, registered in `GRAMMARS`, that reads the
prose mask of one block (code, math, HTML and URLs already blanked) and yields citations with offsets.

Precision beats recall: a lone `Word (2019)` counts only when `Word` is a surname of the document's
reference list, venues and products before a year stay quiet, and bare `@key` needs a bibliography.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from refcheck import identifiers
from refcheck.model import Citation, CitationKind, IdentifierKind, LinkKind, Reference, ReferenceSource, Span
from refcheck.names import normalise_surname
from refcheck.parse.inline import InlineLink, InlineScan, blank_ranges, normalize_label

# Spaced particles ("van der Berg"); glued ones ("Vandenberg", "d'Alembert") are matched by _WORD alone.
_PARTICLE = r"(?:(?:van|von|der|den|de|del|della|di|da|dos|du|la|le|ten|ter|al|el|bin|ibn|Van|Von|De|Di|Da|Du|La|Le|Del|Della|Dos|Der|Den|Ten|Ter|Al|El)\s+|(?:d'|D'|O')\s+)"
_WORD = r"[^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)*"
_NAME = rf"(?:{_PARTICLE}{{0,3}}{_WORD})"
_ETAL = r"(?:,?\s+et\.?\s*al(?:\.|ii\b|\b))"
# At most this many names between the first and the one after "and": an unbounded list would make the
# pattern read a whole comma-separated run from each of its words ("Smith, Smith, …": quadratic).
_MORE_NAMES = 20


# Spaces with an optional comma among them, as `\s*,?\s+` reads them: written so that a long run of spaces
# followed by neither a comma nor what comes next is given up in one pass, not retried split by split
# between `\s*` and `\s+` (quadratic: a masked formula of 11,000 spaces after a name took a second).
_COMMA_SPACE = r"(?:\s*,\s+|\s+)"


def _atomic_name(tag: str) -> str:
    """`_NAME` whose word never gives back characters (a lookahead and a backreference: an atomic group
    before Python 3.11). Same matches wherever a name must be followed by a space, a comma, `'s` or `(`;
    it spares the regex engine retrying every shorter prefix of every word.
    """
    return rf"(?:{_PARTICLE}{{0,3}}(?=(?P<word_{tag}>{_WORD}))(?P=word_{tag}))"


def _authors(name: Callable[[str], str]) -> str:
    """`First`, `First et al.` or `First, More, and Second (et al.)`, each name written by `name(tag)`."""
    return (
        rf"(?P<first>{name('first')})"
        rf"(?:(?P<etal>{_ETAL})"
        rf"|(?:(?:\s*,\s*{name('more')}){{0,{_MORE_NAMES}}}{_COMMA_SPACE}(?:and|&)\s+(?P<second>{name('second')})(?P<etal2>{_ETAL})?))?"
    )


_AUTHORS = _authors(lambda _: _NAME)
_ATOMIC_AUTHORS = _authors(_atomic_name)
_YEAR = r"(?:1[6-9]\d\d|20\d\d)[a-z]?(?![\w-])|n\.\s?d\.|in\s+press|forthcoming"
_YEARS = rf"(?P<years>(?:{_YEAR})(?:\s*[,;]\s*(?:{_YEAR}))*)"
_LOCATOR = r"(?:\s*,\s*(?:pp?|ch|chap|sec|fig|eq|para|p\.p)\.?\s*[\w–-]+(?:\s*[-–]\s*\w+)?)"
_PREFIX = (
    r"(?:(?:e\.g\.|i\.e\.|see(?:\s+also)?|cf\.|for\s+example|for\s+instance|as\s+in|reviewed\s+in|but\s+see)"
    rf"{_COMMA_SPACE})"
)

# The `(year)` that ends a narrative citation; the citation's names hold no parenthesis.
_NARRATIVE_TAIL = re.compile(rf"\(\s*{_YEARS}{_LOCATOR}?\s*\)")
_PAREN = re.compile(r"\((?P<body>[^()\n]*(?:\n[^()\n]*)?)\)")

# The three patterns with the full author list take ~4 ms to compile: each is compiled when first needed,
# which a document without author–year prose (a README of links) never is.


@functools.cache
def _narrative() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@#/.-]){_ATOMIC_AUTHORS}(?P<poss>['’]s)?\s*\(\s*{_YEARS}{_LOCATOR}?\s*\)")


@functools.cache
def _paren_item() -> re.Pattern[str]:
    return re.compile(rf"^\s*{_PREFIX}?{_ATOMIC_AUTHORS}{_COMMA_SPACE}{_YEARS}{_LOCATOR}?\s*$")


@functools.cache
def _paren_tail_item() -> re.Pattern[str]:
    """An item at the end of a part after other lead-in words: "(as shown by Smith et al., 2020)"."""
    return re.compile(rf"(?<![\w'’@#/.-]){_ATOMIC_AUTHORS}{_COMMA_SPACE}{_YEARS}{_LOCATOR}?\s*$")


# A lead-in ending in a joiner makes the name after it a later author of an unknown first one.
_JOINED = re.compile(r"(?:\band|&)\s*$")
_LINK_TEXT = re.compile(rf"\s*\(?{_PREFIX}?{_AUTHORS}\s*(?:,\s*)?(?:\(\s*)?{_YEARS}\s*\)?\s*")
# A look-behind placed after the first literal (`\[(?<!x\[)` for `(?<!x)\[`) means the same and lets `re`
# skip ahead to each `[`, `@` or `$`; in front, it is tried at every position of the text (several times
# slower on prose).
# `[3]`, `[1, 2]`, `[1-3]`; a `[` after it only when another number follows (`[1][2]`, side by side).
_NUMERIC = re.compile(r"\[(?<![!\w^]\[)(?P<body>\s*\d{1,4}(?:\s*[-–,]\s*\d{1,4})*\s*)\](?!\(|:|\[(?!\s*\d))")
_NUMERIC_PART = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")
_RANGE_GAP = re.compile(r"\s?[-–]\s?")  # `[1]-[3]`, `[1]–[3]`
# Pandoc superscripts `^4^`, `^4,5^` (Gemini exports): never after a letter or digit, where `^2^` is a
# power (`km^2^`, `10^6^`).
_SUPERSCRIPT = re.compile(r"\^(?<![\w\\^]\^)(?P<body>\d{1,4}(?:[,–-]\d{1,4})*)\^(?!\^)")
_FULLWIDTH = re.compile(r"【(?P<body>\s*\d{1,4}(?:\s*[-–,，、]\s*\d{1,4})*\s*)】")
_SUP_BODY = re.compile(r"\s*\d{1,4}(?:\s*[-–,]\s*\d{1,4})*\s*")
_SUP_CLOSE = re.compile(r"</sup\s*>", re.I)
_LONE_BRACKET = re.compile(r"\[[\d\s,–-]*\]")  # `[2]`, `[1, 3]`: not `[1][2]`, `[^1^]` or `<sup>[1]</sup>`
_NUMBERED_FOOTNOTE = re.compile(r"(\d{1,4})\^")  # `[^1^]`: a numeric citation written as a footnote
# Hugo shortcodes of hugo-cite: `{{< cite "key" >}}`, `{{< cite "-key" "12" >}}`, `{{< cite key="k" >}}`;
# `{{</* cite */>}}` is the shortcode escaped for display.
_HUGO_CITE = re.compile(r"\{\{(?P<delim>[<%])\s*cite\s+(?P<args>[^{}\n]*?)\s*[>%]\}\}")
_HUGO_ARG = re.compile(r'(?:(?P<name>\w+)\s*=\s*)?(?:"(?P<dq>[^"]*)"|`(?P<raw>[^`]*)`|(?P<word>[^\s"`=]+))')
# The body up to its first `@` cannot hold another `@`, and after it runs greedily to the first `]`: the
# same matches as the lazy `[^[\]\n]*?-?@[^[\]]*?`, which tried every `@` of a long run in turn (quadratic).
_PANDOC_BRACKET = re.compile(r"\[(?<![\]\\!]\[)(?P<body>[^\[\]\n@]*-?@[^\[\]]*)\](?![(\[])")
_PANDOC_KEY = re.compile(r"(?P<neg>-)?@(?P<key>\{[^{}]+\}|[\w][\w:.#$%&\-+?<>~/=]*)")
_BARE_KEY = re.compile(r"(?:(?P<neg>-)(?<![\w@\[\\`]-)@|@(?<![\w@\[\\`]@))(?P<key>[A-Za-z_][\w:.#$%&\-+?<>~/]*)")
# Quarto `@fig-x` and pandoc-crossref (Manubot) `@fig:x` cross-references.
_QUARTO_XREF = re.compile(r"^(?:fig|tbl|sec|eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|alg|apx)[-:]")
# Manubot's prefixes and its aliases (`pubmed:` for `pmid:`, `pmc:` for `pmcid:`, `http(s):` for `url:`).
_MANUBOT_PREFIXES = (
    "doi:",
    "arxiv:",
    "pmid:",
    "pmcid:",
    "pubmed:",
    "pmc:",
    "url:",
    "http:",
    "https:",
    "isbn:",
    "wikidata:",
    "tag:",
    "raw:",
)
# MyST roles as markdown-it's myst_role plugin reads them: `{name}` directly before a code span, the
# `{` not escaped. Only the citation roles of sphinxcontrib-bibtex and mystmd count; `{ref}`, `{numref}`,
# `{eq}` and the rest are cross-references or markup.
_MYST_ROLE = re.compile(r"\{(?<!\\\{)(?P<role>(?:foot)?cite(?::[a-z]+)?)\}")
MYST_CITE_ROLES = frozenset(
    [
        "cite",
        "cite:p",
        "cite:t",
        "cite:ps",
        "cite:ts",
        "cite:ct",
        "cite:cts",
        "cite:alp",
        "cite:alps",
        "cite:label",
        "cite:labelpar",
        "cite:year",
        "cite:yearpar",
        "cite:author",
        "cite:authors",
        "cite:authorpar",
        "cite:authorpars",
        "cite:cauthor",
        "cite:cauthors",
        "cite:empty",
        "footcite",
        "footcite:p",
        "footcite:t",
        "footcite:ps",
        "footcite:ts",
        "footcite:ct",
        "footcite:cts",
    ]
)
# One key of a role's body: optional `{prefix}` and `{suffix}` (mystmd, sphinxcontrib-bibtex), keys
# separated by commas (mystmd also takes `;`).
_MYST_KEY = re.compile(r"\s*(?:\{[^{}]*\}\s*)?(?P<key>[^{}\s,;<>]+)\s*(?:\{[^{}]*\}\s*)?(?:[,;]|$)")
# Sphinx's explicit-title form `{cite}`text <key>``: the keys are the target in angle brackets.
_MYST_TARGET = re.compile(r"<(?P<keys>[^<>]*)>\s*$")
_BACKTICK_RUN = re.compile(r"`*")
_DOI_KEY = re.compile(r"^10\.\d{4,9}/\S+$")
_YEAR_TOKEN = re.compile(_YEAR)
_SPACES = re.compile(r"\s+")
_NOWHERE = Span(1, 1, 1, 2)

# Capitalised words that precede a year without being an author.
_NOT_AUTHORS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "spring",
        "summer",
        "autumn",
        "fall",
        "winter",
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "to",
        "of",
        "and",
        "or",
        "see",
        "since",
        "until",
        "before",
        "after",
        "during",
        "circa",
        "around",
        "about",
        "between",
        "version",
        "release",
        "released",
        "update",
        "updated",
        "accessed",
        "retrieved",
        "published",
        "copyright",
        "edition",
        "revised",
        "figure",
        "fig",
        "table",
        "section",
        "chapter",
        "eq",
        "equation",
        "appendix",
        "page",
        "note",
        "nature",
        "science",
        "cell",
        "arxiv",
        "preprint",
        "proceedings",
        "journal",
        "conference",
        "workshop",
        "blog",
        "press",
        "report",
        "thesis",
        "website",
        "online",
        "available",
        "python",
        "java",
        "windows",
        "ubuntu",
        "iphone",
        "android",
        "season",
        "episode",
        "year",
        "years",
        "vol",
        "volume",
        "issue",
        "part",
        "no",
        "number",
        "est",
        "founded",
        "ca",
        "c",
        "approximately",
    ]
)


@dataclass(slots=True)
class KnownNames:
    """What the document's own entries make plausible: author surnames and numbered keys."""

    surnames: set[str] = field(default_factory=set)
    numbered: bool = False

    @classmethod
    def from_references(cls, references: Iterable[Reference]) -> KnownNames:
        known = cls()
        for ref in references:
            for name in ref.authors:
                known.surnames.add(name)
                known.surnames.add(name.split()[-1])
            if ref.source in (ReferenceSource.LIST, ReferenceSource.FURTHER_READING) and ref.key and ref.key.isdigit():
                known.numbered = True
        return known

    def knows(self, name: str) -> bool:
        norm = normalise_surname(name)
        return norm in self.surnames or norm.split()[-1] in self.surnames if norm else False


@dataclass(slots=True)
class Found:
    """A citation found at offsets `start`–`end` of the block text; turned into a `Citation` with a span."""

    kind: CitationKind
    start: int
    end: int
    text: str
    authors: tuple[str, ...] = ()
    et_al: bool = False
    year: str | None = None
    key: str | None = None
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None

    def to_citation(self, span: Span) -> Citation:
        return Citation(
            self.kind, span, self.text, self.authors, self.et_al, self.year, self.key, self.arxiv_id, self.doi, self.url
        )


@dataclass(slots=True)
class Context:
    text: str
    scan: InlineScan
    mask: str
    known: KnownNames
    has_bib: bool
    outside_links: str | None = None  # the mask with link ranges blanked too; built once, on demand


Grammar = Callable[[Context], Iterator[Found]]
GRAMMARS: list[tuple[str, str, Grammar]] = []  # (name, trigger, grammar)


def grammar(name: str, trigger: str) -> Callable[[Grammar], Grammar]:
    """Register a citation grammar that can only match in a block containing `trigger`; grammars run in
    registration order."""

    def register(func: Grammar) -> Grammar:
        GRAMMARS.append((name, trigger, func))
        return func

    return register


def find_citations(text: str, scan: InlineScan, *, known: KnownNames, has_bib: bool) -> list[Found]:
    """Every citation in one prose block, in order of position."""
    ctx = Context(text, scan, scan.mask, known, has_bib)
    found: list[Found] = []
    for _, trigger, func in GRAMMARS:
        if trigger in text:  # most blocks hold the characters of two or three grammars at most
            found.extend(func(ctx))
    found.sort(key=lambda f: (f.start, f.end))
    return found


def _plausible_author(name: str, known: KnownNames, *, alone: bool) -> bool:
    """Whether `name` can be an author: known surnames always; unknown ones must look like a surname."""
    if known.knows(name):
        return True
    if alone:
        return False
    last = name.split()[-1]
    if last.casefold() in _NOT_AUTHORS or not last[0].isupper():
        return False
    letters = [c for c in last if c.isalpha()]
    return not (len(letters) > 1 and all(c.isupper() for c in letters))


def _years(text: str) -> list[str]:
    return [_SPACES.sub("", m.group(0)).lower() for m in _YEAR_TOKEN.finditer(text)]


def _authors_of(m: re.Match[str]) -> tuple[tuple[str, ...], bool]:
    names = [normalise_surname(m.group("first"))]
    if m.group("second"):
        names.append(normalise_surname(m.group("second")))
    return tuple(n for n in names if n), bool(m.group("etal") or m.group("etal2"))


def _author_year(
    m: re.Match[str], ctx: Context, start: int, end: int, *, alone_needs_known: bool, link: InlineLink | None = None
) -> Iterator[Found]:
    first = m.group("first")
    authors, et_al = _authors_of(m)
    alone = not et_al and not m.group("second")
    if not _plausible_author(first, ctx.known, alone=alone and alone_needs_known):
        return
    if m.group("second") and not _plausible_author(m.group("second"), ctx.known, alone=False):
        return
    # Narrative "X and Y (2020)" reads like prose ("Apple and Google (2020)") unless a name is known.
    if (
        alone_needs_known
        and m.group("second")
        and not et_al
        and not (ctx.known.knows(first) or ctx.known.knows(m.group("second")))
    ):
        return
    url = link.url if link else None
    arxiv = identifiers.arxiv_from_url(url) if url else None
    doi = identifiers.doi_from_url(url) if url else None
    for year in _years(m.group("years")):
        yield Found(
            CitationKind.AUTHOR_YEAR,
            start,
            end,
            ctx.text[start:end],
            authors,
            et_al,
            year,
            url=url,
            arxiv_id=_norm_arxiv(arxiv),
            doi=_norm_doi(doi),
        )


@functools.lru_cache(maxsize=4096)
def _norm_arxiv(raw: str | None) -> str | None:
    if not raw:
        return None
    return identifiers.make_identifier(IdentifierKind.ARXIV, raw, _NOWHERE).value


@functools.lru_cache(maxsize=4096)
def _norm_doi(raw: str | None) -> str | None:
    if not raw:
        return None
    return identifiers.make_identifier(IdentifierKind.DOI, raw, _NOWHERE).value


def _prose_links(ctx: Context) -> list[InlineLink]:
    return [link for link in ctx.scan.links if link.kind is LinkKind.LINK and not link.reference_style]


@grammar("link-wrapped", "[")
def link_wrapped(ctx: Context) -> Iterator[Found]:
    """`[Kaplan et al., 2020](url)`, `[Name (Author et al, 2017)](url)`, and links to arXiv/DOI records."""
    for link in _prose_links(ctx):
        text_end = link.text_start + len(link.text)
        whole = _LINK_TEXT.fullmatch(ctx.mask, link.text_start, text_end)
        found_any = False
        if whole:
            for item in _author_year(whole, ctx, link.start, link.end, alone_needs_known=False, link=link):
                found_any = True
                yield item
        if not found_any:
            for sub in _inner(ctx, link.text_start, text_end):
                found_any = True
                sub.url = link.url
                sub.arxiv_id = _norm_arxiv(identifiers.arxiv_from_url(link.url))
                sub.doi = _norm_doi(identifiers.doi_from_url(link.url))
                yield sub
        if not found_any:
            arxiv = identifiers.arxiv_from_url(link.url)
            doi = identifiers.doi_from_url(link.url)
            if arxiv or doi:
                yield Found(
                    CitationKind.IDENTIFIER_LINK,
                    link.start,
                    link.end,
                    ctx.text[link.start : link.end],
                    url=link.url,
                    arxiv_id=_norm_arxiv(arxiv),
                    doi=_norm_doi(doi),
                )


def _inner(ctx: Context, start: int, end: int) -> Iterator[Found]:
    """Parenthetical and narrative citations inside a link's text."""
    # `end` bounds the patterns as a cut mask would (endpos), without copying the mask per link.
    yield from _parenthetical_in(ctx, start, end)
    yield from _narrative_in(ctx, start, end)


def _outside_links(ctx: Context) -> Context | None:
    """The block with link and image ranges blanked too (built once for both author–year grammars), or
    None when it holds no `(` for them to look at."""
    if "(" not in ctx.mask:
        return None
    if ctx.outside_links is None:
        ranges = [(link.start, link.end) for link in ctx.scan.links if link.kind in (LinkKind.LINK, LinkKind.IMAGE)]
        ctx.outside_links = blank_ranges(ctx.mask, ranges) if ranges else ctx.mask
    return Context(ctx.text, ctx.scan, ctx.outside_links, ctx.known, ctx.has_bib)


@grammar("narrative", "(")
def narrative(ctx: Context) -> Iterator[Found]:
    """`Kaplan et al. (2020)`, `Smith and Jones (2019)`, `Smith (2019, 2020a)`, `Kaplan et al.'s (2020)`."""
    outside = _outside_links(ctx)
    if outside is not None:
        yield from _narrative_in(outside, 0, len(outside.mask))


def _narrative_in(ctx: Context, start: int, end: int) -> Iterator[Found]:
    # Same matches as `_narrative().finditer(mask, start, end)`, but the pattern only runs in the stretch
    # before each `(year)`: a match's `(` is the first one after its start, so no match starts before
    # the previous `(` or `)`. Prose without `(year)` costs one scan for the tail.
    mask = ctx.mask
    pos = start
    previous = start  # end of the previous tail: no parenthesis is looked for twice
    for tail in _NARRATIVE_TAIL.finditer(mask, start, end):
        if tail.start() < pos:
            continue
        low = max(pos, previous)
        previous = tail.end()
        window = max(low, mask.rfind("(", low, tail.start()) + 1, mask.rfind(")", low, tail.start()) + 1)
        while (m := _narrative().search(mask, window, tail.end())) is not None:
            pos = m.end()
            found = list(_author_year(m, ctx, m.start(), m.end(), alone_needs_known=True))
            if found:
                yield from found
                break
            # The leftmost match may start at a word that is no author ("the data, Smith and Jones
            # (2020)"): the citation may still start at a later name of the same match.
            window = m.end("first")


@grammar("parenthetical", "(")
def parenthetical(ctx: Context) -> Iterator[Found]:
    """`(Vaswani et al., 2017)`, `(Gao et al., 2020; Wei et al., 2022)`, `(e.g., Smith, 2019, p. 4)`."""
    outside = _outside_links(ctx)
    if outside is not None:
        yield from _parenthetical_in(outside, 0, len(outside.mask))


def _parenthetical_in(ctx: Context, start: int, end: int) -> Iterator[Found]:
    """Each `;`-separated part of a parenthetical that is an author–year item, whole (after an optional
    `_PREFIX` such as "see" or "e.g.,") or at the part's end after other lead-in words.

    A whole item that opens the parenthetical sits on the `(`; a later one on its own first character.
    An item after lead-in words sits on the first character of its first name, wherever it is: the
    words before it are not part of the citation.
    """
    for m in _PAREN.finditer(ctx.mask, start, end):
        body_start = m.start("body")
        offset = body_start
        for part in m.group("body").split(";"):
            last = m.end() if offset + len(part) >= m.end("body") else offset + len(part.rstrip())
            item = _paren_item().match(part)
            if item:
                first = m.start() if offset == body_start else offset + len(part) - len(part.lstrip())
                yield from _author_year(item, ctx, first, last, alone_needs_known=False)
            elif _YEAR_TOKEN.search(part):
                tail = _lead_in_item(part, ctx.known)
                if tail:
                    yield from _author_year(tail, ctx, offset + tail.start(), last, alone_needs_known=False)
            offset += len(part) + 1


def _lead_in_item(part: str, known: KnownNames) -> re.Match[str] | None:
    """The author–year item ending `part` after lead-in words, accepted only when its first author is a
    surname of the document's own entries: an unknown capitalised word after a lead-in is far more often
    a month, a venue, a product or a figure than an author ("(released by Google, 2020)").

    The name must be capitalised, must not follow "and"/"&" (it would be a later author of an unknown
    first one), and, with no co-author or "et al.", must not be a word such as a month that precedes a
    year without being an author. When the leftmost candidate starts at a lead-in word ("the data,
    Smith and Jones, 2019"), the item may start at a later name of the same stretch.
    """
    pos = 0
    while (m := _paren_tail_item().search(part, pos)) is not None:
        pos = m.end("first")
        first = m.group("first")
        surname = first.split()[-1]
        if (
            known.knows(first)
            and surname[0].isupper()
            and not _joined_before(part, m.start())
            and (m.group("etal") or m.group("second") or surname.casefold() not in _NOT_AUTHORS)
        ):
            return m
    return None


def _joined_before(part: str, end: int) -> bool:
    """`_JOINED.search(part, 0, end)` without reading the whole lead-in for every candidate name."""
    stripped = end
    while stripped > 0 and part[stripped - 1].isspace():
        stripped -= 1
    return _JOINED.search(part, max(0, stripped - 4), end) is not None


@grammar("numeric", "[")
def numeric(ctx: Context) -> Iterator[Found]:
    """`[1]`, `[1, 3]`, `[2-4]`, `[1–3]`, side by side `[1][2]`, and `[1]-[3]`.

    Without a numbered reference list, a bracket that is a link's whole text (`[[0]](url "Cited
    text…")`, an attribution that is its own reference) is no citation, and a lone `[n]` stays one only
    if the document cites numbers in another shape too (`settle_numeric`).
    """
    if "[" not in ctx.mask:
        return
    link_starts = {link.start for link in ctx.scan.links}
    link_texts = (
        set()
        if ctx.known.numbered
        else {(link.text_start, link.text_start + len(link.text)) for link in ctx.scan.links if link.url}
    )
    brackets = [m for m in _NUMERIC.finditer(ctx.mask) if m.start() not in link_starts and m.span() not in link_texts]
    index = 0
    while index < len(brackets):
        run = [brackets[index]]
        if ctx.mask[run[0].start() - 1 : run[0].start()] == "]":  # `a[1][2]`, `![1][2]`: not a run of citations
            index += 1
            continue
        while index + len(run) < len(brackets) and brackets[index + len(run)].start() == run[-1].end():
            run.append(brackets[index + len(run)])
        index += len(run)
        following = brackets[index] if index < len(brackets) else None
        if len(run) == 1 and following is not None and _RANGE_GAP.fullmatch(ctx.mask, run[0].end(), following.start()):
            low, high = run[0].group("body").strip(), following.group("body").strip()
            if low.isdigit() and high.isdigit() and 1 <= int(low) < int(high) <= int(low) + 50:
                index += 1
                written = ctx.text[run[0].start() : following.end()]
                for number in range(int(low), int(high) + 1):
                    where = following if number == int(high) else run[0]
                    yield Found(CitationKind.NUMERIC, where.start(), where.end(), written, key=str(number))
                continue
        whole = _sup_wrapped(ctx.text, run[0].start(), run[-1].end())
        for m in run:
            yield from _numbers(
                m.group("body"), m.start(), m.end(), m.start("body"), whole or ctx.text[m.start() : m.end()]
            )


def _sup_wrapped(text: str, start: int, end: int) -> str | None:
    """The written citation when it is more than one bracket: `[1][2]`, or `<sup>[1]</sup>`."""
    if text[max(0, start - 5) : start].lower() == "<sup>" and (close := _SUP_CLOSE.match(text, end)):
        return text[start - 5 : close.end()]
    return text[start:end] if text.count("[", start, end) > 1 else None


def _numbers(body: str, start: int, end: int, body_start: int, written: str) -> Iterator[Found]:
    """One item per number of `body` (`3`, `1, 3`, `2-4`): a lone number sits on the whole citation
    (`start`–`end`), each of several on its own digits."""
    if body.strip().isdigit():  # the common `[3]`
        if int(body) >= 1:
            yield Found(CitationKind.NUMERIC, start, end, written, key=str(int(body)))
        return
    numbers: list[tuple[int, int]] = []  # (number, offset)
    for part in _NUMERIC_PART.finditer(body):
        low = int(part.group(1))
        high = int(part.group(2)) if part.group(2) else low
        if low < 1 or high < low or high - low > 50:
            return
        numbers.extend((n, body_start + part.start()) for n in range(low, high + 1))
    single = len(numbers) == 1
    for number, offset in numbers:
        first, last = (start, end) if single else (offset, offset + len(str(number)))
        yield Found(CitationKind.NUMERIC, first, last, written, key=str(number))


@grammar("superscript", "^")
def superscript(ctx: Context) -> Iterator[Found]:
    """Pandoc superscripts `^4^`, `^4,5^`, `^2-4^`, as Gemini and Google Docs exports write citations."""
    for m in _SUPERSCRIPT.finditer(ctx.mask):
        yield from _numbers(m.group("body"), m.start(), m.end(), m.start("body"), ctx.text[m.start() : m.end()])


@grammar("fullwidth", "【")
def fullwidth(ctx: Context) -> Iterator[Found]:
    """`【1】`, `【1, 2】`: fullwidth brackets of CJK text and some chat exports."""
    for m in _FULLWIDTH.finditer(ctx.mask):
        yield from _numbers(m.group("body"), m.start(), m.end(), m.start("body"), ctx.text[m.start() : m.end()])


@grammar("sup-tag", "<sup")
def sup_tag(ctx: Context) -> Iterator[Found]:
    """`<sup>1</sup>`, `<sup>1,2</sup>`; never right after a letter or digit (`m<sup>2</sup>` is a power).
    `<sup>[1]</sup>` is read by the numeric grammar."""
    closes = list(_SUP_CLOSE.finditer(ctx.text))  # found once: a search per tag would rescan the block
    starts = [m.start() for m in closes]
    for tag in ctx.scan.tags:
        if tag.name != "sup" or (tag.start > 0 and ctx.text[tag.start - 1].isalnum()):
            continue
        index = bisect.bisect_left(starts, tag.end)
        close = closes[index] if index < len(closes) else None
        body = _SUP_BODY.fullmatch(ctx.text, tag.end, close.start()) if close else None
        if close and body:
            yield from _numbers(body.group(0), tag.start, close.end(), tag.end, ctx.text[tag.start : close.end()])


@grammar("footnote", "[^")
def footnote(ctx: Context) -> Iterator[Found]:
    """`[^1]`, `[^name]`, Perplexity's per-turn `[^2_7]`; `[^1^]` is numeric."""
    for label, start, end in ctx.scan.footnote_refs:
        if number := _NUMBERED_FOOTNOTE.fullmatch(label):  # `[^1^]`: numbered, not a footnote
            if int(number.group(1)) >= 1:
                yield Found(CitationKind.NUMERIC, start, end, ctx.text[start:end], key=str(int(number.group(1))))
            continue
        yield Found(CitationKind.FOOTNOTE, start, end, ctx.text[start:end], key=label)


@grammar("link-label", "[")
def link_label(ctx: Context) -> Iterator[Found]:
    """`[text][n]` and `[n][]` uses of `[n]: url` definitions."""
    for link in ctx.scan.links:
        if link.reference_style and link.label is not None:
            yield Found(
                CitationKind.LINK_LABEL,
                link.start,
                link.end,
                ctx.text[link.start : link.end],
                key=normalize_label(link.label),
            )


def _manubot(key: str) -> tuple[str | None, str | None]:
    if ":" not in key:
        return None, None  # a plain citation key
    lowered = key.lower()
    if lowered.startswith("doi:"):
        return None, _norm_doi(key[4:])
    if lowered.startswith("arxiv:"):
        return _norm_arxiv(key[6:]), None
    return None, None


def _clean_key(key: str) -> str:
    if key.startswith("{") and key.endswith("}"):
        return key[1:-1]
    return key.rstrip(".,:;?!")


@grammar("pandoc", "@")
def pandoc(ctx: Context) -> Iterator[Found]:
    """`[@key]`, `[@a, p. 3; @b]`, `[-@key]`, Manubot `[@doi:…]`, and `@key` in prose when there is a bib."""
    if "@" not in ctx.mask:
        return  # most blocks: no pattern to run
    taken: list[tuple[int, int]] = []
    link_starts = {link.start for link in ctx.scan.links}
    for m in _PANDOC_BRACKET.finditer(ctx.mask):
        if m.start() in link_starts or (ctx.mask.startswith(":", m.end()) and _starts_line(ctx.mask, m.start())):
            continue  # a link, or a Manubot alias definition `[@key]: doi:…` (mid-line, `[@key]:` cites)
        offset = m.start("body")
        items = []
        for part in m.group("body").split(";"):
            km = _PANDOC_KEY.search(part)
            if km and (km.start() == 0 or not part[km.start() - 1].isalnum()):
                items.append((offset + km.start(), _clean_key(km.group("key"))))
            offset += len(part) + 1
        if not items:
            continue
        bracket_start, bracket_end = m.span()
        taken.append((bracket_start, bracket_end))
        written = ctx.text[bracket_start:bracket_end]
        for index, (pos, key) in enumerate(items):
            if _QUARTO_XREF.match(key):
                continue
            start, end = (bracket_start, bracket_end) if index == 0 else (pos, pos + len(key) + 1)
            arxiv, doi = _manubot(key)
            yield Found(CitationKind.PANDOC, start, end, written, key=key, arxiv_id=arxiv, doi=doi)
    if not ctx.has_bib:
        return
    index = 0  # `taken` and the matches both come in order: one sweep
    for m in _BARE_KEY.finditer(ctx.mask):
        while index < len(taken) and taken[index][1] <= m.start():
            index += 1
        if index < len(taken) and taken[index][0] <= m.start():
            continue
        key = _clean_key(m.group("key"))
        if _QUARTO_XREF.match(key) or not key:
            continue
        yield Found(CitationKind.PANDOC, m.start(), m.start() + len(m.group(0)), m.group(0), key=key)


def _starts_line(text: str, offset: int) -> bool:
    """Whether only spaces and block-quote markers precede `offset` on its line."""
    return not text[text.rfind("\n", 0, offset) + 1 : offset].strip(" \t>")


@grammar("myst", "cite")
def myst(ctx: Context) -> Iterator[Found]:
    """{cite}`key`, {cite:p}`a, b`, {cite:t}`key`, {footcite}`key` and the other citation roles.

    A role's code span is blanked in the mask like any other, so the role name must be prose there and
    its backticks the start of a code span. The first key sits on the role's `{` (the whole role is
    its span, as `[@a; @b]` is pandoc's); each later key on its own first character.
    """
    spans = ctx.scan.code_spans
    for m in _MYST_ROLE.finditer(ctx.mask):
        if m.group("role") not in MYST_CITE_ROLES or m.end() not in spans:
            continue
        code_start, code_end = m.end(), spans[m.end()]
        ticks = _BACKTICK_RUN.match(ctx.text, code_start).end() - code_start  # type: ignore[union-attr]
        body_start, body_end = code_start + ticks, code_end - ticks
        body = ctx.text[body_start:body_end]
        if not body.strip() or "\n" in body:  # markdown-it's role body is one line
            continue
        target = _MYST_TARGET.search(body)
        if target:
            body_start, body = body_start + target.start("keys"), target.group("keys")
        written = ctx.text[m.start() : code_end]
        pos, first = 0, True
        while pos < len(body) and (km := _MYST_KEY.match(body, pos)) is not None and km.end() > pos:
            pos = km.end()
            key = km.group("key")
            start = body_start + km.start("key")
            span = (m.start(), code_end) if first else (start, start + len(key))
            first = False
            doi = _norm_doi(key) if _DOI_KEY.match(key) else None
            yield Found(CitationKind.MYST, span[0], span[1], written, key=key, doi=doi)


@grammar("hugo-cite", "cite")
def hugo_cite(ctx: Context) -> Iterator[Found]:
    """hugo-cite's `{{< cite "key" >}}` (a leading `-` hides the author, a second argument is the page),
    `{{< cite key="key" pages="3" >}}`, and `{{< cite "a;b" >}}` for several keys. The first key sits on
    the shortcode's `{`, each later one on its own first character."""
    for m in _HUGO_CITE.finditer(ctx.mask):
        args = list(_HUGO_ARG.finditer(m.group("args")))
        named = [a for a in args if a.group("name") == "key"]
        chosen = named[0] if named else next((a for a in args if not a.group("name")), None)
        if chosen is None:
            continue
        group = "dq" if chosen.group("dq") is not None else "raw" if chosen.group("raw") is not None else "word"
        offset = m.start("args") + chosen.start(group)
        written = ctx.text[m.start() : m.end()]
        first = True
        for part in chosen.group(group).split(";"):
            key = part.strip().removeprefix("-").strip() if first else part.strip()
            if key:
                at = offset + part.index(key)
                start, end = (m.start(), m.end()) if first else (at, at + len(key))
                yield Found(CitationKind.HUGO, start, end, written, key=key)
                first = False
            offset += len(part) + 1


def settle_numeric(found: list[Citation], known: KnownNames) -> list[Citation]:
    """A document's citations with a lone `[n]` dropped when it has no numbered reference list and cites
    numbers in no other shape: `[2]` alone in prose is as often a footnote mark, a step or an index."""
    if known.numbered:
        return found
    numeric = [c for c in found if c.kind is CitationKind.NUMERIC]
    if not numeric or any(not _lone_bracket(c.text) for c in numeric):
        return found
    return [c for c in found if c.kind is not CitationKind.NUMERIC]


def _lone_bracket(text: str) -> bool:
    return _LONE_BRACKET.fullmatch(text) is not None


def is_manubot_key(key: str) -> bool:
    return key.lower().startswith(_MANUBOT_PREFIXES)

"""One reference-list entry's Markdown text → a `Reference` (authors, year, title, identifiers, URLs)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from refcheck.identifiers import doi_arxiv_id, find_identifiers, find_urls, make_identifier
from refcheck.model import Identifier, IdentifierKind, Reference, ReferenceSource, Span
from refcheck.names import PARTICLES, normalise_surname

# -- Markdown → plain text ------------------------------------------------------------------------


@dataclass(slots=True)
class PlainText:
    """Entry text with Markdown markup removed; `links` are (start, end, url) of link texts in it."""

    text: str = ""
    links: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Builder:
    """Rendered pieces; whitespace runs are already collapsed to one space across pieces."""

    pieces: list[str] = field(default_factory=list)
    length: int = 0
    ends_in_space: bool = True  # nothing emitted yet counts as a space: leading whitespace is dropped
    links: list[tuple[int, int, str]] = field(default_factory=list)


_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_SHORTCODE = re.compile(r":[a-z][a-z0-9_+-]*:")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MAX_NESTING = 16  # deeper brackets are kept as text
_MARKUP = re.compile(r"[\\<!\[*~`_&:]")  # characters `_render` may treat as more than text
_WHITESPACE = re.compile(r"\s+")
_BRACKET_OR_ESCAPE = re.compile(r"[\\\[\]()]")


def markdown_to_plain(text: str) -> PlainText:
    """Render inline Markdown as plain text, keeping link texts and where they are."""
    out = _Builder()
    _render(text, 0, len(text), out, _bracket_pairs(text))
    return PlainText("".join(out.pieces).rstrip(), out.links)


def _bracket_pairs(src: str) -> dict[int, int]:
    """Index of each `[`/`(` → index of its closing bracket (escapes honoured), in one pass."""
    pairs: dict[int, int] = {}
    stacks: dict[str, list[int]] = {"[": [], "(": []}
    openers = {"]": "[", ")": "("}
    skip = -1  # the character after a backslash
    for match in _BRACKET_OR_ESCAPE.finditer(src):
        i = match.start()
        if i == skip:
            continue
        ch = src[i]
        if ch == "\\":
            skip = i + 1
        elif ch in stacks:
            stacks[ch].append(i)
        elif stacks[openers[ch]]:
            pairs[stacks[openers[ch]].pop()] = i
    return pairs


def _render(src: str, i: int, n: int, out: _Builder, pairs: dict[int, int], depth: int = 0) -> None:
    while i < n:
        markup = _MARKUP.search(src, i, n)
        plain_end = markup.start() if markup else n
        if plain_end > i:
            _emit(out, src[i:plain_end])
            i = plain_end
            continue
        ch = src[i]
        if ch == "\\" and i + 1 < n and not src[i + 1].isalnum():
            _emit(out, src[i + 1])
            i += 2
        elif src.startswith("<!--", i):
            end = src.find("-->", i + 4, n)
            i = n if end < 0 else end + 3  # an unclosed comment runs to the end, as in HTML
        elif ch == "<":
            match = _HTML_TAG.match(src, i, n)
            if match:
                _emit(out, " " if match.group(0).lower().startswith(("<br", "<p", "</p")) else "")
                i = match.end()
            else:
                _emit(out, ch)
                i += 1
        elif ch == "!" and src.startswith("[", i + 1) and _image_end(src, i + 1, n, pairs) > 0:
            i = _image_end(src, i + 1, n, pairs)  # images say nothing about the entry
        elif ch == "[" and depth < _MAX_NESTING:
            i = _render_bracket(src, i, n, out, pairs, depth + 1)
        elif ch in "*~`" or (ch == "_" and _is_emphasis_underscore(src, i)):
            i += 1  # emphasis, strike-through and code markers
        elif ch == "&" and (match := _ENTITY.match(src, i, n)):
            _emit(out, html.unescape(match.group(0)))
            i = match.end()
        elif ch == ":" and (match := _SHORTCODE.match(src, i, n)):
            i = match.end()
        else:
            _emit(out, ch)
            i += 1


def _image_end(src: str, bracket: int, n: int, pairs: dict[int, int]) -> int:
    close = pairs.get(bracket, n)
    if close + 1 < n and src[close + 1] == "(" and pairs.get(close + 1, n) < n:
        return pairs[close + 1] + 1
    return -1


def _render_bracket(src: str, i: int, n: int, out: _Builder, pairs: dict[int, int], depth: int) -> int:
    close = pairs.get(i, n)
    if close >= n:
        _emit(out, "[")
        return i + 1
    url: str | None = None
    after = close + 1
    if after < n and src[after] in "([" and pairs.get(after, n) < n:
        end = pairs[after]
        if src[after] == "(":
            target = src[after + 1 : end].strip()
            if target.startswith("<") and ">" in target:
                url = target[1 : target.index(">")]
            else:
                url = target.split()[0] if target else ""
        else:
            url = ""  # a reference-style link; its target is defined elsewhere
        after = end + 1
    if url is None:
        _emit(out, "[")
        _render(src, i + 1, close, out, pairs, depth)
        _emit(out, "]")
        return close + 1
    start = out.length
    _render(src, i + 1, close, out, pairs, depth)
    out.links.append((start, out.length, url))
    return after


def _is_emphasis_underscore(src: str, i: int) -> bool:
    before = src[i - 1] if i > 0 else " "
    after = src[i + 1] if i + 1 < len(src) else " "
    return not (before.isalnum() and after.isalnum())


def _emit(out: _Builder, piece: str) -> None:
    """Append `piece` with each whitespace run as one space, and none after a space already emitted."""
    piece = _WHITESPACE.sub(" ", piece)
    if piece[:1] == " " and out.ends_in_space:
        piece = piece[1:]
    if piece:
        out.pieces.append(piece)
        out.length += len(piece)
        out.ends_in_space = piece[-1] == " "


# -- structure: authors · year · title -------------------------------------------------------------

_KEY_PREFIX = re.compile(r"^\s*(?:\[\^[^\]\s]+\]:|\[\d{1,4}\]|\(\d{1,4}\)|\d{1,3}\.(?=\s))\s*")
# A second year after the first: a reprint `(2018/2020)`, a span of years `2018–2020`.
_RANGE_END = r"(?:\s*[/–—-]\s*(?:1[89]|20)\d{2})?"
_CHICAGO_YEAR = re.compile(rf"\s*\(?((?:1[89]|20)\d{{2}}[a-z]?|n\.\s?d\.?){_RANGE_END}\)?\.(?=\s|$)")
_LEAD_WORDS = re.compile(r"(?:see(?: also)?|cf\.|e\.g\.|i\.e\.)[,:]?\s+(?:e\.g\.,?\s+)?", re.IGNORECASE)
_APA_YEAR = re.compile(rf"\(\s*((?:1[89]|20)\d{{2}}[a-z]?|n\.\s?d\.?){_RANGE_END}(?:\s*[,;][^()]{{0,40}})?\s*\)")
_YEAR_RANGE = re.compile(r"((?:1[89]|20)\d{2})[a-z]?\s*[/–—-]\s*((?:1[89]|20)\d{2})(?![\w-])")
# The look-behind after the first digit (same matches as one in front; `re` skips ahead to a 1 or a 2).
_YEAR = re.compile(r"((?:1(?<![\w.:/#-]1)[89]|2(?<![\w.:/#-]2)0)\d{2})([a-z])?(?![\w-]|\.\d)")
# A year left as a placeholder: `20xx`, `201X`, `19??` (RC209 when it is all an entry has).
_PLACEHOLDER_YEAR = re.compile(r"(?<![\w/.:#-])(?:1[89]|20)(?:\d[xX?]|[xX]{2}|\?\?)(?![\w?-])")
_ND = re.compile(r"(?<!\w)n\.\s?d\.(?!\w)", re.IGNORECASE)
_OPEN_QUOTES = {'"': '"”', "“": '”"', "«": "»", "„": "“”"}
_OPENING_QUOTE = re.compile("[" + "".join(_OPEN_QUOTES) + "]")
_SENTENCE_END = re.compile(r"[.?!](?=\s|$)")
# A title's end as PDF extraction leaves it, glued to the venue: "optimization.Journal of", ".arXiv".
_TITLE_END = re.compile(r"[.?!](?=\s|$)|\.(?<=[a-z]{3}\.)(?=[A-Z][a-z]|arXiv)")
# A year that is part of a name ("Forecasts Report 2032", "Vision 2030"), not where a date is written.
_NAMED_YEAR = re.compile(
    r"(?<![\w.])(?!(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|In|Proc|Spring|Summer|Fall|Autumn|Winter)\s)"
    r"[A-Z][a-z]+\s+$"
)
# What a web page says instead of its title when the scraper was refused or served an error.
_PLACEHOLDER_TITLE = re.compile(
    r"(?:temporarily unavailable|access denied|just a moment\W*|attention required\W*|(?:error\s*)?(?:40[0-9]|50[0-9])"
    r"(?:\s*(?:error|forbidden|not found|unauthori[sz]ed|bad gateway|service unavailable))?\W*|forbidden|"
    r"(?:page )?not found|page unavailable|service unavailable|bad gateway|too many requests|request blocked|"
    r"are you a robot\W*|security check|captcha|checking your browser\W*|one more step|sign in|log ?in|"
    r"redirecting\W*|loading\W*|untitled(?: document)?|cloudflare|please wait\W*|"
    r"this site can.t be reached|enable javascript(?: and cookies to continue)?|verifying you are human\W*)",
    re.IGNORECASE,
)
_URL_TITLE = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)
_TITLE_PARTS = re.compile(r"\s+[-|–—·]\s+|\s*\|\s*")
_ET_AL = re.compile(r",?\s*(?<![^\W\d_])(?:et\.?\s*al(?:ii|ia)?\b\.?|and others\b|& others\b)", re.IGNORECASE)
_ET_AL_GLUED = re.compile(r"(?<=[a-z])et\.?\s+al\b\.?")
_NEXT_CHUNK = re.compile(r"\s*([^,.;:&\"“(\[]{0,80}?)(?:,|\.|;| and | & |\"|“|\(|\[|$)")
_LAST_WORD = re.compile(r"([\w'’.-]+)$")
# Capitals an initial can be: ASCII and the Latin-1 / Latin Extended letters (İ, Ł, Ś, Ž, …).
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())
_INITIALS = re.compile(rf"^(?:[{_UPPER}]\.?\s?-?\s?){{1,4}}$")
_CLUSTER = re.compile(rf"^[{_UPPER}]{{1,3}}$")  # Vancouver initials, "PA"
_VANCOUVER = re.compile(r"[^\s,.;:]+(?: [^\s,.;:]+){0,3} [A-Z]{1,3}(?:,| and | & )")
_GENERIC_LINK = re.compile(
    r"^(?:pdf|html|code|link|paper|arxiv|url|here|website|web|blog|blog post|project page|project|"
    r"slides?|video|github|repo|repository|doi|pubmed|pmc|abstract|online|download|source|data|"
    r"dataset|demo|official|bibtex|citation|openreview|poster|talk|preprint|\d+)$",
    re.IGNORECASE,
)
_ORG_WORDS = frozenset(
    {
        "team",
        "inc",
        "inc.",
        "ltd",
        "ltd.",
        "llc",
        "corporation",
        "corp",
        "corp.",
        "company",
        "foundation",
        "institute",
        "institut",
        "consortium",
        "group",
        "project",
        "organization",
        "organisation",
        "university",
        "universität",
        "lab",
        "labs",
        "laboratory",
        "association",
        "society",
        "committee",
        "council",
        "agency",
        "ai",
        "research",
        "collaboration",
        "network",
        "alliance",
        "initiative",
        "center",
        "centre",
        "department",
        "ministry",
        "office",
        "board",
        "commission",
        "software",
        "bureau",
    }
)
_CAPITALISED_NAME = r"(?:[A-Z][\w'’.-]*\s?){1,4}"
_BY_LINE = re.compile(rf"\bby ({_CAPITALISED_NAME}(?:(?:,\s*|\s+and\s+|\s*&\s*){_CAPITALISED_NAME})*)")
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARENTHESISED = re.compile(r"\([^()]*\)")
_EDITORS = re.compile(r"\b(?:eds?\.|editors?)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s(?:and|&)\s")
_NAME_SEPARATOR = re.compile(r",\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*")
_NAME_SEPARATOR_SPLIT = re.compile(rf"({_NAME_SEPARATOR.pattern})")


@dataclass(slots=True)
class ParsedEntry:
    authors: list[str] = field(default_factory=list)
    et_al: bool = False
    is_organisation: bool = False
    year: str | None = None
    title: str | None = None


def parse_entry(
    text: str,
    *,
    span: Span,
    path: str,
    source: ReferenceSource,
    key: str | None,
    locate: Callable[[int, int], Span],
) -> Reference:
    """Parse one entry; `locate(start, end)` maps offsets in `text` to a source Span."""
    arxiv_ids: list[Identifier] = []
    dois: list[Identifier] = []
    for found in find_identifiers(text):
        ident = make_identifier(found.kind, found.raw, locate(found.start, found.end))
        if ident.kind is IdentifierKind.ARXIV:
            arxiv_ids.append(ident)
            continue
        dois.append(ident)
        inner = doi_arxiv_id(ident.value) if ident.valid else None
        if inner:
            offset = found.raw.lower().index("arxiv.") + 6
            arxiv_ids.append(make_identifier(IdentifierKind.ARXIV, found.raw[offset:], locate(found.start, found.end)))
    url_ranges = find_urls(text)
    urls = list(dict.fromkeys(text[s:e] for s, e in url_ranges))
    parsed = parse_plain(markdown_to_plain(text))
    year_at = _year_position(text, parsed.year, url_ranges)
    year_raw = None
    if parsed.year is None and (placeholder := _PLACEHOLDER_YEAR.search(text)):
        year_raw, year_at = placeholder.group(0), (placeholder.start(), placeholder.end())
    also: tuple[str, ...] = ()
    if year_at and (dated := _YEAR_RANGE.match(text, year_at[0])):
        first, last = int(dated.group(1)), int(dated.group(2))
        if first < last <= first + 10:
            # `2018/2020` (first published, reprinted): either year; `2018–2020`: any year of the span.
            also = (str(last),) if "/" in dated.group(0) else tuple(str(y) for y in range(first + 1, last + 1))
    return Reference(
        source=source,
        span=span,
        text=text,
        path=path,
        key=key,
        authors=tuple(name for name in parsed.authors if name),  # ":" or "&" alone normalise to nothing
        et_al=parsed.et_al,
        year=parsed.year,
        title=parsed.title,
        arxiv_ids=tuple(arxiv_ids),
        dois=tuple(dois),
        urls=tuple(urls),
        is_organisation=parsed.is_organisation,
        year_span=locate(*year_at) if year_at else None,
        year_raw=year_raw,
        other_years=also,
    )


def _year_position(text: str, year: str | None, url_ranges: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where the entry's year is written in its Markdown text: its first occurrence outside a URL."""
    if not year or year == "n.d.":
        return None
    for match in _YEAR.finditer(text):
        if match.group(0) == year and not any(s <= match.start() < e for s, e in url_ranges):
            return match.start(), match.end()
    return None


def parse_plain(plain: PlainText) -> ParsedEntry:
    """Find the author list, title and year in an entry's plain text."""
    text = plain.text
    prefix = _KEY_PREFIX.match(text)
    skip = prefix.end() if prefix else 0
    lead = _LEAD_WORDS.match(text, skip)
    if lead:
        skip = lead.end()
    links = [(s, e, url) for s, e, url in plain.links if s >= skip]
    result = ParsedEntry()

    apa = _APA_YEAR.search(text, skip)
    quote = _first_quote(text, skip)
    link = next(((s, e) for s, e, _ in links if _title_like(text[s:e]) and not _quote_inside(text[s:e])), None)
    candidates = [
        (pos, kind)
        for pos, kind in (
            (apa.start() if apa else None, "apa"),
            (quote[0] if quote else None, "quote"),
            (link[0] if link else None, "link"),
        )
        if pos is not None
    ]
    boundary, kind = min(candidates) if candidates else (len(text), "none")
    sentence = _author_list_end(text, skip, boundary)
    title_range: tuple[int, int] | None = None
    # A full stop that ends the author list before the year/quote/link: "Nahnsen S. The nf-core …"
    if sentence is not None and (
        kind == "none" or (sentence < boundary and text[sentence + 1 : boundary].strip(" ([*_"))
    ):
        kind, boundary = "sentence", sentence

    if kind == "apa" and apa:
        year = apa.group(1)
        result.year = "n.d." if year.lower().startswith("n") else year
        title_range = _title_after(text, apa.end(), links)
    elif kind == "quote" and quote:
        title_range = (quote[0] + 1, quote[1])
    elif kind == "link" and link:
        title_range = link
    elif kind == "sentence":
        # Chicago author-date puts the year in a sentence of its own: "Doe, Jane. 2020. Title."
        chicago = _CHICAGO_YEAR.match(text, boundary + 1)
        if chicago:
            year = chicago.group(1)
            result.year = "n.d." if year.lower().startswith("n") else year
        title_range = _title_after(text, chicago.end() if chicago else boundary + 1, links)

    segment = text[skip : boundary + (kind == "sentence")] if kind != "none" else ""
    result.authors, result.et_al, result.is_organisation = parse_authors(segment, apa_style=kind == "apa")
    if title_range:
        result.title = _clean_title(text[title_range[0] : title_range[1]])
        if not result.authors and (by := _BY_LINE.search(text, title_range[1])):
            result.authors, result.et_al, result.is_organisation = parse_authors(by.group(1))
        if result.title and (is_placeholder_title(result.title) or _URL_TITLE.match(result.title)):
            result.title = None  # "ResearchGate - Temporarily Unavailable" or an address names no work
            title_range = None
    if result.year is None:
        result.year = _find_year(text, skip, title_range)
    return result


def is_placeholder_title(title: str) -> bool:
    """An error or challenge page's title ("Access Denied", "Just a moment...", "403 Forbidden",
    "ResearchGate - Temporarily Unavailable"): a part between site separators is nothing but that."""
    return any(_PLACEHOLDER_TITLE.fullmatch(part.strip()) for part in _TITLE_PARTS.split(title.strip()))


def _first_quote(text: str, start: int) -> tuple[int, int] | None:
    """The first quoted stretch (opening index, closing index) of at least two characters."""
    opening = _OPENING_QUOTE.search(text, start)
    if opening:
        index = opening.start()
        closers = _OPEN_QUOTES[text[index]]
        end = min((i for i in (text.find(c, index + 1) for c in closers) if i >= 0), default=-1)
        if end > index + 2:
            return index, end
        return None
    return None


def _quote_inside(link_text: str) -> bool:
    """`[Lee et al., "Set Transformer", ICML 2019](…)`: a whole citation inside one link."""
    stripped = link_text.strip()
    return any(q in stripped[1:] for q in _OPEN_QUOTES) and stripped[:1] not in _OPEN_QUOTES


def title_links(text: str) -> int:
    """How many links of an entry's Markdown text have a title-like text (not `pdf`, `code`, a URL)."""
    plain = markdown_to_plain(text)
    return sum(1 for start, end, _ in plain.links if _title_like(plain.text[start:end]))


def _title_like(link_text: str) -> bool:
    stripped = link_text.strip(" \"'“”[]().,:")
    if not stripped or _GENERIC_LINK.match(stripped):
        return False
    lower = stripped.lower()
    return not (
        lower.startswith(("http://", "https://", "www.", "doi:", "arxiv:", "10."))
        or re.fullmatch(r"[\w.-]+\.(?:com|org|net|io|edu|pdf)(?:/\S*)?", lower)
    )


def _title_after(text: str, start: int, links: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The title that starts after the year or author list: a quote, a link, or a sentence."""
    pos = start
    while pos < len(text) and text[pos] in " .,:;":
        pos += 1
    if pos >= len(text):
        return None
    quote = _first_quote(text, pos)
    if quote and quote[0] == pos:
        return quote[0] + 1, quote[1]
    for s, e, _ in links:
        if s == pos and _title_like(text[s:e]):
            return s, e
    end = pos
    for match in _TITLE_END.finditer(text, pos):
        end = match.start()
        # "Proc. of", "Vol. 3": a full stop after a short word is an abbreviation, read on
        word = re.search(r"(\w+)$", text[pos : match.start()])
        if match.group(0) == "." and word and len(word.group(1)) <= 1 and match.start() - pos < 3:
            continue
        break
    else:
        end = len(text)
    link_start = next((s for s, _, _ in links if pos < s < end), None)
    if link_start is not None:
        end = link_start
    return (pos, end) if end > pos else None


def _author_list_end(text: str, start: int, limit: int) -> int | None:
    """Index of the full stop that ends an author list written as a sentence, or None; only one
    before `limit` (where the year, quote or link that ends the list otherwise is) is of use."""
    vancouver = _VANCOUVER.match(text, start) is not None
    for match in _SENTENCE_END.finditer(text, start):
        if match.start() >= limit:
            return None
        if match.group(0) != ".":
            return None
        index = match.start()
        window = max(start, index - 80)
        word_match = _LAST_WORD.search(text, window, index)
        if not word_match:
            continue
        word = word_match.group(1)
        if word.lower() == "et":
            continue
        if word.lower() in {"al", "others"}:
            return index
        if word.lower() in _NAME_SUFFIXES or word.lower() in {"st", "dr", "prof", "eds", "ed"}:
            continue
        if _INITIALS.match(word) or _CLUSTER.match(word):
            before = text[max(start, word_match.start() - 80) : word_match.start()].rstrip()
            if word_match.start() - 80 > start:
                before = "x " + before  # not the start of the text
            name_start = not before or before.endswith((",", "&", ";")) or before.lower().endswith(" and")
            if name_start or _INITIALS.match(before.rsplit(" ", 1)[-1] + "."):
                continue
            if vancouver or not _continues_name(text, index + 1):
                return index
            continue
        return index
    return None


def _continues_name(text: str, pos: int) -> bool:
    """After `Quoc V.`: does a surname follow (`Le.`, `Le,`) rather than a title sentence?"""
    chunk = _NEXT_CHUNK.match(text, pos)
    if not chunk:
        return False
    words = re.sub(r"\s+et\.?\s*al\b.*$", "", chunk.group(1)).split()
    return 0 < len(words) <= 2 and all(w[:1].isupper() or w.lower() in PARTICLES for w in words)


def _clean_title(raw: str) -> str | None:
    title = raw.strip()
    if title.startswith("(") and title.endswith(")"):
        title = title[1:-1]
    title = title.strip().strip("\"'“”«»„").strip()
    title = re.sub(r"\s*(?:\((?:1[89]|20)\d{2}[a-z]?\)|\[[^\[\]]*\])$", "", title)
    title = title.rstrip(" .,;:").strip("\"'“”«»„").strip()
    return title or None


def _find_year(text: str, start: int, title: tuple[int, int] | None) -> str | None:
    """A year outside the title and any URL: parenthesised first, then the first after the title."""
    masked = list(text)
    for s, e in find_urls(text):
        masked[s:e] = " " * (e - s)
    if title:
        masked[title[0] : title[1]] = " " * (title[1] - title[0])
    plain = "".join(masked)
    after = title[1] if title else start
    for region_start in (after, start):
        found = [m for m in _YEAR.finditer(plain, region_start)]
        dated = [m for m in found if not _named_year(plain, m.start())]
        # A year in a name is the publication year only after a title (a venue: "Interspeech 2019").
        found = dated if dated or title is None else found
        if not found:
            continue
        for match in found:
            if plain[max(match.start() - 1, 0)] == "(" and plain[match.end() : match.end() + 1] == ")":
                return match.group(0)
        return found[0].group(0)
    return "n.d." if _ND.search(plain, start) else None


# -- author lists ---------------------------------------------------------------------------------


def _named_year(text: str, start: int) -> bool:
    """The year at `start` follows a capitalised word as part of a name, and is not in parentheses."""
    if text[start - 1 : start] == "(":
        return False
    return _NAMED_YEAR.search(text, max(0, start - 30), start) is not None


def parse_authors(segment: str, *, apa_style: bool = False) -> tuple[list[str], bool, bool]:
    """Normalised surnames (first author first), whether the list ends in et al., organisation."""
    text = segment.strip()
    # "Graves, Alex." (a sentence) is one inverted name; "Ho, Salimans, "…"" lists two surnames
    closed = text.endswith(".") and not text.lower().endswith(("al.", "others."))
    et_al = False
    if _ET_AL.search(text) or _ET_AL_GLUED.search(text):
        et_al = True
        text = _ET_AL.sub("", _ET_AL_GLUED.sub("", text))
    text = _PARENTHESISED.sub(" ", text)  # "(NVIDIA)", "(eds.)"
    text = _EDITORS.sub("", text)
    text = text.strip(" .,;:-–—([")
    if not text or len(text) > 1500:
        return [], et_al, False
    if _is_organisation(text, apa_style=apa_style):
        return [normalise_surname(text)], et_al, True
    groups = [g.strip() for g in text.split(";") if g.strip()]
    surnames: list[str] = []
    for group in groups:
        if len(groups) > 1 and group.count(",") == 1 and not _is_organisation(group, apa_style=False):
            surnames.append(_surname_of(group.split(",")[0], whole=True))  # "Olah, Christopher; …"
        elif len(groups) > 1 and group is not groups[0] and _is_organisation(group, apa_style=False):
            surnames.append(group)
        else:
            surnames.extend(_split_names(group, inverted=et_al or closed))
    return [normalise_surname(s) for s in surnames if s], et_al, False


def _is_organisation(text: str, *, apa_style: bool) -> bool:
    if "," in text or _AND.search(text):
        return False
    words = text.split()
    if any(w.lower().strip(".") in _ORG_WORDS or w.lower() in _ORG_WORDS for w in words[1:] or words):
        return len(words) > 1 or words[0].lower() not in _ORG_WORDS
    # An APA author without initials is a body: "OpenAI. (2023)."
    return apa_style and len(words) == 1 and not _INITIALS.match(words[0])


def _split_names(text: str, *, inverted: bool = False) -> list[str]:
    """Surnames of a comma/and-separated author list in APA, MLA, Vancouver or `First Last` form."""
    tokens: list[tuple[str, str]] = []  # (name, separator before it)
    for piece in _NAME_SEPARATOR_SPLIT.split(text):
        if not piece:
            continue
        if _NAME_SEPARATOR.fullmatch(piece):
            sep = "," if piece.strip().startswith(",") else "and"
            tokens.append(("", sep))
        elif tokens and tokens[-1][0] == "":
            tokens[-1] = (piece.strip(), tokens[-1][1])
        else:
            tokens.append((piece.strip(), ""))
    names = [(name, sep) for name, sep in tokens if name]
    if not names:
        return []
    words = [name.split() for name, _ in names]
    initials = [_INITIALS.match(name) is not None for name, _ in names]

    # APA "Kaplan, J., Gao, L." / "Lu, J., Breitwieser, F. P., & Salzberg, S. L.": initials follow names
    if len(names) >= 2 and initials[1] and not initials[0]:
        pairs = zip(names, initials, strict=True)
        return [_surname_of(name, whole=True) for (name, _), init in pairs if not init]

    # BibTeX-like "Ulyanov, Dmitry and Lebedev, Vadim": Last, First pairs joined by "and"
    seps = [sep for _, sep in names]
    if (
        len(names) >= 4
        and len(names) % 2 == 0
        and all(sep == ("," if index % 2 else "and") for index, sep in enumerate(seps) if index)
    ):
        return [name for index, (name, _) in enumerate(names) if index % 2 == 0]

    # MLA / Google Scholar "LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton": first author inverted
    core = [w for w in words[0] if w.lower() not in PARTICLES] or words[0]
    if (
        len(names) >= 2
        and names[1][1] == ","
        and len(core) == 1
        and not _INITIALS.match(core[0])
        and _given_like(names[1][0])
    ):
        rest = names[2:]
        two_only = not rest and (inverted or _has_initial(names[1][0]) or _ends_with_particles(names[1][0]))
        if two_only or (rest and all(len(w) >= 2 for w in words[2:])):
            first = names[0][0]
            particles = [w for w in names[1][0].split() if w.lower() in PARTICLES]
            surname = " ".join([*particles, first]) if particles else first
            return [surname] + [_surname_of(name) for name, _ in rest]
    return [_surname_of(name) for name, _ in names]


def _given_like(name: str) -> bool:
    words = name.split()
    return 0 < len(words) <= 4 and all(w[:1].isupper() or w.lower() in PARTICLES for w in words)


def _has_initial(name: str) -> bool:
    return any(_INITIALS.match(w) for w in name.split()[1:])


def _ends_with_particles(name: str) -> bool:
    words = name.split()
    return len(words) >= 2 and words[-1].lower() in PARTICLES


def _surname_of(name: str, *, whole: bool = False) -> str:
    """The surname in one written name: `A. Vaswani`, `Aaron van den Oord`, `Di Tommaso P`."""
    words = [w for w in name.split() if w.lower().strip(",") not in _NAME_SUFFIXES]
    if not words:
        return ""
    if whole or len(words) == 1:
        return " ".join(words)
    if _CLUSTER.match(words[-1]) and not _CLUSTER.match(words[0]):
        return " ".join(words[:-1])  # Vancouver: "Di Tommaso P", "da Veiga Leprevost F"
    index = len(words) - 1
    while index > 0 and words[index - 1].lower() in PARTICLES:
        index -= 1
    return " ".join(words[index:])

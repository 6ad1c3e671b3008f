"""One Markdown file's text → `Document`: front matter, reference sections, footnotes, links, anchors.

Stages after this one never look at Markdown again: everything they need is in the `Document`.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from refcheck import identifiers, rules
from refcheck.model import (
    Citation,
    CitationKind,
    Document,
    Identifier,
    IdentifierKind,
    Link,
    LinkContext,
    LinkKind,
    Reference,
    ReferenceSource,
    Span,
    Suppression,
)
from refcheck.parse import bib, bibliographies, citations, styles
from refcheck.parse.blocks import Leaf, parse_blocks
from refcheck.parse.headings import AnchorSet, generator_targets
from refcheck.parse.inline import InlineScan, normalize_label, scan_inline
from refcheck.parse.malformed import malformed_links
from refcheck.parse.references import parse_entry, title_links

_SECTION_WORDS = r"references?|bibliography|works\s+cited|sources|literature(?:\s+cited)?|citations?|cited\s+works"
_SECTION_TITLE = re.compile(rf"^(?:[\w./ -]+:\s*)?(?:\d+(?:\.\d+)*\.?\s+)?(?P<word>{_SECTION_WORDS})\s*:?$", re.I)
_FURTHER_TITLE = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:further|additional|suggested|recommended)\s+reading\s*:?$", re.I
)
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<title>[^*_]+?)(?:\*\*|__)\s*:?\s*$")
_ANCHOR_TAG = re.compile(r"<a\s[^>]*>\s*</a>|<[^>]+>", re.I)
_HEADING_ATTRS = re.compile(r"\s*\{(?P<attrs>[^{}]*)\}\s*$")
_ENTRY_START = re.compile(r"^\s*(?:\*\*|__)?\[(?P<num>\d{1,4})\](?:\*\*|__)?[.:]?\s+")
_LINK_DEF_LINE = re.compile(r"^[ \t>]*\[(?P<label>(?:[^\[\]\\]|\\.)+)\]:[ \t]*(?P<rest>.*)$")
_FOOTNOTE_DEF_LINE = re.compile(r"^(?P<lead>[ \t>]*)\[\^(?P<label>[^\]\s]+)\]:[ \t]?")
_DIRECTIVE = re.compile(
    r"<!--\s*refcheck:\s*(?P<verb>disable-next-line|disable-line|disable|enable)\b(?P<codes>[^>]*?)-->", re.I
)
# Where a generator puts the bibliography it builds: a reference section holding one is not empty.
_SHORTCODE = re.compile(r"\s*\{\{[<%].*?[>%]\}\}\s*", re.S)
_GENERATED_LIST = re.compile(
    r"\{(?:foot)?bibliography\}|\{\{[<%]\s*bibliography\b|\bid\s*=\s*[\"']?refs\b|\{#refs\b|\\(?:print)?bibliography\b"
    r"|\{%\s*bibliography\b|<d-bibliography\b|\.\.\s+(?:foot)?bibliography::",
    re.I,
)
# Citation markup: when a document holds some outside code and comments but no citation was read, its
# citations are in a form refcheck does not read (LaTeX `\cite{}`, rST `:cite:` roles) or were hidden.
_CITATION_LIKE = re.compile(
    r"\[(?<!\\\[)-?@[A-Za-z_][\w:.#$%&+?<>~/-]*"
    r"|\{(?<!\\\{)(?:foot)?cite(?::[a-z]+)?\}`"
    r"|<d-cite\b"
    r"|\\(?:foot|paren|text)?cite[tp]?\*?(?:\[[^\]\n]*\])*\{"
    r"|:(?:foot)?cite:(?:[a-z]+:)?`"
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")
_MANUBOT_DEF = re.compile(r"^\[@(?P<key>[^\]\s]+)\]:\s*(?P<target>\S+)")


@dataclass(slots=True)
class _Section:
    kind: ReferenceSource  # LIST or FURTHER_READING
    level: int  # heading level that ends it (7 for a bold line: any heading ends it)


@dataclass(slots=True)
class _Builder:
    """State for one document while it is being assembled."""

    doc: Document
    lines: list[str]
    link_labels: set[str] = field(default_factory=set)
    footnote_lines: set[int] = field(default_factory=set)  # source lines inside footnote definitions
    code_lines: set[int] = field(default_factory=set)
    anchors: AnchorSet = field(default_factory=AnchorSet)
    prose_sections: set[int] = field(default_factory=set)  # first lines of "Citations" headings over prose


def front_matter_lines(text: str) -> int:
    """How many lines YAML front matter (`---` … `---`/`...`) at the top takes; 0 without one. Its
    content is read where it matters (`bibliographies.declarations`), not here."""
    if not text.startswith("---"):
        return 0
    lines = text.split("\n", 2000)
    if lines[0].rstrip() != "---":
        return 0
    for index in range(1, min(len(lines), 2000)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return 0


def parse_markdown(text: str, path: Path, display_path: str, *, bibliography: bool = False) -> Document:
    """Build the `Document` of one file from its decoded text (any newline style).

    `bibliography`: a bibliography applies besides the front matter's (its project declares one), so
    a bare `@key` is a citation. Front-matter declarations are recorded, and found by the pipeline.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    doc = Document(path=path, display_path=display_path, line_count=len(lines))
    front_lines = front_matter_lines(text)
    body_lines = [""] * front_lines + lines[front_lines:]
    body = "\n".join(body_lines)
    leaves, env = parse_blocks(body_lines, body)
    builder = _Builder(doc, body_lines)
    for leaf in leaves:
        if leaf.kind == "code":
            builder.code_lines.update(line for line, _ in leaf.lines)
    builder.link_labels = {normalize_label(v.get("label", k)) for k, v in env.get("ref_links", {}).items()}

    doc.bib_declarations = bibliographies.declarations(lines[:front_lines])
    footnote_leaves = _footnote_definitions(builder, env)
    sections = _assign_sections(leaves)
    _prose_sections(builder, leaves, sections)
    _link_definitions(builder, env, sections)
    _reference_entries(builder, leaves, sections)
    _embedded_bibtex(builder, leaves)
    doc.has_reference_section = any(kind is ReferenceSource.LIST for kind in sections.values())
    listed = (ReferenceSource.LIST, ReferenceSource.FURTHER_READING, ReferenceSource.BIB)
    if not doc.has_reference_section and not doc.bib_files and not any(r.source in listed for r in doc.references):
        _reading_lists(builder, leaves, sections)  # a document with its own list cites from that list

    known = citations.KnownNames.from_references(
        [r for r in doc.references if r.source is not ReferenceSource.READING_LIST]
    )
    # Bare `@key` is pandoc's only with a bibliography in front matter; a README's ```bibtex blocks
    # sit beside GitHub @mentions.
    has_bib = any(not d.site_root for d in doc.bib_declarations) or bibliography
    for leaf in leaves:
        if leaf.first_line in builder.footnote_lines:
            continue  # lazy continuation of a footnote definition, handled with it
        context = LinkContext.REFERENCE_LIST if sections.get(id(leaf)) is not None else LinkContext.PROSE
        _scan_leaf(builder, leaf, context, known, has_bib)
    for leaf in footnote_leaves:
        _scan_leaf(builder, leaf, LinkContext.FOOTNOTE, known, has_bib)
    doc.citations = citations.settle_numeric(doc.citations, known)
    doc.anchors = builder.anchors.ids | generator_targets(text)
    _suppressions(builder, leaves, footnote_leaves)
    _unread_sections(builder, leaves)
    if not doc.citations:
        _unread_citations(builder, front_lines)
    return doc


def heading_title(text: str) -> tuple[str, str | None]:
    """A heading's visible title and its explicit `{#id}`, if any."""
    explicit = None
    m = _HEADING_ATTRS.search(text)
    if m:
        id_match = re.search(r"#([\w:.-]+)", m.group("attrs"))
        explicit = id_match.group(1) if id_match else None
        text = text[: m.start()]
    return text.strip(), explicit


def _section_kind(title: str) -> ReferenceSource | None:
    end = title.rfind(">") + 1  # no tag after the last `>`: the pattern would rescan the rest per `<`
    plain = html_lib.unescape(_ANCHOR_TAG.sub("", title[:end]) + title[end:])
    plain = re.sub(r"[*_`]", "", plain).strip()
    if _SECTION_TITLE.match(plain):
        return ReferenceSource.LIST
    if _FURTHER_TITLE.match(plain):
        return ReferenceSource.FURTHER_READING
    return None


def _assign_sections(leaves: list[Leaf]) -> dict[int, ReferenceSource | None]:
    """For each leaf (by id), the kind of reference section it sits in, or None."""
    result: dict[int, ReferenceSource | None] = {}
    current: _Section | None = None
    for leaf in leaves:
        if leaf.kind == "heading" and current is not None and leaf.level <= current.level:
            current = None
        opening = _section_opening(leaf)
        if opening is not None:
            current = _Section(opening[1], leaf.level if leaf.kind == "heading" else 7)
        if opening is not None or leaf.kind == "heading":
            result[id(leaf)] = None
            continue
        result[id(leaf)] = current.kind if current is not None else None
    return result


def _prose_sections(builder: _Builder, leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> None:
    """A section whose paragraphs cite (`[@key]`, `{cite}` roles) is prose under a heading that happens
    to say "Citations": no entry cites, so its paragraphs are read as text, not as entries."""
    for run in _section_runs(leaves, sections):
        if not any(leaves[i].kind in ("paragraph", "table_row") and _CITATION_LIKE.search(leaves[i].text) for i in run):
            continue
        for index in run:
            sections[id(leaves[index])] = None
        heading = next((leaf for leaf in reversed(leaves[: run[0]]) if _section_title(leaf) is not None), None)
        if heading is not None:
            builder.prose_sections.add(heading.first_line)


def _section_opening(leaf: Leaf) -> tuple[str, ReferenceSource] | None:
    """The title and kind of the reference section that `leaf` opens (a heading or a bold line), else None."""
    if leaf.kind == "heading":
        title, _ = heading_title(leaf.text)
        kind = _section_kind(title)
    elif leaf.kind == "paragraph" and leaf.item is None and "\n" not in leaf.text.strip():
        m = _BOLD_LINE.match(leaf.text)
        if m is None:
            return None
        kind = _section_kind(m.group("title"))
        title = m.group("title").strip().rstrip(":").rstrip()
    else:
        return None
    return None if kind is None else (title, kind)


def _section_title(leaf: Leaf) -> str | None:
    """The title of a reference section that `leaf` opens, else None."""
    opening = _section_opening(leaf)
    return None if opening is None else opening[0]


def _unread_sections(builder: _Builder, leaves: list[Leaf]) -> None:
    """RC106 for each reference section from which no entry was read, said once at its heading.

    A section runs to the next heading of its level or above (a bold line: to the next heading or
    bold section line). It is not empty when it holds any entry (list item, footnote or link
    definition, BibTeX) or the place a generator fills (`{bibliography}`, `<div id="refs">`,
    `::: {#refs}`), nor when it ends the document and the document cites by key or declares a
    bibliography: pandoc and mystmd append the generated list there.
    """
    doc = builder.doc
    starts = [
        (index, title)
        for index, leaf in enumerate(leaves)
        if (title := _section_title(leaf)) is not None and leaf.first_line not in builder.prose_sections
    ]
    if not starts:
        return
    entry_lines = sorted(
        [r.span.line for r in doc.references if r.path == doc.display_path]
        + [r.span.line for r in doc.tag_definitions.values()]
    )
    keyed_kinds = styles.kinds(keyed=True)
    keyed = bool(doc.bib_files or doc.bib_declarations) or any(c.kind in keyed_kinds for c in doc.citations)
    for index, title in starts:
        leaf = leaves[index]
        end_line = len(builder.lines) + 1
        for later in leaves[index + 1 :]:
            if (later.kind == "heading" and (leaf.kind != "heading" or later.level <= leaf.level)) or (
                leaf.kind != "heading" and _section_title(later) is not None
            ):
                end_line = later.first_line
                break
        first = bisect.bisect_right(entry_lines, leaf.first_line)
        if first < len(entry_lines) and entry_lines[first] < end_line:
            continue
        # The source lines, not the leaves: an empty ```{bibliography} block is no leaf.
        if any(_GENERATED_LIST.search(text) for text in builder.lines[leaf.first_line : end_line - 1]):
            continue
        if keyed and end_line > len(builder.lines):
            continue
        line = leaf.first_line
        text = builder.lines[line - 1]
        column = len(text) - len(text.lstrip()) + 1
        doc.diagnostics.append(
            rules.UNREAD_REFERENCES.at(
                doc.display_path,
                Span(line, column, line, max(len(text.rstrip()) + 1, column + 1)),
                f"reference section '{title}' at line {line}: 0 entries read",
            )
        )


def _unread_citations(builder: _Builder, front_lines: int) -> None:
    """RC106 at the first citation-like text of a document from which no citation was read."""
    body = "\n".join(builder.lines[front_lines:])
    if not _CITATION_LIKE.search(body):
        return
    if "<!--" in body:
        body = _COMMENT.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group(0)), body)
    for index, line in enumerate(body.split("\n"), start=front_lines):
        if index + 1 in builder.code_lines or _LINK_DEF_LINE.match(line):
            continue  # `[@tag:x]: doi:…` defines an alias
        mask = None
        for m in _CITATION_LIKE.finditer(line):
            mask = mask if mask is not None else scan_inline(line).mask
            if mask[m.start()] == " ":
                continue  # inside a code span or an HTML tag
            builder.doc.diagnostics.append(
                rules.UNREAD_REFERENCES.at(
                    builder.doc.display_path,
                    Span(index + 1, m.start() + 1, index + 1, m.end() + 1),
                    f"citation-like text {m.group(0)!r}, but no citation could be read in this file",
                )
            )
            return


def _locator(leaf: Leaf, base: int) -> Callable[[int, int], Span]:
    return lambda start, end: leaf.span(base + start, base + end)


def _reference_entries(builder: _Builder, leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> None:
    """Entries of reference sections: list items, `[n]` lines, one-line paragraphs. Beside list items, a
    paragraph that yields nothing readable is prose (a closing remark, a "back to top" link) and an
    italic line after them is a footer; a bare-URL list beside the cited list is a log of pages visited."""
    doc = builder.doc
    seen_items: set[tuple[int, ...]] = set()
    bibtex_sections = _sections_with_bibtex(leaves, sections)
    runs = _section_runs(leaves, sections)
    for run in runs:
        with_items = any(leaves[i].item is not None for i in run)
        last_item = max((i for i in run if leaves[i].item is not None), default=-1)
        for index in run:
            leaf = leaves[index]
            source = sections.get(id(leaf))
            if source is None or leaf.kind != "paragraph":
                continue
            if leaf.item is not None:
                if leaf.item in seen_items:
                    continue  # a later paragraph of the same list item
                seen_items.add(leaf.item)
                if (
                    leaf.has_sublist
                    and not identifiers.find_identifiers(leaf.text)
                    and not re.search(r"\b(1[5-9]|20)\d\d\b", leaf.text)
                ):
                    continue  # a group label ("2020", "Vision") above nested entries
                m = _ENTRY_START.match(leaf.text)
                key = str(leaf.item_number) if leaf.item_number is not None else m.group("num") if m else None
                _add_entry(builder, leaf, 0, len(leaf.text), source, key)
                continue
            if _BOLD_LINE.match(leaf.text) or bibtex_sections.get(index, False) or _SHORTCODE.fullmatch(leaf.text):
                continue  # a heading-like line, prose around the BibTeX blocks of a "Citations" section, or a
                # Hugo shortcode such as hugo-cite's `{{< bibliography cited >}}` that the generator fills
            if with_items and index > last_item and _FOOTER.match(leaf.text):
                continue  # "*Report generated on …*" under the list
            for start, end, key in _split_numbered(leaf.text):
                _add_entry(builder, leaf, start, end, source, key, prose_unless_readable=with_items and key is None)
        _sources_log(builder, leaves, run, sections, len(runs))
    doc.references.sort(key=lambda r: (r.path, r.span))


_FOOTER = re.compile(r"^\s*(?:(?P<star>\*)|_)(?!\s)[^\n]*(?<!\s)(?(star)\*|_)\s*$")
_LINK_ONLY = re.compile(r"^\s*(?:<?https?://\S+?>?|\[[^\[\]\n]*\]\(\s*<?https?://[^\s)]+>?\s*\))\s*$")


def _section_runs(leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> list[list[int]]:
    """Indices of the leaves of each reference section, in order (a heading or bold line ends one)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, leaf in enumerate(leaves):
        if sections.get(id(leaf)) is not None:
            current.append(index)
        elif current and (leaf.kind == "heading" or leaf.kind == "paragraph"):
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _sources_log(
    builder: _Builder, leaves: list[Leaf], run: list[int], sections: dict[int, ReferenceSource | None], count: int
) -> None:
    """A list of bare addresses under "Sources" or beside another reference list: the pages an agent
    visited, kept apart from the cited list (checked as a reading list, never expected to be cited)."""
    doc = builder.doc
    lines = {leaves[i].first_line for i in run if leaves[i].item is not None and leaves[i].item_number is None}
    entries = [r for r in doc.references if r.span.line in lines and r.source is ReferenceSource.LIST]
    if len(entries) < 2 or len(entries) != len(lines) or not all(_LINK_ONLY.match(r.text) for r in entries):
        return
    heading = next((leaf for leaf in reversed(leaves[: run[0]]) if _section_title(leaf) is not None), None)
    named = heading is not None and re.search(r"\bsources\b", _section_title(heading) or "", re.I) is not None
    if not named and count < 2:
        return
    logged = {id(r) for r in entries}
    doc.references[:] = [
        replace(r, source=ReferenceSource.READING_LIST) if id(r) in logged else r for r in doc.references
    ]
    for index in run:
        sections[id(leaves[index])] = ReferenceSource.READING_LIST


@dataclass(slots=True)
class _RunItem:
    """One item of a run that may be a reading list. It is read (`parse_entry`) only when the run may be
    one: enough of its items paperish for a list of papers, or numbers the text above cites for a
    report's closing list. Most link lists are neither, and nothing in them is read as an entry."""

    leaf: Leaf
    start: int
    end: int
    key: str | None  # the entry's number: `[n]`, or the ordered list's
    paperish: bool  # a year, "arxiv" or "doi" in it: it may be a paper's entry
    pending: bool  # not read yet; an item with neither that nor an address reads as nothing
    paper: Reference | None = None  # read as a paper's entry (authors, year and title, or an identifier)
    source: Reference | None = None  # read as any source's entry (also `[title](url)`, `Title. https://…`)


def _reading_lists(builder: _Builder, leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> None:
    """Lists of papers outside reference sections (a README's reading list, a numbered roadmap): runs of
    list items or `[n]` paragraphs, headings between them allowed, whose items mostly read as entries
    (author and year and title, or an arXiv ID / DOI). Their entries are checked (years, identifiers),
    never expected to be cited; the leaves become reference-list context (their links are no citations)."""
    run: list[_RunItem] = []
    seen_items: set[tuple[int, ...]] = set()
    tail = _closing_tail(leaves)
    for position, leaf in enumerate([*leaves, None]):
        if leaf is not None and (leaf.kind == "heading" or (leaf.item is not None and leaf.item in seen_items)):
            continue  # headings and an item's later paragraphs do not end a run
        candidate = (
            leaf is not None
            and leaf.kind == "paragraph"
            and sections.get(id(leaf)) is None
            and leaf.first_line not in builder.footnote_lines
            and (leaf.item is not None or _ENTRY_START.match(leaf.text) is not None)
        )
        if candidate and leaf is not None:
            if leaf.item is not None:
                seen_items.add(leaf.item)
            parts = _split_numbered(leaf.text) if leaf.item is None else [(0, len(leaf.text), None)]
            run.extend(_run_item(leaf, start, end) for start, end, _ in parts)
            continue
        closing = position >= tail and _closing_list(builder, run)
        if not closing and _enough(sum(item.paperish for item in run), len(run)):
            for item in run:
                if item.pending and item.paperish:
                    _read(builder, item)
        papers = [item.paper for item in run if item.paper is not None]
        if closing or _enough(len(papers), len(run)):
            source = ReferenceSource.READING_LIST
            if closing:
                source = ReferenceSource.LIST  # a report's closing `[1] …` entries, cited by number above
                builder.doc.has_reference_section = True
            chosen = [(item.leaf, item.source if closing else item.paper) for item in run]
            kept = {leaf.item for leaf, ref in chosen if ref is not None}
            for item_leaf in leaves:
                if item_leaf.item is not None and item_leaf.item in kept:
                    sections[id(item_leaf)] = source
            for run_leaf, ref in chosen:
                if ref is not None:
                    sections[id(run_leaf)] = source
                    ref = replace(ref, source=source) if source is not ref.source else ref
                    builder.doc.references.append(ref)
                    builder.doc.identifiers.extend((*ref.arxiv_ids, *ref.dois))
        run = []
    builder.doc.references.sort(key=lambda r: (r.path, r.span))


def _enough(papers: int, items: int) -> bool:
    """Whether `papers` entries among a run of `items` make it a reading list."""
    return papers >= _READING_LIST_MIN and papers >= _READING_LIST_SHARE * items


def _closing_tail(leaves: list[Leaf]) -> int:
    """The index from which only headings, rules, HTML and an italic footer follow: a run that ends
    there ends the document."""
    for index in range(len(leaves) - 1, -1, -1):
        leaf = leaves[index]
        if leaf.kind not in ("heading", "thematic_break", "html") and not _FOOTER.match(leaf.text):
            return index + 1
    return 0


def _closing_list(builder: _Builder, run: list[_RunItem]) -> bool:
    """Whether a run that ends the document is a report's closing numbered list: its items mostly read as
    sources' entries, mostly numbered, and the text above cites their numbers (`[3]`, `[1, 2]`, `[4][5]`).
    The items are read only once their numbers allow it: at least two (60 % of at least two entries are
    keyed), cited above."""
    keys = {item.key for item in run if item.key and (item.pending or item.source is not None)}
    if len(keys) < 2:
        return False
    cited = _cited_numbers(builder, run[0].leaf)
    if len(keys & cited) < 2:
        return False
    for item in run:
        if item.pending:
            _read(builder, item)
    sources = [item.source for item in run if item.source is not None]
    if len(sources) < 2 or len(sources) < _READING_LIST_SHARE * len(run):
        return False
    keys = {ref.key for ref in sources if ref.key}
    return len(keys) >= len(sources) * _READING_LIST_SHARE and len(keys & cited) >= min(2, len(keys))


def _cited_numbers(builder: _Builder, first: Leaf) -> set[str]:
    """The numbers the text above `first` cites."""
    above = "\n".join(builder.lines[: first.first_line - 1])
    return {number for m in _CITED_NUMBERS.finditer(above) for number in re.findall(r"\d+", m.group(0))}


# `[3]`, `[1, 2]`, `[2-4]`, `^3^`, `【3】`, `<sup>3</sup>` in the text above a closing list.
_CITED_NUMBERS = re.compile(
    r"\[(?<!\]\()\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\](?![(:])|\^\d{1,3}(?:,\d{1,3})*\^|【\d{1,3}】|<sup>\d{1,3}</sup>"
)
_READING_LIST_MIN = 3  # items read as entries before a list counts as a reading list
_READING_LIST_SHARE = 0.6  # and the share of its items they must be
_ENTRY_MAX_WORDS = 80  # longer list items are prose
_LINK_ENTRY_MAX_WORDS = 30  # an item that is little more than a paper's link
# A year 1800-2099 (no digit either side), "arxiv" or "doi"; the look-behind after the first two digits.
_PAPERISH = re.compile(r"(?:1[89]|20)(?<!\d\d\d)\d\d(?!\d)|arxiv|doi", re.I)


def _run_item(leaf: Leaf, start: int, end: int) -> _RunItem:
    """The item (or its `[n]` line from `start` to `end`) of a run, not read yet."""
    text = leaf.text[start:end]
    m = _ENTRY_START.match(text)
    key = m.group("num") if m else (str(leaf.item_number) if leaf.item_number is not None else None)
    paperish = _PAPERISH.search(text) is not None
    return _RunItem(leaf, start, end, key, paperish, pending=paperish or "://" in text)


def _read(builder: _Builder, item: _RunItem) -> None:
    """Read the item as a paper's entry when it reads as one (authors, year and title, or an identifier),
    and as any source's entry (also a short item naming one web page: `[n] Title. https://…`,
    `[title](url)`); prose that links several papers is neither (an entry names one work)."""
    item.pending = False
    leaf, start = item.leaf, item.start
    text = leaf.text[start : item.end]
    m = _ENTRY_START.match(text)
    offset = m.end() if m else 0
    body = text[offset:].rstrip()
    words = len(body.split())
    if words > _ENTRY_MAX_WORDS or title_links(body) > 1:
        return
    indent = len(text) - len(text.lstrip(" \t"))
    ref = parse_entry(
        body,
        span=leaf.span(start + indent, start + len(text.split("\n")[0].rstrip())),
        path=builder.doc.display_path,
        source=ReferenceSource.READING_LIST,
        key=item.key,
        locate=_locator(leaf, start + offset),
    )
    short = words <= _LINK_ENTRY_MAX_WORDS
    if item.paperish and (
        (ref.authors and ref.year and ref.title and not ref.is_organisation) or ((ref.arxiv_ids or ref.dois) and short)
    ):
        item.paper = item.source = ref
    elif len(ref.urls) == 1 and short:
        item.source = ref


def _sections_with_bibtex(leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> dict[int, bool]:
    """For each leaf index inside a reference section: whether that section holds BibTeX code blocks."""
    result: dict[int, bool] = {}
    run: list[int] = []
    for index, leaf in enumerate([*leaves, None]):
        if leaf is not None and sections.get(id(leaf)) is not None:
            run.append(index)
            continue
        has_bibtex = any(leaves[i].kind == "code" and leaves[i].info.startswith("bib") for i in run)
        result.update(dict.fromkeys(run, has_bibtex))
        run = []
    return result


def _split_numbered(text: str) -> Iterable[tuple[int, int, str | None]]:
    """A paragraph of `[1] …` lines is one entry per number; any other paragraph is one entry."""
    starts: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        m = _ENTRY_START.match(line)
        if m:
            starts.append((offset, m.group("num")))
        offset += len(line) + 1
    if not starts or starts[0][0] != 0:
        yield 0, len(text), None
        return
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] - 1 if index + 1 < len(starts) else len(text)
        yield start, end, key


def _add_entry(
    builder: _Builder,
    leaf: Leaf,
    start: int,
    end: int,
    source: ReferenceSource,
    key: str | None,
    *,
    prose_unless_readable: bool = False,
) -> None:
    raw = leaf.text[start:end]
    m = _ENTRY_START.match(raw)
    body_offset = m.end() if m and key is not None else 0
    body = raw[body_offset:].rstrip()
    if not body.strip() or _is_link_definition_only(body):
        return
    locate = _locator(leaf, start + body_offset)
    indent = len(raw) - len(raw.lstrip(" \t"))  # a continuation line keeps its indentation in mistune's text
    span = leaf.span(start + indent, start + len(raw.split("\n")[0].rstrip()))
    ref = parse_entry(body, span=span, path=builder.doc.display_path, source=source, key=key, locate=locate)
    if prose_unless_readable and not (
        (ref.authors and ref.year) or ref.arxiv_ids or ref.dois or any(u.startswith(("http", "www")) for u in ref.urls)
    ):
        return
    builder.doc.references.append(ref)
    builder.doc.identifiers.extend((*ref.arxiv_ids, *ref.dois))


def _is_link_definition_only(text: str) -> bool:
    return all(_LINK_DEF_LINE.match(line) for line in text.split("\n") if line.strip())


def _link_definitions(builder: _Builder, env: dict[str, Any], sections: dict[int, ReferenceSource | None]) -> None:
    """`[label]: url` definitions: each a Link (checked) and a Reference (expected to be used)."""
    wanted = {normalize_label(v.get("label", k)): v for k, v in env.get("ref_links", {}).items()}
    if not wanted:
        return
    found: set[str] = set()
    for index, line in enumerate(builder.lines):
        if index + 1 in builder.code_lines:
            continue
        m = _LINK_DEF_LINE.match(line)
        if not m:
            continue
        label = normalize_label(m.group("label"))
        if label not in wanted or label in found or label.startswith("^") or label.startswith("@"):
            continue
        found.add(label)
        column = m.start("label")  # 0-based column of the label; the `[` is one before
        url = str(wanted[label].get("url", ""))
        span = Span(index + 1, column, index + 1, len(line.rstrip()) + 1)
        builder.doc.links.append(Link(url, span, LinkKind.DEFINITION, LinkContext.PROSE, m.group("label")))
        link_ids = tuple(_identifiers_of_url(url, span))
        builder.doc.identifiers.extend(link_ids)
        builder.doc.references.append(
            Reference(
                ReferenceSource.LINK_DEF,
                span,
                line.strip(),
                builder.doc.display_path,
                key=label,
                arxiv_ids=tuple(i for i in link_ids if i.kind is IdentifierKind.ARXIV),
                dois=tuple(i for i in link_ids if i.kind is IdentifierKind.DOI),
                urls=(url,),
            )
        )
    _manubot_tags(builder)


def _manubot_tags(builder: _Builder) -> None:
    """Manubot `[@tag:x]: doi:…` and `[@alias]: arxiv:…` lines: tags, their identifiers (RC301/RC302),
    and a key defined twice (RC205)."""
    doc = builder.doc
    first: dict[str, int] = {}
    for index, line in enumerate(builder.lines):
        m = _MANUBOT_DEF.match(line)
        if not m or index + 1 in builder.code_lines:
            continue
        key = m.group("key")
        span = Span(index + 1, 1, index + 1, len(line.rstrip()) + 1)
        if key in first:
            message = f"[@{key}] is defined twice (first definition on line {first[key]})"
            doc.diagnostics.append(rules.DUPLICATE_REFERENCE.at(doc.display_path, span, message))
            continue
        first[key] = index + 1
        doc.identifiers.extend(_manubot_target(m.group("target"), index + 1, m.start("target") + 1))
        # Tags and bare aliases alike: `[@deep-review]` inside `[@a; @deep-review]` is a pandoc key.
        doc.tag_definitions[key] = Reference(ReferenceSource.TAG_DEF, span, line.strip(), doc.display_path, key=key)


def _manubot_target(target: str, line: int, column: int) -> Iterable[Identifier]:
    """The identifier a Manubot definition points to (`doi:…`, `arxiv:…`, a doi.org or arxiv.org URL)."""
    prefix, _, value = target.partition(":")
    kind = {"doi": IdentifierKind.DOI, "arxiv": IdentifierKind.ARXIV}.get(prefix.lower())
    if kind is not None and value:
        start = column + len(prefix) + 1
        yield identifiers.make_identifier(kind, value, Span(line, start, line, start + len(value)))
    elif prefix.lower() in ("http", "https"):
        yield from _identifiers_of_url(target, Span(line, column, line, column + len(target)))


def _identifiers_of_url(url: str, span: Span) -> Iterable[Identifier]:
    arxiv = identifiers.arxiv_from_url(url)
    if arxiv:
        yield identifiers.make_identifier(IdentifierKind.ARXIV, arxiv, span)
    doi = identifiers.doi_from_url(url)
    if doi:
        yield identifiers.make_identifier(IdentifierKind.DOI, doi, span)


def _footnote_definitions(builder: _Builder, env: dict[str, Any]) -> list[Leaf]:
    """Footnote definitions as References (keyed by label) and as leaves to scan for links."""
    wanted = {k.casefold() for k in env.get("ref_footnotes", {})}
    leaves: list[Leaf] = []
    if not wanted:
        return leaves
    lines = builder.lines
    seen: set[str] = set()
    index = 0
    while index < len(lines):
        m = _FOOTNOTE_DEF_LINE.match(lines[index])
        if not m or index + 1 in builder.code_lines or m.group("label").casefold() not in wanted:
            index += 1
            continue
        label = m.group("label")
        text_lines = [lines[index][m.end() :]]
        mapped = [(index + 1, m.end())]
        nxt = index + 1
        # The body: indented continuation blocks, and lazy continuation lines of its first paragraph.
        while nxt < len(lines):
            line = lines[nxt]
            if _FOOTNOTE_DEF_LINE.match(line) or _LINK_DEF_LINE.match(line):
                break
            if not line.strip():
                following = lines[nxt + 1] if nxt + 1 < len(lines) else ""
                if following.startswith(("    ", "\t")) and following.strip():
                    text_lines.append("")
                    mapped.append((nxt + 1, 0))
                    nxt += 1
                    continue
                break
            if re.match(r"^\s{0,3}(#{1,6}\s|```|~~~|[-*_]{3,}\s*$|>)", line) and not line.startswith("    "):
                break
            indent = len(line) - len(line.lstrip())
            text_lines.append(line[indent:])
            mapped.append((nxt + 1, indent))
            nxt += 1
        builder.footnote_lines.update(line_no for line_no, _ in mapped)
        leaf = Leaf("paragraph", "\n".join(text_lines).rstrip(), mapped)
        if label.casefold() not in seen:
            seen.add(label.casefold())
            span = Span(index + 1, len(m.group("lead")) + 1, index + 1, len(lines[index].rstrip()) + 1)
            body = leaf.text
            lead = len(body) - len(body.lstrip())
            ref = parse_entry(
                body.strip(),
                span=span,
                path=builder.doc.display_path,
                source=ReferenceSource.FOOTNOTE,
                key=label,
                locate=_locator(leaf, lead),
            )
            builder.doc.references.append(ref)
            builder.doc.identifiers.extend((*ref.arxiv_ids, *ref.dois))
            leaves.append(leaf)
        index = nxt
    return leaves


def _embedded_bibtex(builder: _Builder, leaves: list[Leaf]) -> None:
    """```bibtex code blocks and <script type="text/bibliography"> blocks are bibliographies."""
    doc = builder.doc
    for leaf in leaves:
        text = None
        if leaf.kind == "code" and leaf.info.split()[:1] in (["bibtex"], ["bib"], ["biblatex"]):
            text, offset = leaf.text, 0
        elif leaf.kind == "html" and "text/bibliography" in leaf.text:
            m = re.search(r"<script[^>]*text/bibliography[^>]*>(?P<body>.*?)(?:</script>|\Z)", leaf.text, re.S)
            if m:
                text, offset = m.group("body"), m.start("body")
        if text is None or not text.strip():
            continue
        line, column = leaf.offset_to_position(offset)
        result = bib.parse_bib_text(text, doc.display_path, first_line=line, first_column=column)
        doc.references.extend(result.references)
        doc.diagnostics.extend(result.diagnostics)


def _scan_leaf(builder: _Builder, leaf: Leaf, context: LinkContext, known: citations.KnownNames, has_bib: bool) -> None:
    doc = builder.doc
    if leaf.kind in ("code", "math"):
        return
    if leaf.kind == "heading":
        title, explicit = heading_title(leaf.text)
        builder.anchors.add_heading(title, explicit)
    scan = scan_inline(leaf.text, builder.link_labels, html_block=leaf.kind == "html")
    _html_items(builder, leaf, scan, context)
    for link in scan.links:
        if link.reference_style:
            continue  # the definition is the Link; the use is a citation of its label
        span = leaf.span(link.start, link.end)
        doc.links.append(Link(link.url, span, link.kind, context, link.text))
        if context is LinkContext.PROSE:
            doc.identifiers.extend(_identifiers_of_url(link.url, span))
    found = citations.find_citations(leaf.text, scan, known=known, has_bib=has_bib)
    if context is not LinkContext.PROSE:
        # Links inside reference entries and footnote definitions are not citations; uses of
        # footnotes and link definitions there still are, and so are keys cited in a footnote's text
        # (a footnote is often an entry itself, so author–year text there is not counted).
        kept = styles.kinds(in_footnotes=True)
        if context is not LinkContext.FOOTNOTE:  # in entries, only the uses of footnotes and link labels
            kept = kept & {CitationKind.FOOTNOTE, CitationKind.LINK_LABEL}
        found = [f for f in found if f.kind in kept]
    quotes = _quotations(leaf.text) if '"' in leaf.text or "“" in leaf.text else []
    for item in found:
        citation = item.to_citation(leaf.span(item.start, item.end))
        if citation.kind is CitationKind.AUTHOR_YEAR and any(s < item.start and item.end <= e for s, e in quotes):
            citation = replace(citation, quoted=True)
        doc.citations.append(citation)
    cited = {item.start for item in found}
    for bad in malformed_links(leaf.text, scan, builder.link_labels, cited):
        span = leaf.span(bad.start, bad.end)
        doc.diagnostics.append(rules.MALFORMED_LINK.at(doc.display_path, span, bad.message))


_QUOTATION = re.compile(r"“[^“”\n]*(?:\n[^“”\n]*)?”|\"[^\"\n]*(?:\n[^\"\n]*)?\"")
_QUOTATION_MIN_WORDS = 5  # a quoted phrase shorter than this is a term, not a passage of another text


def _quotations(text: str) -> list[tuple[int, int]]:
    """Quoted passages of a block (“…” or "…", at most one line break): where a citation is the quoted
    text's own, its year is that text's business."""
    return [(m.start(), m.end()) for m in _QUOTATION.finditer(text) if len(m.group(0).split()) >= _QUOTATION_MIN_WORDS]


def _html_items(builder: _Builder, leaf: Leaf, scan: InlineScan, context: LinkContext) -> None:
    doc = builder.doc
    for tag in scan.tags:
        for attr in ("id", "name"):
            if attr in tag.attrs and tag.name not in ("meta", "input", "param"):
                builder.anchors.add_id(tag.attrs[attr])
        span = leaf.span(tag.start, tag.end)
        if tag.name == "a" and tag.attrs.get("href"):
            doc.links.append(Link(tag.attrs["href"], span, LinkKind.HTML_A, LinkContext.HTML, ""))
            if context is LinkContext.PROSE:
                _html_identifier_link(doc, tag.attrs["href"], span, leaf.text[tag.start : tag.end])
        elif tag.name in ("img", "source") and tag.attrs.get("src"):
            doc.links.append(
                Link(tag.attrs["src"], span, LinkKind.HTML_IMG, LinkContext.HTML, tag.attrs.get("alt", ""))
            )
        elif tag.name in ("d-cite", "cite") and tag.attrs.get("key") and context is not LinkContext.REFERENCE_LIST:
            written = leaf.text[tag.start : tag.end]  # once: a copy per key made many keys quadratic
            for key in re.split(r"[,\s]+", tag.attrs["key"].strip()):
                if key:
                    doc.citations.append(Citation(CitationKind.DISTILL, span, written, key=key))


def _html_identifier_link(doc: Document, url: str, span: Span, text: str) -> None:
    """`<a href>` to arXiv or doi.org in prose: a citation of that identifier, as a Markdown link is."""
    found = list(_identifiers_of_url(url, span))
    if not found:
        return
    doc.identifiers.extend(found)
    valid = [i for i in found if i.valid]
    arxiv = next((i.value for i in valid if i.kind is IdentifierKind.ARXIV), None)
    doi = next((i.value for i in valid if i.kind is IdentifierKind.DOI), None)
    if arxiv or doi:
        doc.citations.append(Citation(CitationKind.IDENTIFIER_LINK, span, text, arxiv_id=arxiv, doi=doi, url=url))


def _suppressions(builder: _Builder, leaves: list[Leaf], extra: list[Leaf]) -> None:
    doc = builder.doc
    open_disable: tuple[int, frozenset[str]] | None = None
    directives: list[tuple[int, str, frozenset[str]]] = []
    for leaf in [*leaves, *extra]:
        if leaf.kind in ("code", "math") or "<!--" not in leaf.text:
            continue
        for m in _DIRECTIVE.finditer(leaf.text):
            line, _ = leaf.offset_to_position(m.start())
            end_line, _ = leaf.offset_to_position(m.end())
            codes = frozenset(c.upper() for c in re.findall(r"[A-Za-z]+\d+", m.group("codes")))
            directives.append(
                (line if m.group("verb").lower() != "disable-next-line" else end_line, m.group("verb").lower(), codes)
            )
    directives.sort(key=lambda d: d[0])
    for line, verb, codes in directives:
        if verb == "disable-next-line":
            target = line + 1
            while target <= len(builder.lines) and not builder.lines[target - 1].strip():
                target += 1
            doc.suppressions.append(Suppression(target, target, codes))
        elif verb == "disable-line":
            doc.suppressions.append(Suppression(line, line, codes))
        elif verb == "disable":
            if open_disable is not None:
                doc.suppressions.append(Suppression(open_disable[0], line, open_disable[1]))
            open_disable = (line, codes)
        elif verb == "enable" and open_disable is not None:
            doc.suppressions.append(Suppression(open_disable[0], line, open_disable[1]))
            open_disable = None
    if open_disable is not None:
        doc.suppressions.append(Suppression(open_disable[0], 10**9, open_disable[1]))


__all__ = ["front_matter_lines", "parse_markdown"]

"""One Markdown file's text → `Document`: front matter, reference sections, footnotes, links, anchors.

Stages after this one never look at Markdown again: everything they need is in the `Document`.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from refcheck import bib, citations, identifiers, rules
from refcheck.anchors import AnchorSet
from refcheck.blocks import Leaf, parse_blocks
from refcheck.inline import InlineScan, normalize_label, scan_inline
from refcheck.model import (
    Citation,
    CitationKind,
    Diagnostic,
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
from refcheck.references import parse_entry

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
_MANUBOT_TAG_DEF = re.compile(r"^\[@(?P<key>tag:[^\]\s]+)\]:\s*(?P<target>\S+)")


@dataclass(slots=True)
class _Section:
    kind: ReferenceSource  # LIST or FURTHER_READING
    level: int  # heading level that ends it (7 for a bold line: any heading ends it)


# libyaml's safe loader when PyYAML was built with it (five times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class _Builder:
    """State for one document while it is being assembled."""

    doc: Document
    lines: list[str]
    link_labels: set[str] = field(default_factory=set)
    footnote_lines: set[int] = field(default_factory=set)  # source lines inside footnote definitions
    code_lines: set[int] = field(default_factory=set)
    anchors: AnchorSet = field(default_factory=AnchorSet)


def split_front_matter(text: str) -> tuple[dict[str, Any], int]:
    """YAML front matter (`---` … `---`/`...`) at the top: its data and the number of lines it takes."""
    if not text.startswith("---"):
        return {}, 0
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return {}, 0
    for index in range(1, min(len(lines), 2000)):
        if lines[index].rstrip() in ("---", "..."):
            try:
                data = yaml.load("\n".join(lines[1:index]), Loader=_YAML_LOADER)
            except yaml.YAMLError:
                data = None
            return (data if isinstance(data, dict) else {}), index + 1
    return {}, 0


def parse_markdown(text: str, path: Path, display_path: str) -> Document:
    """Build the `Document` of one file from its decoded text (any newline style)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    doc = Document(path=path, display_path=display_path, line_count=len(lines))
    front, front_lines = split_front_matter(text)
    doc.front_matter = front
    body_lines = [""] * front_lines + lines[front_lines:]
    body = "\n".join(body_lines)
    leaves, env = parse_blocks(body_lines, body)
    builder = _Builder(doc, body_lines)
    for leaf in leaves:
        if leaf.kind == "code":
            builder.code_lines.update(line for line, _ in leaf.lines)
    builder.link_labels = {normalize_label(v.get("label", k)) for k, v in env.get("ref_links", {}).items()}

    _bibliography_from_front_matter(builder, front, lines[:front_lines])
    footnote_leaves = _footnote_definitions(builder, env)
    sections = _assign_sections(leaves)
    _link_definitions(builder, env, sections)
    _reference_entries(builder, leaves, sections)
    _embedded_bibtex(builder, leaves)
    doc.has_reference_section = any(kind is ReferenceSource.LIST for kind in sections.values())

    known = citations.KnownNames.from_references(doc.references)
    # Bare `@key` is pandoc's only with a bibliography in front matter; a README's ```bibtex blocks
    # sit beside GitHub @mentions.
    has_bib = bool(doc.bib_files)
    for leaf in leaves:
        if leaf.first_line in builder.footnote_lines:
            continue  # lazy continuation of a footnote definition, handled with it
        context = LinkContext.REFERENCE_LIST if sections.get(id(leaf)) is not None else LinkContext.PROSE
        _scan_leaf(builder, leaf, context, known, has_bib)
    for leaf in footnote_leaves:
        _scan_leaf(builder, leaf, LinkContext.FOOTNOTE, known, has_bib)
    doc.anchors = builder.anchors.ids
    _suppressions(builder, leaves, footnote_leaves)
    return doc


def _bibliography_from_front_matter(builder: _Builder, front: dict[str, Any], front_lines: list[str]) -> None:
    value = front.get("bibliography")
    names = (
        [value]
        if isinstance(value, str)
        else [v for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else []
    )
    base = builder.doc.path.parent
    for name in names:
        path = base / name
        builder.doc.bib_files.append(path)
        if not path.is_file():
            line = next((i + 1 for i, text in enumerate(front_lines) if name in text), 1)
            column = front_lines[line - 1].find(name) + 1 if line <= len(front_lines) else 1
            builder.doc.diagnostics.append(
                Diagnostic(
                    builder.doc.display_path,
                    Span(line, max(column, 1), line, max(column, 1) + len(name)),
                    "RC103",
                    f"bibliography file {name} not found",
                    rules.get("RC103").severity,
                )
            )


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
        if leaf.kind == "heading":
            if current is not None and leaf.level <= current.level:
                current = None
            title, _ = heading_title(leaf.text)
            kind = _section_kind(title)
            if kind is not None:
                current = _Section(kind, leaf.level)
            result[id(leaf)] = None
            continue
        if leaf.kind == "paragraph" and leaf.item is None:
            m = _BOLD_LINE.match(leaf.text)
            if m and "\n" not in leaf.text.strip():
                kind = _section_kind(m.group("title"))
                if kind is not None:
                    current = _Section(kind, 7)
                    result[id(leaf)] = None
                    continue
        result[id(leaf)] = current.kind if current is not None else None
    return result


def _locator(leaf: Leaf, base: int) -> Callable[[int, int], Span]:
    return lambda start, end: leaf.span(base + start, base + end)


def _reference_entries(builder: _Builder, leaves: list[Leaf], sections: dict[int, ReferenceSource | None]) -> None:
    """Entries of reference sections: list items, `[n]` lines, one-line paragraphs."""
    doc = builder.doc
    seen_items: set[tuple[int, ...]] = set()
    bibtex_sections = _sections_with_bibtex(leaves, sections)
    for index, leaf in enumerate(leaves):
        source = sections.get(id(leaf))
        if source is None or leaf.kind not in ("paragraph",):
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
            key = str(leaf.item_number) if leaf.item_number is not None else None
            _add_entry(builder, leaf, 0, len(leaf.text), source, key)
            continue
        if _BOLD_LINE.match(leaf.text) or bibtex_sections.get(index, False):
            continue  # a heading-like line, or prose around the BibTeX blocks of a "Citations" section
        for start, end, key in _split_numbered(leaf.text):
            _add_entry(builder, leaf, start, end, source, key)
    doc.references.sort(key=lambda r: (r.path, r.span))


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


def _add_entry(builder: _Builder, leaf: Leaf, start: int, end: int, source: ReferenceSource, key: str | None) -> None:
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
    for index, line in enumerate(builder.lines):
        m = _MANUBOT_TAG_DEF.match(line)
        if m and index + 1 not in builder.code_lines:
            span = Span(index + 1, 1, index + 1, len(line.rstrip()) + 1)
            ref = Reference(ReferenceSource.TAG_DEF, span, line.strip(), builder.doc.display_path, key=m.group("key"))
            builder.doc.tag_definitions[m.group("key")] = ref


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
        # footnotes and link definitions there still are.
        found = [f for f in found if f.kind in (CitationKind.FOOTNOTE, CitationKind.LINK_LABEL)]
    for item in found:
        doc.citations.append(item.to_citation(leaf.span(item.start, item.end)))


def _html_items(builder: _Builder, leaf: Leaf, scan: InlineScan, context: LinkContext) -> None:
    doc = builder.doc
    for tag in scan.tags:
        for attr in ("id", "name"):
            if attr in tag.attrs and tag.name not in ("meta", "input", "param"):
                builder.anchors.add_id(tag.attrs[attr])
        span = leaf.span(tag.start, tag.end)
        if tag.name == "a" and tag.attrs.get("href"):
            doc.links.append(Link(tag.attrs["href"], span, LinkKind.HTML_A, LinkContext.HTML, ""))
        elif tag.name in ("img", "source") and tag.attrs.get("src"):
            doc.links.append(
                Link(tag.attrs["src"], span, LinkKind.HTML_IMG, LinkContext.HTML, tag.attrs.get("alt", ""))
            )
        elif tag.name in ("d-cite", "cite") and tag.attrs.get("key") and context is not LinkContext.REFERENCE_LIST:
            for key in re.split(r"[,\s]+", tag.attrs["key"].strip()):
                if key:
                    doc.citations.append(Citation(CitationKind.DISTILL, span, leaf.text[tag.start : tag.end], key=key))


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



__all__ = ["parse_markdown", "split_front_matter"]

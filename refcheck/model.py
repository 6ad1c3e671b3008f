"""Plain data passed between stages: spans, documents, citations, references, links, diagnostics."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


class Span(NamedTuple):
    """A source range: 1-based line and column (Unicode code points), `end_column` exclusive.

    A named tuple rather than a frozen dataclass: immutable and ordered alike, and made twice as fast
    (every citation, link and finding has one).
    """

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int, length: int = 1) -> Span:
        return cls(line, column, line, column + max(length, 1))


class Severity(enum.IntEnum):
    """Ordered so that `severity >= fail_on` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding. `path` is the display path (relative to the working directory, `/`-separated)."""

    path: str
    span: Span
    code: str
    message: str
    severity: Severity
    related: tuple[Span, ...] = ()  # other places with the same root cause (JSON `related`, SARIF)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)


class CitationKind(enum.Enum):
    AUTHOR_YEAR = "author-year"  # Kaplan et al. (2020), (Vaswani et al., 2017), [Gao et al., 2020](url)
    NUMERIC = "numeric"  # [1], [2-4], [1][2], ^4^, <sup>1</sup>, 【1】 against a numbered list
    FOOTNOTE = "footnote"  # [^1]
    LINK_LABEL = "link-label"  # [text][n] with a [n]: url definition
    PANDOC = "pandoc"  # [@key], @key, Manubot [@doi:…]
    DISTILL = "distill"  # <d-cite key="a,b">, <cite key="a">
    MYST = "myst"  # {cite}`key`, {cite:p}`a,b`, {cite:t}`key` (Jupyter Book, mystmd)
    HUGO = "hugo"  # {{< cite "key" >}} (hugo-cite, CSL JSON)
    IDENTIFIER_LINK = "identifier-link"  # a link to arxiv.org / doi.org, whatever its text


@dataclass(frozen=True, slots=True)
class Citation:
    """One in-text citation item; `(A, 2019; B, 2020)` yields two."""

    kind: CitationKind
    span: Span
    text: str
    authors: tuple[str, ...] = ()  # normalised surnames, first author first
    et_al: bool = False
    year: str | None = None  # "2020", "2020a", "n.d."
    key: str | None = None  # pandoc/distill key, footnote label, number, link label
    arxiv_id: str | None = None  # from the wrapping link or a Manubot prefix
    doi: str | None = None
    url: str | None = None  # the wrapping link's URL
    quoted: bool = False  # inside a quotation of another text: its years are that text's


class ReferenceSource(enum.Enum):
    LIST = "list"  # an entry of the document's reference section
    FURTHER_READING = "further-reading"  # parsed, not expected to be cited
    BIB = "bib"  # a BibTeX entry (front matter, --bib, or a ```bibtex block)
    FOOTNOTE = "footnote"  # a footnote definition
    LINK_DEF = "link-definition"  # [label]: url
    TAG_DEF = "tag-definition"  # Manubot [@tag:x]: doi:…
    READING_LIST = "reading-list"  # an item of a list of papers under any heading: checked, never cited


class IdentifierKind(enum.Enum):
    ARXIV = "arxiv"
    DOI = "doi"


@dataclass(frozen=True, slots=True)
class Identifier:
    """An arXiv ID or DOI as written, with where it was written (RC301/RC302 sit here)."""

    kind: IdentifierKind
    value: str  # normalised: arXiv without version, DOI lower-cased
    raw: str
    span: Span
    valid: bool = True
    problem: str | None = None  # why it is malformed


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference entry, parsed."""

    source: ReferenceSource
    span: Span
    text: str
    path: str  # display path of the file the entry is in (a .bib file for BIB)
    key: str | None = None  # list number, bib key, footnote label, link label
    authors: tuple[str, ...] = ()  # normalised surnames, first author first
    et_al: bool = False  # the author list is cut short ("et al.", BibTeX "and others")
    year: str | None = None
    title: str | None = None
    arxiv_ids: tuple[Identifier, ...] = ()
    dois: tuple[Identifier, ...] = ()
    urls: tuple[str, ...] = ()
    kind: str | None = None  # BibTeX entry type, when known
    is_organisation: bool = False
    year_span: Span | None = None  # where the year (or what stands for it) is written
    year_raw: str | None = None  # what stands where a year should be when it is not one ("20xx")
    other_years: tuple[str, ...] = ()  # the rest of a span or reprint date: `(2018/2020)`, `2018–2020`

    @property
    def arxiv_id(self) -> str | None:
        return next((i.value for i in self.arxiv_ids if i.valid), None)

    @property
    def doi(self) -> str | None:
        return next((i.value for i in self.dois if i.valid), None)


class LinkKind(enum.Enum):
    LINK = "link"  # [text](url), [text][ref]
    IMAGE = "image"  # ![alt](src)
    AUTOLINK = "autolink"  # <https://…>
    BARE = "bare"  # https://… in prose
    HTML_A = "html-a"  # <a href>
    HTML_IMG = "html-img"  # <img src>
    DEFINITION = "definition"  # [label]: url


class LinkContext(enum.Enum):
    PROSE = "prose"
    REFERENCE_LIST = "reference-list"
    FOOTNOTE = "footnote"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class Link:
    """One link or image occurrence. `url` is as written (entities decoded), fragment included."""

    url: str
    span: Span
    kind: LinkKind
    context: LinkContext
    text: str = ""


@dataclass(frozen=True, slots=True)
class Suppression:
    """`disable-next-line` (one line) or `disable`/`enable` (a line range); empty `codes` = all."""

    first_line: int
    last_line: int  # inclusive; a large number for an open `disable`
    codes: frozenset[str]

    def covers(self, line: int, code: str) -> bool:
        return self.first_line <= line <= self.last_line and (not self.codes or code in self.codes)


@dataclass(frozen=True, slots=True)
class BibDeclaration:
    """A `bibliography:` name in a document's front matter, as written, and where; `site_root`: hugo-cite's
    `bibFile:`, a path from the Hugo site's root."""

    name: str
    span: Span
    site_root: bool = False


@dataclass(slots=True)
class Document:
    """Everything later stages need from one Markdown file; they never re-read the Markdown."""

    path: Path
    display_path: str
    citations: list[Citation] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)  # every arXiv ID / DOI mention
    anchors: set[str] = field(default_factory=set)  # heading slugs, {#id}, HTML id/name
    suppressions: list[Suppression] = field(default_factory=list)
    bib_declarations: list[BibDeclaration] = field(default_factory=list)  # front matter `bibliography:`
    bib_files: list[Path] = field(default_factory=list)  # its bibliographies (parse.bibliographies)
    bib_unavailable: bool = False  # a bibliography it needs could not be read: keyed citations not judged
    has_reference_section: bool = False
    tag_definitions: dict[str, Reference] = field(default_factory=dict)  # Manubot [@tag:x]: …
    diagnostics: list[Diagnostic] = field(default_factory=list)  # found while reading/parsing
    line_count: int = 0


@dataclass(slots=True)
class StageResult:
    """What a network stage returns: findings, run-level notices and what it could not check."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    unchecked_links: int = 0
    unverified_references: int = 0
    incomplete: bool = False  # something asked for could not be checked (exit 3)
    requests: int = 0


@dataclass(slots=True)
class Summary:
    """The counts of the JSON `summary` object (DESIGN.md, output contract)."""

    files: int = 0
    citations: int = 0
    references: int = 0
    links: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unchecked_links: int = 0
    unverified_references: int = 0


@dataclass(frozen=True, slots=True)
class FileCounts:
    """What one checked file held, for the console's per-file lines (a zero stands out there)."""

    path: str  # display path
    citations: int
    references: int
    links: int


@dataclass(slots=True)
class RunResult:
    """A whole run: diagnostics sorted by path, line, column, code; notices; counts."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    files: list[FileCounts] = field(default_factory=list)  # per checked file, sorted by path
    incomplete: bool = False  # exit 3 when nothing reached the fail bar
    interrupted: bool = False  # Ctrl-C: the findings so far (the CLI exits 130)

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        if any(d.severity >= fail_on for d in self.diagnostics):
            return 1
        return 3 if self.incomplete else 0

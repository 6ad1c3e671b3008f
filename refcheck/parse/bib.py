"""BibTeX files and blocks → `Reference`s (via bibtexparser 2), with RC103/RC205 diagnostics."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from refcheck import rules
from refcheck.errors import RefcheckError
from refcheck.identifiers import (
    doi_arxiv_id,
    doi_from_url,
    find_identifiers,
    find_urls,
    make_identifier,
)
from refcheck.latex import latex_to_text
from refcheck.model import Diagnostic, Identifier, IdentifierKind, Reference, ReferenceSource, Span
from refcheck.names import normalise_surname, split_bibtex_names

if TYPE_CHECKING:
    from bibtexparser.library import Library
    from bibtexparser.model import Entry

_YEAR = re.compile(r"(?<!\d)((?:1[5-9]|20)\d{2})([a-z])?(?!\d)")
_EPRINT_CLASSES = re.compile(r"\s*\[[\w.,\s-]*\]$")  # `2204.07651 [cs, math]`
_ARXIV_EPRINT = re.compile(r"(?i:arxiv:)?\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Za-z-]+)?/\d{7}(?:v\d+)?)")
# What a `year` field may say instead of a year without being wrong.
_NOT_YET = re.compile(
    r"(?:forthcoming|in\s+press|to\s+appear|submitted|accepted|in\s+preparation|preprint|unpublished|n\.?\s?d\.?|"
    r"no\s+date|undated)\W*$",
    re.IGNORECASE,
)
_LATEX_URL = re.compile(r"\\url\{([^{}]*)\}")
_ENTRY_HEAD = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)")
# Fields whose text may hold an arXiv ID or DOI besides the dedicated ones.
_FREE_TEXT_FIELDS = ("url", "journal", "journaltitle", "note", "howpublished", "volume", "pdf", "annote")


@functools.cache
def _parse_string() -> Callable[[str], Library]:
    """bibtexparser's parser, imported on first use: ~10 ms of imports that a run without BibTeX
    does not need."""
    import logging

    from bibtexparser.entrypoint import parse_string

    # bibtexparser logs every aborted block; refcheck reports them as RC103 diagnostics instead.
    splitter_log = logging.getLogger("bibtexparser.splitter")
    splitter_log.addHandler(logging.NullHandler())
    splitter_log.propagate = False
    return parse_string


class BibFileError(RefcheckError):
    """A BibTeX file cannot be read (missing, a directory, no permission); the caller reports RC103."""


@dataclass(slots=True)
class BibResult:
    """The entries of one BibTeX source, and what went wrong while reading it."""

    references: list[Reference] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


_cache: dict[tuple[Path, str, int, int], BibResult] = {}
_cache_lock = threading.Lock()


def load_bib(path: Path, display_path: str) -> BibResult:
    """Parse a .bib file once per resolved path (and modification time); raise BibFileError if unreadable.

    Invalid UTF-8 is read as Latin-1, the usual encoding of older BibTeX files.
    """
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError as error:
        raise BibFileError(f"cannot read {display_path}: {_reason(error)}") from error
    key = (resolved, display_path, stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        try:
            data = resolved.read_bytes()
        except OSError as error:
            raise BibFileError(f"cannot read {display_path}: {_reason(error)}") from error
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        # CRLF and lone CR end lines as in Markdown files, so that positions agree.
        result = parse_bib_text(text.replace("\r\n", "\n").replace("\r", "\n"), display_path)
        _cache[key] = result
        return result


def _reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or str(error)


def parse_bib_text(text: str, display_path: str, first_line: int = 1, first_column: int = 1) -> BibResult:
    """Parse BibTeX source that starts at (first_line, first_column) of `display_path`.

    For a ```bibtex block or a `<script type="text/bibliography">` in Markdown, pass the block's
    text as it stands in the file (indentation kept) and where its first character is.
    """
    parse_string = _parse_string()
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

    result = BibResult()
    placer = _Placer(text, first_line, first_column)
    try:
        library = parse_string(text)
    except Exception as error:  # a bibtexparser bug must not end the run
        message = f"BibTeX could not be parsed: {error}"
        result.diagnostics.append(rules.BIB_ERROR.at(display_path, placer.point(0, 0), message))
        return result

    for block in library.blocks:
        if isinstance(block, Entry):
            result.references.append(_reference(block, _entry_fields(block), placer, display_path))
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            if isinstance(entry, Entry):
                fields = _first_fields_raw(entry)
                result.references.append(_reference(entry, fields, placer, display_path))
        elif isinstance(block, DuplicateBlockKeyBlock):
            duplicate = block.ignore_error_block
            if isinstance(duplicate, Entry):
                first_line = placer.line_of(block.previous_block.start_line)
                result.diagnostics.append(
                    rules.DUPLICATE_REFERENCE.at(
                        display_path,
                        placer.entry_span(duplicate.start_line, duplicate.raw),
                        f"BibTeX key '{block.key}' is defined twice (first definition on line {first_line}); "
                        "the first one is used",
                    )
                )
        elif isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", None) or str(block.error) or "syntax error"
            head = _ENTRY_HEAD.match(block.raw or "")
            what = f"entry '{head.group(2)}'" if head and head.group(2) else "block"
            result.diagnostics.append(
                rules.BIB_ERROR.at(
                    display_path,
                    placer.entry_span(block.start_line, block.raw),
                    f"BibTeX {what} could not be parsed: {reason.strip()}",
                )
            )
    return result


class _Placer:
    """Turns bibtexparser's 0-based line numbers into spans in the containing file."""

    def __init__(self, text: str, first_line: int, first_column: int) -> None:
        self.lines = text.split("\n")
        self.first_line = first_line
        self.first_column = first_column

    def line_of(self, index: int | None) -> int:
        return self.first_line + (index or 0)

    def point(self, index: int | None, column0: int, length: int = 1) -> Span:
        offset = self.first_column - 1 if not index else 0
        return Span.point(self.line_of(index), column0 + 1 + offset, length)

    def entry_span(self, index: int | None, raw: str | None) -> Span:
        """From the `@` through the key when it is on the same line (`@article{vaswani2017`)."""
        line = self.lines[index] if index is not None and 0 <= index < len(self.lines) else ""
        head = (raw or "").split("\n", 1)[0]
        column = line.find(head) if head else -1
        if column < 0:
            column = max(line.find("@"), 0)
        match = _ENTRY_HEAD.match(line, column)
        length = match.end() - column if match else 1
        return self.point(index, column, length)

    def value_span(self, index: int | None, raw: str, fallback: Span) -> Span:
        """Where `raw` (an identifier) is written on line `index`, else `fallback`."""
        if index is None or not 0 <= index < len(self.lines):
            return fallback
        column = self.lines[index].find(raw)
        return self.point(index, column, len(raw)) if column >= 0 else fallback


def _entry_fields(entry: Entry) -> dict[str, tuple[str, int | None]]:
    """Lower-cased field name → (value, 0-based line)."""
    return {f.key.lower(): (str(f.value), f.start_line) for f in entry.fields}


def _first_fields_raw(entry: Entry) -> dict[str, tuple[str, int | None]]:
    """Fields of an entry bibtexparser left unprocessed (duplicate fields): first wins, delimiters off."""
    fields: dict[str, tuple[str, int | None]] = {}
    for f in entry.fields:
        value = str(f.value).strip()
        if len(value) >= 2 and (value[0], value[-1]) in {("{", "}"), ('"', '"')}:
            value = value[1:-1]
        fields.setdefault(f.key.lower(), (value, f.start_line))
    return fields


def _reference(
    entry: Entry, fields: dict[str, tuple[str, int | None]], placer: _Placer, display_path: str
) -> Reference:
    span = placer.entry_span(entry.start_line, entry.raw)
    authors: tuple[str, ...] = ()
    et_al = False
    is_organisation = False
    names_field = fields.get("author") or fields.get("editor")
    if names_field:
        surnames, et_al = split_bibtex_names(names_field[0])
        authors = tuple(s for s in (normalise_surname(name) for name in surnames) if s)
        stripped = names_field[0].strip()
        is_organisation = len(surnames) == 1 and stripped.startswith("{") and stripped.endswith("}")
    year = year_raw = None
    year_span: Span | None = None
    for name in ("year", "date"):
        if name in fields and (match := _YEAR.search(fields[name][0])):
            year = match.group(0)
            year_span = placer.value_span(fields[name][1], year, span)
            break
    if year is None:
        written = fields.get("year", fields.get("date", ("", None)))
        value = written[0].strip().strip('{}"').strip()
        if value and not _NOT_YET.match(value):  # "forthcoming", "in press", "n.d." are no mistake
            year_raw, year_span = value, placer.value_span(written[1], value, span)
    title = latex_to_text(fields["title"][0]) if "title" in fields else None
    arxiv_ids, dois = _identifiers(fields, placer, span)
    urls: list[str] = []
    for name in ("url", "howpublished", "note"):
        if name in fields:
            value = _LATEX_URL.sub(r"\1", fields[name][0])
            urls.extend(value[s:e] for s, e in find_urls(value))
    return Reference(
        source=ReferenceSource.BIB,
        span=span,
        text=entry.raw or "",
        path=display_path,
        key=entry.key,
        authors=authors,
        et_al=et_al,
        year=year,
        title=title or None,
        arxiv_ids=tuple(arxiv_ids),
        dois=tuple(dois),
        urls=tuple(dict.fromkeys(urls)),
        kind=entry.entry_type.lower(),
        is_organisation=is_organisation,
        year_span=year_span,
        year_raw=year_raw,
    )


def _identifiers(
    fields: dict[str, tuple[str, int | None]], placer: _Placer, entry_span: Span
) -> tuple[list[Identifier], list[Identifier]]:
    found: dict[tuple[IdentifierKind, str], Identifier] = {}

    def add(kind: IdentifierKind, raw: str, line: int | None) -> None:
        if not raw.strip():
            return
        ident = make_identifier(kind, raw, placer.value_span(line, raw, entry_span))
        found.setdefault((kind, ident.value), ident)
        if kind is IdentifierKind.DOI and ident.valid and (inner := doi_arxiv_id(ident.value)):
            add(IdentifierKind.ARXIV, inner, line)

    prefix = fields.get("archiveprefix", fields.get("eprinttype", ("", None)))[0].strip().lower()
    if "eprint" in fields and prefix in {"", "arxiv"}:
        value, line = fields["eprint"]
        value = _EPRINT_CLASSES.sub("", value.strip())  # Zotero writes the primary classes after the ID
        match = _ARXIV_EPRINT.fullmatch(value)
        if match or prefix == "arxiv":
            add(IdentifierKind.ARXIV, match.group(1) if match else value, line)
    for name in ("arxiv", "arxivid"):
        if name in fields:
            value, line = fields[name]
            add(IdentifierKind.ARXIV, value.strip().removeprefix("arXiv:"), line)
    if "doi" in fields:
        value, line = fields["doi"]
        value = value.strip()
        raw = doi_from_url(value) if "doi.org/" in value.lower() else value
        add(IdentifierKind.DOI, (raw or value).removeprefix("doi:").removeprefix("DOI:").strip(), line)
    for name in _FREE_TEXT_FIELDS:
        if name in fields:
            value, line = fields[name]
            for hit in find_identifiers(_LATEX_URL.sub(r"\1", value)):
                add(hit.kind, hit.raw, line)
    by_kind: dict[IdentifierKind, list[Identifier]] = {IdentifierKind.ARXIV: [], IdentifierKind.DOI: []}
    for (kind, _), ident in found.items():
        by_kind[kind].append(ident)
    return by_kind[IdentifierKind.ARXIV], by_kind[IdentifierKind.DOI]


def clear_cache() -> None:
    """Forget parsed files (tests, long-running processes)."""
    with _cache_lock:
        _cache.clear()

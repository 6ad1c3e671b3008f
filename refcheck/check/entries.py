"""Checks of the entries themselves, whoever cites them: implausible years (RC209), one work listed
twice (RC205), an entry whose identifiers disagree (RC206), malformed identifiers of bibliography
entries (RC301/RC302)."""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

from refcheck import identifiers, rules
from refcheck.addresses import work_address
from refcheck.model import Diagnostic, Document, Identifier, IdentifierKind, Reference, ReferenceSource, Span

# Entries a reader sees as one list: a work named twice there is a duplicate.
_LISTED = (ReferenceSource.LIST, ReferenceSource.FURTHER_READING)
_NO_YEAR = (ReferenceSource.LINK_DEF, ReferenceSource.TAG_DEF)
_PUNCTUATION = re.compile(r"[^\w\s]")
# shortDOI (`10/gf29tr`), which doi.org resolves: not the DOI syntax, but no mistake either.
_SHORT_DOI = re.compile(r"10/[a-z0-9]+", re.IGNORECASE)
_MIN_TITLE_WORDS, _MIN_TITLE_CHARS = 4, 25  # shorter "titles" ("Access Denied") tell no work apart


def _diagnostic(ref: Reference, span: Span, rule: rules.Rule, message: str) -> Diagnostic:
    return rule.at(ref.path, span, message)


def check_entries(doc: Document, bib_refs: Sequence[Reference], today: _dt.date | None = None) -> list[Diagnostic]:
    """RC205/RC206/RC209/RC301/RC302 for the document's entries and the bibliography entries it uses."""
    own_bib = [r for r in doc.references if r.source is ReferenceSource.BIB]
    bib = [*bib_refs, *own_bib]
    found: list[Diagnostic] = []
    this_year = (today or _dt.date.today()).year
    for ref in [*doc.references, *bib_refs]:
        if ref.source not in _NO_YEAR:
            found.extend(_implausible_year(ref, this_year))
    checked = [r for r in doc.references if r.source in (*_LISTED, ReferenceSource.READING_LIST)]
    for ref in checked:
        found.extend(_disagreeing_identifiers(ref))
    found.extend(_same_work([r for r in doc.references if r.source in _LISTED]))
    found.extend(_bib_keys_twice(bib))
    found.extend(_malformed(bib))
    return found


def _implausible_year(ref: Reference, this_year: int) -> Iterable[Diagnostic]:
    span = ref.year_span or ref.span
    if ref.year_raw:
        yield _diagnostic(ref, span, rules.IMPLAUSIBLE_YEAR, f"year {ref.year_raw!r} is not a year")
        return
    year = ref.year[:4] if ref.year and ref.year[:4].isdigit() else None
    if year is None:
        return
    if int(year) > this_year + 1:
        yield _diagnostic(ref, span, rules.IMPLAUSIBLE_YEAR, f"year {ref.year} is in the future")
        return
    arxiv = ref.arxiv_id
    year_month = identifiers.arxiv_year_month(arxiv) if arxiv else None
    if year_month is not None:
        earliest = year_month[0] - 1 if year_month[1] == 1 else year_month[0]
        if int(year) < earliest:
            announced = f"{year_month[0]}-{year_month[1]:02d}"
            message = f"year {ref.year} is before arXiv {arxiv} was announced ({announced})"
            yield _diagnostic(ref, span, rules.IMPLAUSIBLE_YEAR, message)


def _disagreeing_identifiers(ref: Reference) -> Iterable[Diagnostic]:
    values = {i.value for i in ref.arxiv_ids if i.valid}
    if len(values) > 1:
        first = ref.arxiv_ids[0]
        other = next(i for i in ref.arxiv_ids if i.valid and i.value != first.value)
        yield _diagnostic(
            ref, other.span, rules.IDENTIFIER_MISMATCH, f"entry names arXiv {first.value} but also {other.value}"
        )
    dois = {i.value for i in ref.dois if i.valid and not i.value.startswith("10.48550/")}
    if len(dois) > 1:
        first_doi, other_doi = sorted(dois)[:2]
        yield _diagnostic(ref, ref.span, rules.IDENTIFIER_MISMATCH, f"entry names DOI {first_doi} but also {other_doi}")


def _work_keys(ref: Reference) -> list[tuple[str, str]]:
    """What tells one work's entries apart from others': identifiers, a long enough title, the entry's
    whole text, and the address of an entry that is one link."""
    keys = [("arXiv ID", i.value) for i in ref.arxiv_ids if i.valid]
    keys += [("DOI", i.value) for i in ref.dois if i.valid]
    if ref.title and (len(ref.title.split()) >= _MIN_TITLE_WORDS or len(ref.title) >= _MIN_TITLE_CHARS):
        keys.append(("title", norm_title(ref.title)))
    entry_text = norm_title(ref.text)
    if len(entry_text.split()) >= _MIN_TITLE_WORDS:  # the same entry written twice, whatever could be read of it
        keys.append(("text", entry_text))
    addresses = {a for url in ref.urls if (a := work_address(url)) is not None}
    if len(addresses) == 1:  # an item that links several pages is a topic line, not one work's listing
        address = addresses.pop()
        kind, _, value = address.partition(":")
        keys.append(("arXiv ID", value) if kind == "arxiv" else ("DOI", value) if kind == "doi" else ("URL", address))
    return keys


def work_groups(refs: Sequence[Reference]) -> dict[int, int]:
    """id() of each entry → the index of the first entry of its work: listings that share a key, directly
    or through another listing (journal page, PDF and arXiv copy of one paper), are one work."""
    parent = list(range(len(refs)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_of: dict[tuple[str, str], int] = {}
    for index, ref in enumerate(refs):
        for key in _work_keys(ref):
            other = first_of.setdefault(key, index)
            a, b = root(other), root(index)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {id(ref): root(index) for index, ref in enumerate(refs)}


def _same_work(refs: Sequence[Reference]) -> Iterable[Diagnostic]:
    """RC205 at the second listing of one work (same arXiv ID, DOI, address or long enough title), naming
    an earlier listing it shares that with; further listings join the finding as its other places."""
    groups = work_groups(refs)
    members: dict[int, list[Reference]] = {}
    for ref in refs:
        members.setdefault(groups[id(ref)], []).append(ref)
    for listed in members.values():
        if len(listed) < 2:
            continue
        second, more = listed[1], listed[2:]
        counts: dict[tuple[str, str], int] = {}
        for ref in listed:
            for key in dict.fromkeys(_work_keys(ref)):
                counts[key] = counts.get(key, 0) + 1
        shared = [k for k in counts if counts[k] > 1]
        names = [f"{k[0]} {k[1]}" if k[0] in ("arXiv ID", "DOI", "URL") else k[0] for k in shared]
        what = " and ".join(dict.fromkeys(names)) or "work"
        message = f"same {what} as the entry on line {listed[0].span.line}"
        if more:
            lines = ", ".join(str(r.span.line) for r in listed)
            message = f"one work listed {len(listed)} times (lines {lines}): same {what} among them"
        yield replace(
            _diagnostic(second, second.span, rules.DUPLICATE_REFERENCE, message), related=tuple(r.span for r in more)
        )


def _bib_keys_twice(bib: Sequence[Reference]) -> Iterable[Diagnostic]:
    """A key defined in two BibTeX sources of one document (two files, two ```bibtex blocks); the first
    is used. Twice within one source is reported by the BibTeX reader."""
    first_of: dict[str, Reference] = {}
    seen: set[tuple[str, Span]] = set()
    for ref in bib:
        place = (os.path.normpath(ref.path), ref.span)
        if not ref.key or place in seen:
            continue  # one file named twice (front matter and --bib)
        seen.add(place)
        first = first_of.setdefault(ref.key, ref)
        if first is not ref:
            where = f"line {first.span.line}" if first.path == ref.path else f"{first.path} line {first.span.line}"
            message = f"BibTeX key '{ref.key}' is defined twice (first definition: {where}); the first one is used"
            yield _diagnostic(ref, ref.span, rules.DUPLICATE_REFERENCE, message)


def _malformed(bib: Sequence[Reference]) -> Iterable[Diagnostic]:
    """RC301/RC302 for the identifiers of bibliography entries (those of Markdown text are the
    document's own, reported by the matcher)."""
    for ref in bib:
        for ident in (*ref.arxiv_ids, *ref.dois):
            if not ident.valid and not _SHORT_DOI.fullmatch(ident.raw):
                rule, message = malformed(ident, f" in entry {ref.key}")
                yield _diagnostic(ref, ident.span, rule, message)


def malformed(ident: Identifier, where: str = "") -> tuple[rules.Rule, str]:
    """RC301 or RC302 for an identifier that is not valid, and its message."""
    if ident.kind is IdentifierKind.ARXIV:
        rule, what = rules.MALFORMED_ARXIV_ID, "arXiv ID"
    else:
        rule, what = rules.MALFORMED_DOI, "DOI"
    return rule, f"malformed {what} {ident.raw!r}{where}: {ident.problem or 'invalid'}"


def norm_title(title: str) -> str:
    """A title compared without case, accents or punctuation."""
    text = title
    if not text.isascii():  # ASCII has no accents to strip
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())

"""Cross-checks between a document's citations and its references → diagnostics (RC1xx–RC3xx)."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from refcheck import identifiers, rules
from refcheck.citations import is_manubot_key
from refcheck.model import (
    Citation,
    CitationKind,
    Diagnostic,
    Document,
    IdentifierKind,
    Reference,
    ReferenceSource,
    Span,
)
from refcheck.names import surname_keys

_OWN_LIST = (ReferenceSource.LIST, ReferenceSource.FURTHER_READING)
_SCHEME_AND_WWW = re.compile(r"^https?://(www\.)?")
_PUNCTUATION = re.compile(r"[^\w\s]")
_MAX_LINES = 20  # entry lines an RC204 message names; it gives the count of the rest


@dataclass(slots=True)
class _Findings:
    path: str
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, span: Span, message: str, path: str | None = None) -> None:
        self.items.append(Diagnostic(path or self.path, span, code, message, rules.get(code).severity))


def _label(citation: Citation) -> str:
    return " ".join(citation.text.split())[:80]


def _author_matches(citation: Citation, ref: Reference) -> bool:
    if not citation.authors or not ref.authors:
        return False
    if not surname_keys(citation.authors[0]) & surname_keys(ref.authors[0]):
        return False
    if len(citation.authors) > 1 and len(ref.authors) > 1:
        # "Graves, Wayne & Danihelka": the last cited name is one of the entry's other authors.
        return any(surname_keys(citation.authors[1]) & surname_keys(name) for name in ref.authors[1:])
    return True


def _year_base(year: str | None) -> str | None:
    return year[:4] if year and year[:4].isdigit() else year


def _year_matches(cited: str | None, entry: str | None) -> bool:
    if cited is None or entry is None:
        return True
    if cited == entry:
        return True
    # "2020" against an entry "2020a" (or the reverse) is the same year without the suffix.
    return cited[:4] == entry[:4] and (len(cited) == 4 or len(entry) == 4)


def _same_identifier(citation: Citation, ref: Reference) -> bool | None:
    """True/False when both sides carry an identifier of one kind; None when that cannot be told.

    A malformed cited identifier tells nothing (RC301/RC302 already report it).
    """
    if citation.arxiv_id and not identifiers.validation(IdentifierKind.ARXIV, citation.arxiv_id).valid:
        return None
    if citation.doi and not identifiers.validation(IdentifierKind.DOI, citation.doi).valid:
        return None
    if citation.arxiv_id and ref.arxiv_ids:
        return citation.arxiv_id in {i.value for i in ref.arxiv_ids}
    if citation.doi and ref.dois:
        return citation.doi in {i.value for i in ref.dois}
    return None


class _IdentifierIndex:
    """The entries of a pool by identifier and by URL, built once: a lookup per citation, not a scan."""

    def __init__(self, pool: Sequence[Reference]) -> None:
        self.pool = pool
        self._values: dict[str, list[int]] | None = None
        self._urls: dict[str, list[int]] | None = None

    def by_identifier(self, citation: Citation) -> list[Reference]:
        """The entries `_same_identifier` says the citation names, in pool order."""
        if not citation.arxiv_id and not citation.doi:
            return []
        if self._values is None:
            self._values = {}
            for position, ref in enumerate(self.pool):
                for ident in (*ref.arxiv_ids, *ref.dois):
                    self._values.setdefault(ident.value, []).append(position)
        positions = {p for value in (citation.arxiv_id, citation.doi) if value for p in self._values.get(value, ())}
        return [self.pool[p] for p in sorted(positions) if _same_identifier(citation, self.pool[p]) is True]

    def by_url(self, citation: Citation) -> list[Reference]:
        """The entries `_cites_url` says the citation links, in pool order."""
        if not citation.url:
            return []
        if self._urls is None:
            self._urls = {}
            for position, ref in enumerate(self.pool):
                for url in {_norm_url(u) for u in ref.urls}:
                    self._urls.setdefault(url, []).append(position)
        return [self.pool[p] for p in self._urls.get(_norm_url(citation.url), ())]


def _cites_url(citation: Citation, ref: Reference) -> bool:
    return bool(citation.url) and _norm_url(citation.url or "") in {_norm_url(u) for u in ref.urls}


def _norm_url(url: str) -> str:
    return _SCHEME_AND_WWW.sub("", url).rstrip("/").split("#")[0]


class Matcher:
    """Matches one document's citations against the entries that may define them."""

    def __init__(self, doc: Document, bib_refs: Sequence[Reference], tag_keys: set[str], *, uncited_bib: bool) -> None:
        self.doc = doc
        self.out = _Findings(doc.display_path)
        self.own = [r for r in doc.references if r.source in _OWN_LIST]
        self.bib = [*bib_refs, *(r for r in doc.references if r.source is ReferenceSource.BIB)]
        self.footnotes = {r.key.casefold(): r for r in doc.references if r.source is ReferenceSource.FOOTNOTE and r.key}
        self.link_defs = {r.key: r for r in doc.references if r.source is ReferenceSource.LINK_DEF and r.key}
        self.bib_keys: dict[str, Reference] = {}
        for ref in self.bib:
            if ref.key and ref.key not in self.bib_keys:
                self.bib_keys[ref.key] = ref
        self.tag_keys = tag_keys
        self.uncited_bib = uncited_bib
        self.cited: set[int] = set()  # id() of references something cites
        self.author_year_pool = [*self.own, *self.footnotes.values(), *self.bib]
        # Pool positions by first-author surname key: a citation is compared only with the entries
        # that can match its first author, in pool order.
        self.by_surname: dict[str, list[int]] = {}
        for position, ref in enumerate(self.author_year_pool):
            if ref.authors:
                for key in surname_keys(ref.authors[0]):
                    self.by_surname.setdefault(key, []).append(position)
        self.author_year_index = _IdentifierIndex(self.author_year_pool)
        self.identifier_index = _IdentifierIndex(
            [*self.own, *self.footnotes.values(), *self.link_defs.values(), *self.bib]
        )
        self.decided: dict[tuple[object, ...], tuple[list[Reference], list[tuple[str, str]]]] = {}
        self.numbered: dict[str | None, Reference] | None = None
        self.identifier_links: dict[tuple[str | None, str | None], list[Reference]] = {}
        self.handlers = {
            CitationKind.AUTHOR_YEAR: self._author_year,
            CitationKind.NUMERIC: self._numeric,
            CitationKind.FOOTNOTE: self._footnote,
            CitationKind.LINK_LABEL: self._link_label,
            CitationKind.PANDOC: self._pandoc,
            CitationKind.DISTILL: self._keyed,
            CitationKind.IDENTIFIER_LINK: self._identifier_link,
        }

    def run(self) -> list[Diagnostic]:
        for citation in self.doc.citations:
            self._check(citation)
        self._uncited()
        self._unparsed()
        self._duplicates()
        self._entry_identifiers()
        self._malformed_identifiers()
        return self.out.items

    # -- citations ---------------------------------------------------------------------------

    def _check(self, c: Citation) -> None:
        self.handlers[c.kind](c)

    def _cite(self, ref: Reference) -> None:
        self.cited.add(id(ref))

    def _author_year(self, c: Citation) -> None:
        # Citations alike but for their place get one decision: thousands of "(Smith, 2020)" against
        # thousands of Smith 2020 entries stay linear.
        key = (c.authors, c.year, c.arxiv_id, c.doi, c.url)
        decided = self.decided.get(key)
        if decided is None:
            decided = self.decided[key] = self._decide_author_year(c)
            for ref in decided[0]:
                self._cite(ref)
        for code, message in decided[1]:
            self.out.add(code, c.span, _label(c) + message)

    def _decide_author_year(self, c: Citation) -> tuple[list[Reference], list[tuple[str, str]]]:
        """The entries an author–year citation cites and its findings (code, message after the label)."""
        cites: list[Reference] = []
        findings: list[tuple[str, str]] = []
        pool = self.author_year_pool
        if not pool:
            # With no list, bibliography or footnotes at all, names and years in prose are informal
            # mentions (tables of results, inline links): nothing to check them against.
            if c.url is None and self.doc.has_reference_section:
                findings.append(("RC201", ": no reference list entry matches"))
            return cites, findings
        by_author = [r for r in self._first_author_candidates(c) if _author_matches(c, r)]
        by_year = [r for r in by_author if _year_matches(c.year, r.year)]
        if by_year:
            exact = [r for r in by_year if r.year == c.year] or by_year
            linked = [r for r in exact if _same_identifier(c, r) is True]
            if not linked:
                in_year = {id(r) for r in by_year}
                other = [r for r in by_author if id(r) not in in_year and _same_identifier(c, r) is True]
                if other:  # the link names another entry by these authors: its year is what differs
                    return self._year_differs(c, other[0], other[:1])
            chosen = linked or exact
            cites.extend(chosen)
            if len(chosen) > 1 and not linked and len({_work_key(r) for r in chosen}) > 1:
                lines = ", ".join(str(r.span.line) for r in chosen[:_MAX_LINES])
                if len(chosen) > _MAX_LINES:
                    lines += f", … {len(chosen) - _MAX_LINES} more"
                findings.append(
                    ("RC204", f" matches {len(chosen)} entries (lines {lines}); add a/b suffixes to tell them apart")
                )
                return cites, findings
            ref = chosen[0]
            if _same_identifier(c, ref) is False:
                findings.append(self._identifier_mismatch(c, ref))
            return cites, findings
        by_id = self.author_year_index.by_identifier(c)
        if by_author and all(_same_identifier(c, r) is False for r in by_author):
            # Same author, another year and another identifier: a different work with no entry.
            what = f"arXiv ID {c.arxiv_id}" if c.arxiv_id else f"DOI {c.doi}"
            findings.append((
                "RC201",
                f": no reference list entry has {what} (the entry by "
                f"{by_author[0].authors[0].title()} on line {by_author[0].span.line} is another work)",
            ))
            return cites, findings
        if by_author:
            # The entry the citation's link names (by identifier, else by URL) is the one it meant.
            linked_entry = next((r for r in by_id if r in by_author), None) or next(
                (r for r in by_author if _cites_url(c, r)), by_author[0]
            )
            return self._year_differs(c, linked_entry, by_author)
        if by_id:
            ref = by_id[0]
            cites.append(ref)
            if _year_matches(c.year, ref.year):
                named = ref.authors[0].title() if ref.authors else "?"
                findings.append(
                    ("RC207", f": the linked entry (line {ref.span.line}) is by {named}, not {c.authors[0].title()}")
                )
            else:
                findings.append((
                    "RC201",
                    f": no entry by {c.authors[0].title()} ({c.year}); "
                    f"the linked identifier belongs to the entry on line {ref.span.line}",
                ))
            return cites, findings
        url_refs = self.author_year_index.by_url(c)
        if url_refs:
            cites.append(url_refs[0])
            return cites, findings
        if c.url is not None and not self._has_list_or_bib():
            return cites, findings  # a link is its own reference in a document without a list
        if not self._has_list_or_bib() and self._has_any_bibliography():
            return cites, findings
        findings.append(("RC201", ": no reference list entry matches"))
        return cites, findings

    def _first_author_candidates(self, c: Citation) -> list[Reference]:
        """The pool's entries whose first author shares a surname key with the citation's, in pool order."""
        if not c.authors:
            return []
        positions: set[int] = set()
        for key in surname_keys(c.authors[0]):
            positions.update(self.by_surname.get(key, ()))
        return [self.author_year_pool[p] for p in sorted(positions)]

    def _year_differs(
        self, c: Citation, ref: Reference, candidates: Sequence[Reference]
    ) -> tuple[list[Reference], list[tuple[str, str]]]:
        """RC203 against `ref`, naming the years of every entry the citation could have meant."""
        years = sorted({r.year for r in candidates if r.year})
        message = f": year {c.year} differs from the entry's {' / '.join(years)} (line {ref.span.line})"
        return [ref], [("RC203", message)]

    def _has_list_or_bib(self) -> bool:
        return bool(self.own or self.bib) or self.doc.has_reference_section

    def _has_any_bibliography(self) -> bool:
        return self._has_list_or_bib() or bool(self.footnotes)

    def _identifier_mismatch(self, c: Citation, ref: Reference) -> tuple[str, str]:
        cited = c.arxiv_id or c.doi
        entry = ", ".join(dict.fromkeys(i.value for i in (ref.arxiv_ids if c.arxiv_id else ref.dois)))
        return "RC206", f" links to {cited}, but its entry (line {ref.span.line}) has {entry}"

    def _numeric(self, c: Citation) -> None:
        if self.numbered is None:  # the first entry of each number, looked up instead of scanned per citation
            self.numbered = {}
            for ref in self.own:
                self.numbered.setdefault(ref.key, ref)
        match = self.numbered.get(c.key)
        if match is not None:
            self._cite(match)
        else:
            self.out.add("RC201", c.span, f"[{c.key}]: no reference numbered {c.key}")

    def _footnote(self, c: Citation) -> None:
        ref = self.footnotes.get((c.key or "").casefold())
        if ref is not None:
            self._cite(ref)
        else:
            self.out.add("RC201", c.span, f"[^{c.key}]: no footnote definition")

    def _link_label(self, c: Citation) -> None:
        ref = self.link_defs.get(c.key or "")
        if ref is not None:
            self._cite(ref)
        else:
            self.out.add("RC201", c.span, f"{_label(c)}: no link definition for [{c.key}]")

    def _pandoc(self, c: Citation) -> None:
        key = c.key or ""
        if is_manubot_key(key):
            if key.lower().startswith("tag:") and key not in self.tag_keys:
                self.out.add("RC201", c.span, f"@{key}: no [@{key}]: definition in any checked file")
            elif (c.arxiv_id or c.doi) and self.bib:
                for ref in self.bib:
                    if _same_identifier(c, ref):
                        self._cite(ref)
            return
        self._keyed(c)

    def _keyed(self, c: Citation) -> None:
        ref = self.bib_keys.get(c.key or "")
        if ref is not None:
            self._cite(ref)
            return
        if not self.bib and not self.doc.bib_files:
            self.out.add("RC201", c.span, f"@{c.key}: no bibliography to look it up in")
        else:
            self.out.add("RC201", c.span, f"@{c.key}: no entry with this key in the bibliography")

    def _identifier_link(self, c: Citation) -> None:
        if not self.doc.has_reference_section:
            return  # no reference list: the link is its own reference
        key = (c.arxiv_id, c.doi)
        found = self.identifier_links.get(key)
        if found is None:
            found = self.identifier_links[key] = self.identifier_index.by_identifier(c)
            for ref in found:  # cited once: a second link to the same work cites nothing new
                self._cite(ref)
        if found:
            return
        what = f"arXiv ID {c.arxiv_id}" if c.arxiv_id else f"DOI {c.doi}"
        self.out.add("RC201", c.span, f"{_label(c)}: no reference list entry has {what}")

    # -- entries -----------------------------------------------------------------------------

    def _uncited(self) -> None:
        citing = [c for c in self.doc.citations]
        prose_urls = {_norm_url(link.url) for link in self.doc.links if link.context.value == "prose"}
        if any(
            c.kind in (CitationKind.AUTHOR_YEAR, CitationKind.NUMERIC, CitationKind.IDENTIFIER_LINK) for c in citing
        ):
            for ref in self.own:
                if ref.source is ReferenceSource.LIST and id(ref) not in self.cited and _readable(ref):
                    if any(_norm_url(u) in prose_urls for u in ref.urls):
                        continue
                    self.out.add("RC202", ref.span, f"entry is never cited: {_short(ref)}")
        for ref in self.footnotes.values():
            if id(ref) not in self.cited:
                self.out.add("RC202", ref.span, f"footnote [^{ref.key}] is defined but never referenced")
        for ref in self.link_defs.values():
            if id(ref) not in self.cited:
                self.out.add("RC202", ref.span, f"link definition [{ref.key}] is never used")
        if self.uncited_bib:
            for ref in self.bib:
                if id(ref) not in self.cited:
                    self.out.add("RC202", ref.span, f"BibTeX entry {ref.key} is never cited", path=ref.path)

    def _unparsed(self) -> None:
        for ref in self.own:
            if ref.source is ReferenceSource.LIST and not _readable(ref):
                self.out.add("RC101", ref.span, f"cannot read an author and year or an identifier in: {_short(ref)}")

    def _duplicates(self) -> None:
        seen: dict[tuple[str, str], Reference] = {}
        for ref in self.own:
            keys = [("arXiv ID", i.value) for i in ref.arxiv_ids if i.valid]
            keys += [("DOI", i.value) for i in ref.dois if i.valid]
            if ref.title and len(ref.title.split()) >= 4:
                keys.append(("title", _norm_title(ref.title)))
            for key in dict.fromkeys(keys):
                first = seen.get(key)
                if first is None:
                    seen[key] = ref
                elif first is not ref:
                    self.out.add("RC205", ref.span, f"same {key[0]} as the entry on line {first.span.line}")
                    break

    def _entry_identifiers(self) -> None:
        this_year = _dt.date.today().year
        for ref in self.own:
            values = {i.value for i in ref.arxiv_ids if i.valid}
            if len(values) > 1:
                first = ref.arxiv_ids[0]
                other = next(i for i in ref.arxiv_ids if i.valid and i.value != first.value)
                self.out.add("RC206", other.span, f"entry names arXiv {first.value} but also {other.value}")
            dois = {i.value for i in ref.dois if i.valid and not i.value.startswith("10.48550/")}
            if len(dois) > 1:
                first_doi, other_doi = sorted(dois)[:2]
                self.out.add("RC206", ref.span, f"entry names DOI {first_doi} but also {other_doi}")
            year = ref.year[:4] if ref.year and ref.year[:4].isdigit() else None
            if year is None:
                continue
            if int(year) > this_year + 1:
                self.out.add("RC209", ref.span, f"year {ref.year} is in the future")
                continue
            arxiv = ref.arxiv_id
            ym = identifiers.arxiv_year_month(arxiv) if arxiv else None
            if ym is not None:
                earliest = ym[0] - 1 if ym[1] == 1 else ym[0]
                if int(year) < earliest:
                    self.out.add(
                        "RC209",
                        ref.span,
                        f"year {ref.year} is before arXiv {arxiv} was announced ({ym[0]}-{ym[1]:02d})",
                    )

    def _malformed_identifiers(self) -> None:
        seen: set[tuple[int, int, str]] = set()
        for ident in self.doc.identifiers:
            if ident.valid:
                continue
            key = (ident.span.line, ident.span.column, ident.raw)
            if key in seen:
                continue
            seen.add(key)
            code = "RC301" if ident.kind is IdentifierKind.ARXIV else "RC302"
            what = "arXiv ID" if ident.kind is IdentifierKind.ARXIV else "DOI"
            self.out.add(code, ident.span, f"malformed {what} {ident.raw!r}: {ident.problem or 'invalid'}")


def _work_key(ref: Reference) -> str:
    """What identifies the work an entry describes (duplicates of one work share it)."""
    if ref.arxiv_id:
        return "arxiv:" + ref.arxiv_id
    if ref.doi:
        return "doi:" + ref.doi
    return "title:" + _norm_title(ref.title) if ref.title else f"entry:{id(ref)}"


def _readable(ref: Reference) -> bool:
    """An entry refcheck can match: author and year, an identifier, or at least a URL."""
    return bool(ref.authors and ref.year) or bool(ref.arxiv_ids or ref.dois or ref.urls)


def _short(ref: Reference) -> str:
    text = " ".join(ref.text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def _norm_title(title: str) -> str:
    text = title
    if not text.isascii():  # ASCII has no accents to strip
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def check_document(
    doc: Document, bib_refs: Iterable[Reference], tag_keys: set[str], *, uncited_bib: bool
) -> tuple[list[Diagnostic], int]:
    """Every citation/reference diagnostic of one document, and how many external bib entries it cites."""
    external = list(bib_refs)
    matcher = Matcher(doc, external, tag_keys, uncited_bib=uncited_bib)
    diagnostics = matcher.run()
    return diagnostics, sum(1 for ref in external if id(ref) in matcher.cited)

"""Cross-checks between a document's citations and its references → diagnostics (RC1xx–RC3xx)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

from refcheck import identifiers, rules
from refcheck.check.entries import check_entries, malformed, norm_title, work_groups
from refcheck.model import (
    Citation,
    CitationKind,
    Diagnostic,
    Document,
    IdentifierKind,
    LinkContext,
    Reference,
    ReferenceSource,
    Span,
    Suppression,
)
from refcheck.names import surname_keys
from refcheck.parse import styles
from refcheck.parse.citations import is_manubot_key

_OWN_LIST = (ReferenceSource.LIST, ReferenceSource.FURTHER_READING)
_NOWHERE = Span(1, 1, 1, 2)
_SCHEME_AND_WWW = re.compile(r"^https?://(www\.)?")
# `<span id="he16resnet">`, `<a name="Vontobel">` in an entry: what `[He et al., 2016](#he16resnet)` names.
_ENTRY_ANCHOR = re.compile(r"""<[A-Za-z]+\s[^>]*?\b(?:id|name)\s*=\s*["']?([^"'\s>]+)""")
# Hosts whose addresses are pages of one paper (a link there identifies the work, RC210 not RC201).
_PAPER_HOSTS = re.compile(
    r"(?:^|\.)(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org|aclweb\.org|proceedings\.neurips\.cc"
    r"|papers\.nips\.cc|neurips\.cc|dl\.acm\.org|ieeexplore\.ieee\.org|link\.springer\.com|semanticscholar\.org"
    r"|proceedings\.mlr\.press|openaccess\.thecvf\.com|jmlr\.org|citeseerx\.ist\.psu\.edu|aaai\.org"
    r"|biorxiv\.org|medrxiv\.org|ssrn\.com|jstor\.org|sciencedirect\.com|nature\.com|science\.org"
    r"|pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov|researchgate\.net|papers\.ssrn\.com|iclr\.cc|icml\.cc)$"
)
_HEX_PAPER_ID = re.compile(r"/([0-9a-f]{32})(?:-|/|$)")  # NeurIPS proceedings: abstract and PDF share it
_ACL_ID = re.compile(r"^/(?:anthology/)?([A-Za-z]?\d{2,4}[.-][\w.-]+?)(?:\.pdf)?/?$")


# A work named inside an entry's text: "Hamilton et al. (2016)", "Maas and Daly, 2011".
_NAMED_WORK = re.compile(
    r"\b(?P<name>[A-Z][^\W\d_][\w'’-]*)(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w'’-]+)?,?\s+\(?(?P<year>(?:1[5-9]|20)\d\d)\b"
)
_LABEL_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d[a-z]?\b")  # a dated link label cites; an undated one links
_Finding = tuple[rules.Rule, Reference | None, str]  # a citation's finding: rule, the entry it concerns, message
_KEY_REACH = 160  # columns after a narrative citation in which a key may still say which entry it means
_MAX_LINES = 20  # lines a message names (entries of an RC204, other places of a repeat); then a count


@dataclass(slots=True)
class _Findings:
    path: str
    suppressions: Sequence[Suppression] = ()
    items: list[Diagnostic] = field(default_factory=list)
    groups: dict[Hashable, int] = field(default_factory=dict)  # root cause → index of its first finding
    related: dict[int, list[Span]] = field(default_factory=dict)

    def add(
        self, rule: rules.Rule, span: Span, message: str, path: str | None = None, *, group: Hashable | None = None
    ) -> None:
        """One finding; a `group` already seen (the same mismatch again) only adds a place to the first."""
        if group is not None:
            if any(s.covers(span.line, rule.code) for s in self.suppressions):
                return  # a suppressed place neither reports nor joins the others
            key = (rule.code, group)
            first = self.groups.get(key)
            if first is not None:
                self.related.setdefault(first, []).append(span)
                return
            self.groups[key] = len(self.items)
        self.items.append(rule.at(path or self.path, span, message))

    def finish(self) -> list[Diagnostic]:
        """The findings, each first place of a repeated mismatch naming the others."""
        for index, spans in self.related.items():
            item = self.items[index]
            distinct = list(dict.fromkeys(s.line for s in spans))
            lines = ", ".join(str(line) for line in distinct[:_MAX_LINES])
            if len(distinct) > _MAX_LINES:
                lines += f", … {len(distinct) - _MAX_LINES} more"
            many = "s" if len(spans) > 1 else ""
            several = "s" if len(distinct) > 1 else ""
            message = f"{item.message} (and {len(spans)} more place{many}: line{several} {lines})"
            self.items[index] = replace(item, message=message, related=tuple(spans))
        return self.items


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


def _by_identifier(citation: Citation, refs: Sequence[Reference]) -> list[Reference]:
    return [r for r in refs if _same_identifier(citation, r) is True]


def _cites_url(citation: Citation, ref: Reference) -> bool:
    """The citation links to one of the entry's addresses, or to another page of the same paper."""
    if not citation.url or citation.url.startswith("#"):
        return False
    cited = _work_url_key(citation.url)
    return cited != "" and cited in {_work_url_key(u) for u in ref.urls}


def _norm_url(url: str) -> str:
    return _SCHEME_AND_WWW.sub("", url).rstrip("/").split("#")[0]


def _work_url_key(url: str) -> str:
    """What a paper's address says about the paper: abstract and PDF pages of one paper share it."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    if host.endswith("arxiv.org") and (arxiv := identifiers.arxiv_from_url(url)):
        return "arxiv:" + identifiers.make_identifier(IdentifierKind.ARXIV, arxiv, _NOWHERE).value
    if host.endswith("openreview.net") and (ids := parse_qs(parts.query).get("id")):
        return "openreview:" + ids[0]
    if host.endswith(("neurips.cc", "nips.cc")) and (hexes := _HEX_PAPER_ID.search(parts.path)):
        return "neurips:" + hexes.group(1)
    if host.endswith(("aclanthology.org", "aclweb.org")) and (acl := _ACL_ID.match(parts.path)):
        return "acl:" + acl.group(1).lower()
    return _norm_url(url).removesuffix(".pdf")


def _identifies_work(citation: Citation) -> bool:
    """The citation's link names one paper: an arXiv ID, a DOI, a paper page or a PDF."""
    if citation.arxiv_id or citation.doi:
        return True
    if not citation.url:
        return False
    parts = urlsplit(citation.url.strip())
    if parts.scheme not in ("http", "https"):
        return False
    path = parts.path.rstrip("/")
    if path.lower().endswith(".pdf") or "type=pdf" in parts.query.lower():
        return True
    return bool(path or parts.query) and _PAPER_HOSTS.search(parts.netloc.lower().split(":")[0]) is not None


def _count_fits(citation: Citation, ref: Reference) -> bool:
    """ "A and B" fits an entry of exactly two authors, "A et al." one of three or more (or a list cut
    short with "et al."), "A" alone an entry of one author."""
    if citation.et_al:
        return len(ref.authors) >= 3 or ref.et_al
    if len(citation.authors) > 1:
        return len(ref.authors) == 2 and not ref.et_al
    return len(ref.authors) == 1 and not ref.et_al


def _link_label(citation: Citation) -> str:
    """The text of a `[label](url)` citation, without the Markdown around it."""
    text = citation.text
    if text.startswith("[") and "](" in text:
        text = text[1 : text.rindex("](")]
    return text.strip("*_ ")


class Matcher:
    """Matches one document's citations against the entries that may define them."""

    def __init__(self, doc: Document, bib_refs: Sequence[Reference], tag_keys: set[str], *, uncited_bib: bool) -> None:
        self.doc = doc
        self.out = _Findings(doc.display_path, doc.suppressions)
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
        self.no_bibliography_said = False
        self.numbered = any(r.key and r.key.isdigit() for r in self.own)
        self.no_numbered_list_said = False
        # Author–year findings by distinct citation (see `_author_year`).
        self.author_year_decisions: dict[tuple[Citation, int | None], _Finding | None] = {}
        self.named_in_entries: dict[tuple[str, str], Reference] | None = None  # see `_named_in_entry`
        self.pool_surnames: set[str] | None = None  # see `_pool_surnames`
        self.by_number: dict[str | None, Reference] = {}  # the first entry of each number
        for ref in self.own:
            self.by_number.setdefault(ref.key, ref)
        self.keyed_by_line: dict[int, list[Citation]] = {}
        self.narrative_columns: dict[int, list[int]] = {}  # where author–year citations start, by line
        for citation in doc.citations:
            if citation.kind in (CitationKind.PANDOC, CitationKind.DISTILL) and citation.key:
                self.keyed_by_line.setdefault(citation.span.line, []).append(citation)
            elif citation.kind is CitationKind.AUTHOR_YEAR:
                self.narrative_columns.setdefault(citation.span.line, []).append(citation.span.column)
        # Cited by identifier (`[@doi:…]`) with no list of its own: the bibliography is built from the
        # identifiers when the document is rendered, so a name and year missing from it are not judged.
        self.partial_bib = not self.own and any(
            c.kind is CitationKind.PANDOC and is_manubot_key(c.key or "") for c in doc.citations
        )
        self.author_year_pool = [*self.own, *self.footnotes.values(), *self.bib]
        self.work_of = work_groups(self.own)  # listings of one work (page, PDF, arXiv copy) are one work
        self.by_anchor: dict[str, Reference] = {}
        for ref in self.own:
            if "=" in ref.text:
                for anchor in _ENTRY_ANCHOR.findall(ref.text):
                    self.by_anchor.setdefault(anchor, ref)
        # Pool positions by first-author surname key: a citation is compared only with the entries
        # that can match its first author, in pool order.
        self.by_surname: dict[str, list[int]] = {}
        for position, ref in enumerate(self.author_year_pool):
            if ref.authors:
                for key in surname_keys(ref.authors[0]):
                    self.by_surname.setdefault(key, []).append(position)
        self.handlers = {
            CitationKind.AUTHOR_YEAR: self._author_year,
            CitationKind.NUMERIC: self._numeric,
            CitationKind.FOOTNOTE: self._footnote,
            CitationKind.LINK_LABEL: self._link_label,
            CitationKind.PANDOC: self._pandoc,
            CitationKind.DISTILL: self._keyed,
            CitationKind.MYST: self._myst,
            CitationKind.HUGO: self._keyed,
            CitationKind.IDENTIFIER_LINK: self._identifier_link,
        }

    def run(self) -> list[Diagnostic]:
        for citation in self.doc.citations:
            self._check(citation)
        self._anchor_links()
        self._uncited()
        self._unparsed()
        self._malformed_identifiers()
        return self.out.finish()

    # -- citations ---------------------------------------------------------------------------

    def _check(self, c: Citation) -> None:
        self.handlers[c.kind](c)

    def _cite(self, ref: Reference) -> None:
        self.cited.add(id(ref))

    def _anchor_links(self) -> None:
        """A link in the text to an entry's anchor cites it, whatever its text (`[[3](#Convergence)]`,
        `[Hungarian Algorithm](#Hungarian)`, `[G. Huang et al., 2017](#huang17densenet)`)."""
        if not self.by_anchor:
            return
        for link in self.doc.links:
            if link.context is LinkContext.PROSE and link.url.startswith("#"):
                ref = self.by_anchor.get(link.url[1:])
                if ref is not None:
                    self._cite(ref)

    def _author_year(self, c: Citation) -> None:
        """Decided once per distinct citation (all but its place, and the key next to it); its repeats
        reuse the finding, so a citation repeated against thousands of entries stays linear."""
        keyed = self._keyed_next_to(c)
        memo = (replace(c, span=_NOWHERE), id(keyed) if keyed else None)
        if memo not in self.author_year_decisions:  # the entries it cites are marked the first time
            self.author_year_decisions[memo] = self._decide_author_year(c, keyed)
        finding = self.author_year_decisions[memo]
        if finding is not None:
            rule, ref, message = finding
            self._add(rule, c, ref, message)

    def _decide_author_year(self, c: Citation, keyed: Reference | None) -> _Finding | None:
        """The one finding of an author–year citation, if any; marks the entries it cites."""
        pool = self.author_year_pool
        if not pool:
            # With no list, bibliography or footnotes at all, names and years in prose are informal
            # mentions (tables of results, inline links): nothing to check them against.
            if c.url is None and self.doc.has_reference_section:
                return rules.UNDEFINED_CITATION, None, f"{_label(c)}: no reference list entry matches"
            return None
        by_author = [r for r in self._first_author_candidates(c) if _author_matches(c, r)]
        by_year = [r for r in by_author if _year_matches(c.year, r.year) or _year_base(c.year) in r.other_years]
        if by_year:
            exact = [r for r in by_year if r.year == c.year] or by_year
            linked = [r for r in exact if self._links_to(c, r)]
            if not linked:
                in_year = {id(r) for r in by_year}
                other = [r for r in by_author if id(r) not in in_year and self._links_to(c, r)]
                if other:  # the link names another entry by these authors: its year is what differs
                    return self._year_differs(c, other[0])
            # Co-authors tell entries of one first author and year apart: "A and B" is the two-author one.
            fitting = {self._work(r) for r in exact if _count_fits(c, r)}
            chosen = linked or [r for r in exact if self._work(r) in fitting] or exact
            for ref in chosen:
                self._cite(ref)
            if len(chosen) > 1 and keyed in chosen:
                return None  # "Bommasani et al. (2024) <d-cite key=…>": the key says which entry
            if len(chosen) > 1 and not linked and len({self._work(r) for r in chosen}) > 1:
                lines = ", ".join(str(r.span.line) for r in chosen[:_MAX_LINES])
                if len(chosen) > _MAX_LINES:
                    lines += f", … {len(chosen) - _MAX_LINES} more"
                message = (
                    f"{_label(c)} matches {len(chosen)} entries (lines {lines}); add a/b suffixes to tell them apart"
                )
                return rules.AMBIGUOUS_CITATION, chosen[0], message
            ref = chosen[0]
            return self._identifier_mismatch(c, ref) if _same_identifier(c, ref) is False else None
        by_link = self._linked_entries(c, pool)
        if by_author and all(_same_identifier(c, r) is False for r in by_author):
            # Same author, another year and a link to another work: that work has no entry.
            what = f"arXiv ID {c.arxiv_id}" if c.arxiv_id else f"DOI {c.doi}"
            message = (
                f"{_label(c)}: the list has no entry for {what} (the entry by "
                f"{by_author[0].authors[0].title()} on line {by_author[0].span.line} is another work)"
            )
            return rules.UNLISTED_LINKED_WORK, None, message
        if by_author:
            # The entry the citation's link names (by identifier, URL or anchor) is the one it meant,
            # else the entry of the nearest year.
            linked_entry = (
                next((r for r in by_link if r in by_author), None)
                or (keyed if keyed in by_author else None)
                or min(by_author, key=lambda r: _year_distance(c.year, r.year))
            )
            return self._year_differs(c, linked_entry)
        if by_link:
            ref = by_link[0]
            self._cite(ref)
            if not ref.authors:
                return None  # an entry without readable authors: the link alone ties them
            if _year_matches(c.year, ref.year):
                named = ref.authors[0].title()
                message = (
                    f"{_label(c)}: the linked entry (line {ref.span.line}) is by {named}, not {c.authors[0].title()}"
                )
                return rules.AUTHOR_MISMATCH, ref, message
            message = (
                f"{_label(c)}: no entry by {c.authors[0].title()} ({c.year}); "
                f"the link belongs to the entry on line {ref.span.line}"
            )
            return rules.UNDEFINED_CITATION, ref, message
        if c.url is not None and not self._has_list_or_bib():
            return None  # a link is its own reference in a document without a list
        if not self._has_list_or_bib() and self._has_any_bibliography():
            return None
        if self.partial_bib:
            return None
        described = self._named_in_entry(c)
        if described is not None:
            self._cite(described)  # "3. Bias studies – …; Hamilton et al. (2016)": an entry that names the work
            return None
        single = c.url is not None and not c.et_al and len(c.authors) == 1 and not (c.arxiv_id or c.doi)
        if single and c.authors[0] not in self._pool_surnames():
            return None  # `[NeurIPS 2019](https://neurips.cc/…)`: a name nobody in the list bears, linked
        if _identifies_work(c):
            what = f"arXiv {c.arxiv_id}" if c.arxiv_id else f"doi:{c.doi}" if c.doi else "the linked work"
            return rules.UNLISTED_LINKED_WORK, None, f"{_label(c)}: {what} is linked but not in the reference list"
        return rules.UNDEFINED_CITATION, None, f"{_label(c)}: no reference list entry matches"

    def _work(self, ref: Reference) -> str:
        group = self.work_of.get(id(ref))
        return f"listing:{group}" if group is not None else _work_key(ref)

    def _links_to(self, c: Citation, ref: Reference) -> bool:
        """The citation's link names this entry: same identifier, same paper address, or its anchor."""
        if _same_identifier(c, ref) is True or _cites_url(c, ref):
            return True
        return bool(c.url and c.url.startswith("#") and self.by_anchor.get(c.url[1:]) is ref)

    def _linked_entries(self, c: Citation, pool: Sequence[Reference]) -> list[Reference]:
        """The entries a citation's link names, in pool order (identifiers first, then addresses)."""
        found = _by_identifier(c, pool)
        if not found and c.url:
            if c.url.startswith("#"):
                anchored = self.by_anchor.get(c.url[1:])
                found = [anchored] if anchored is not None else []
            else:
                found = [r for r in pool if _cites_url(c, r)]
        return found

    def _add(self, rule: rules.Rule, c: Citation, ref: Reference | None, message: str) -> None:
        """A citation's finding; the same mismatch cited again joins the first as another place."""
        cited = (c.kind, c.authors, c.year, c.key, c.arxiv_id, c.doi, _norm_url(c.url) if c.url else None)
        self.out.add(rule, c.span, message, group=(id(ref) if ref is not None else None, cited))

    def _named_in_entry(self, c: Citation) -> Reference | None:
        """The own entry whose text names the citation's author and year ("… Hamilton et al. (2016); …"),
        for lists whose items describe several works; indexed once, on the first citation that needs it."""
        if self.named_in_entries is None:
            self.named_in_entries = {}
            for ref in self.own:
                for m in _NAMED_WORK.finditer(ref.text):
                    for key in surname_keys(m.group("name")):
                        self.named_in_entries.setdefault((key, m.group("year")), ref)
        year = (c.year or "")[:4]
        return next(
            (hit for key in surname_keys(c.authors[0]) if (hit := self.named_in_entries.get((key, year)))), None
        )

    def _pool_surnames(self) -> set[str]:
        """Every author name of the entries a citation may match, computed once."""
        if self.pool_surnames is None:
            self.pool_surnames = {name for ref in self.author_year_pool for name in ref.authors}
        return self.pool_surnames

    def _keyed_next_to(self, c: Citation) -> Reference | None:
        """The entry a `[@key]` / `<d-cite key>` after a narrative citation names: right after it, or
        later on its line with no other citation between (`Smith et al. (2024), _Title_ <d-cite …>`).
        Callers use it only when it is one of the entries the names and year fit."""
        after = [o for o in self.keyed_by_line.get(c.span.end_line, ()) if o.span.column >= c.span.end_column]
        if not after:
            return None
        nearest = min(after, key=lambda o: o.span.column)
        between = self.narrative_columns.get(c.span.end_line, ())
        if nearest.span.column - c.span.end_column > _KEY_REACH or any(
            c.span.end_column <= column < nearest.span.column for column in between
        ):
            return None
        return self.bib_keys.get(nearest.key or "")

    def _first_author_candidates(self, c: Citation) -> list[Reference]:
        """The pool's entries whose first author shares a surname key with the citation's, in pool order."""
        if not c.authors:
            return []
        positions: set[int] = set()
        for key in surname_keys(c.authors[0]):
            positions.update(self.by_surname.get(key, ()))
        return [self.author_year_pool[p] for p in sorted(positions)]

    def _year_differs(self, c: Citation, ref: Reference) -> _Finding | None:
        """RC203 against `ref` (which the citation cites), naming that entry's own year."""
        self._cite(ref)
        if c.quoted:
            return None  # a quotation keeps the years of the text it quotes
        return (
            rules.YEAR_MISMATCH,
            ref,
            f"{_label(c)}: year {c.year} differs from the entry's {ref.year} (line {ref.span.line})",
        )

    def _has_list_or_bib(self) -> bool:
        return bool(self.own or self.bib) or self.doc.has_reference_section

    def _has_any_bibliography(self) -> bool:
        return self._has_list_or_bib() or bool(self.footnotes)

    @staticmethod
    def _identifier_mismatch(c: Citation, ref: Reference) -> _Finding:
        cited = c.arxiv_id or c.doi
        entry = ", ".join(dict.fromkeys(i.value for i in (ref.arxiv_ids if c.arxiv_id else ref.dois)))
        return (
            rules.IDENTIFIER_MISMATCH,
            ref,
            f"{_label(c)} links to {cited}, but its entry (line {ref.span.line}) has {entry}",
        )

    def _numeric(self, c: Citation) -> None:
        if not self.numbered:
            self._no_numbered_list(c)
            return
        match = self.by_number.get(c.key)
        if match is not None:
            self._cite(match)
        else:
            self._add(rules.UNDEFINED_CITATION, c, None, f"[{c.key}]: no reference numbered {c.key}")

    def _no_numbered_list(self, c: Citation) -> None:
        """Numbers cited with no numbered list at all: one root cause, said once at the first of them."""
        if self.no_numbered_list_said:
            return
        self.no_numbered_list_said = True
        numbers = sorted({int(x.key) for x in self.doc.citations if x.kind is CitationKind.NUMERIC and x.key})
        if len(numbers) == 1:
            what = f"numeric citation [{numbers[0]}]"
        else:
            what = f"numeric citations [{numbers[0]}]–[{numbers[-1]}] ({len(numbers)} numbers)"
        self.out.add(rules.UNDEFINED_CITATION, c.span, f"{what} but no numbered reference list")

    def _footnote(self, c: Citation) -> None:
        ref = self.footnotes.get((c.key or "").casefold())
        if ref is not None:
            self._cite(ref)
        else:
            self._add(rules.UNDEFINED_CITATION, c, None, f"[^{c.key}]: no footnote definition")

    def _link_label(self, c: Citation) -> None:
        if (c.key or "").startswith("@"):
            return  # `[@alias]` used where `[@alias]: doi:…` defines it: a Manubot citation, defined
        ref = self.link_defs.get(c.key or "")
        if ref is not None:
            self._cite(ref)
        else:
            self._add(rules.UNDEFINED_CITATION, c, None, f"{_label(c)}: no link definition for [{c.key}]")

    def _pandoc(self, c: Citation) -> None:
        key = c.key or ""
        if is_manubot_key(key):
            if key.lower().startswith("tag:") and key not in self.tag_keys:
                self._add(rules.UNDEFINED_CITATION, c, None, f"@{key}: no [@{key}]: definition in any checked file")
            elif (c.arxiv_id or c.doi) and self.bib:
                for ref in self.bib:
                    if _same_identifier(c, ref):
                        self._cite(ref)
            return
        if key in self.tag_keys or key in self.doc.tag_definitions:
            return  # a Manubot alias: `[@key]: doi:…` in this or another file
        self._keyed(c)

    def _myst(self, c: Citation) -> None:
        if c.doi:  # mystmd resolves a DOI written as the key itself: no entry needed
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
        if self.doc.bib_unavailable:
            return  # a bibliography it needs was not read (RC103 or a notice said so): not judged
        name = (
            f"{c.text[: c.text.index('}') + 1]} key {c.key}"
            if c.kind is CitationKind.MYST
            else f'cite "{c.key}"'
            if c.kind is CitationKind.HUGO
            else f"@{c.key}"
        )
        if not self.bib and not self.doc.bib_files:
            # One root cause: said once, at the first such citation, with how many were not judged.
            if not self.no_bibliography_said:
                self.no_bibliography_said = True
                others = sum(
                    1
                    for x in self.doc.citations
                    if x.kind is c.kind and x is not c and x.key and not is_manubot_key(x.key)
                )
                more = f"; {others} more such citations not judged" if others else ""
                self.out.add(rules.UNDEFINED_CITATION, c.span, f"{name}: no bibliography to look it up in{more}")
        else:
            self._add(rules.UNDEFINED_CITATION, c, None, f"{name}: no entry with this key in the bibliography")

    def _identifier_link(self, c: Citation) -> None:
        if not self.doc.has_reference_section:
            return  # no reference list: the link is its own reference
        pool = [*self.own, *self.footnotes.values(), *self.link_defs.values(), *self.bib]
        found = _by_identifier(c, pool) or [r for r in pool if _cites_url(c, r) or self._names_entry(c, r)]
        if found:
            for ref in found:
                self._cite(ref)
            return
        if not _LABEL_YEAR.search(_link_label(c)):
            return  # `[DCGAN](https://arxiv.org/…)`, `<a href=…>PaLI</a>`: a link to a work, not a citation
        # A dated label (`[Chen, 2020](https://arxiv.org/…)`) cites the work it links; its absence from a
        # selective list is worth an info, not an error.
        what = f"arXiv ID {c.arxiv_id}" if c.arxiv_id else f"DOI {c.doi}"
        self._add(rules.UNLISTED_LINKED_WORK, c, None, f"{_label(c)}: no reference list entry has {what}")

    @staticmethod
    def _names_entry(c: Citation, ref: Reference) -> bool:
        """The link's text is the entry's title (`[Attention Is All You Need](…pdf)`)."""
        return bool(ref.title) and norm_title(_link_label(c)) == norm_title(ref.title or "")

    # -- entries -----------------------------------------------------------------------------

    def _uncited(self) -> None:
        citing = [c for c in self.doc.citations]
        prose_urls = {_norm_url(link.url) for link in self.doc.links if link.context.value == "prose"}
        list_kinds = styles.kinds(cites_list=True)
        if any(c.kind in list_kinds for c in citing):
            for ref in self.own:
                if ref.source is ReferenceSource.LIST and id(ref) not in self.cited and _readable(ref):
                    if any(_norm_url(u) in prose_urls for u in ref.urls):
                        continue
                    self.out.add(rules.UNCITED_REFERENCE, ref.span, f"entry is never cited: {_short(ref)}")
        for ref in self.footnotes.values():
            if id(ref) not in self.cited:
                self.out.add(
                    rules.UNCITED_REFERENCE, ref.span, f"footnote [^{ref.key}] is defined but never referenced"
                )
        for ref in self.link_defs.values():
            if id(ref) not in self.cited:
                self.out.add(rules.UNCITED_REFERENCE, ref.span, f"link definition [{ref.key}] is never used")
        if self.uncited_bib:
            for ref in self.bib:
                if id(ref) not in self.cited:
                    self.out.add(
                        rules.UNCITED_REFERENCE, ref.span, f"BibTeX entry {ref.key} is never cited", path=ref.path
                    )

    def _unparsed(self) -> None:
        for ref in self.own:
            if ref.source is ReferenceSource.LIST and not _readable(ref):
                message = f"cannot read an author and year or an identifier in: {_short(ref)}"
                self.out.add(rules.UNPARSED_REFERENCE, ref.span, message)

    def _malformed_identifiers(self) -> None:
        seen: set[tuple[int, int, str]] = set()
        for ident in self.doc.identifiers:
            if ident.valid:
                continue
            key = (ident.span.line, ident.span.column, ident.raw)
            if key in seen:
                continue
            seen.add(key)
            rule, message = malformed(ident)
            self.out.add(rule, ident.span, message)


def _year_distance(cited: str | None, entry: str | None) -> int:
    if not cited or not entry or not cited[:4].isdigit() or not entry[:4].isdigit():
        return 10_000
    return abs(int(cited[:4]) - int(entry[:4]))


def _work_key(ref: Reference) -> str:
    """What identifies the work an entry describes (duplicates of one work share it)."""
    if ref.arxiv_id:
        return "arxiv:" + ref.arxiv_id
    if ref.doi:
        return "doi:" + ref.doi
    return "title:" + norm_title(ref.title) if ref.title else f"entry:{id(ref)}"


def _readable(ref: Reference) -> bool:
    """An entry refcheck can match: author and year, an identifier, or at least a URL."""
    return bool(ref.authors and (ref.year or ref.year_raw)) or bool(ref.arxiv_ids or ref.dois or ref.urls)


def _short(ref: Reference) -> str:
    text = " ".join(ref.text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def check_document(
    doc: Document, bib_refs: Iterable[Reference], tag_keys: set[str], *, uncited_bib: bool
) -> tuple[list[Diagnostic], int]:
    """Every citation/reference diagnostic of one document, and how many external bib entries it cites."""
    external = list(bib_refs)
    matcher = Matcher(doc, external, tag_keys, uncited_bib=uncited_bib)
    diagnostics = [*matcher.run(), *check_entries(doc, external)]
    return diagnostics, sum(1 for ref in external if id(ref) in matcher.cited)

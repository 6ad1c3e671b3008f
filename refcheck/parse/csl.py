"""CSL JSON and CSL YAML bibliographies → `Reference`s (pandoc, Quarto, Manubot `manual-references.json`).

A file that is not JSON/YAML is one RC103 where reading stopped; an item without an `id` is skipped.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from refcheck import rules
from refcheck.identifiers import arxiv_from_url, doi_arxiv_id, doi_from_url, make_identifier
from refcheck.model import Identifier, IdentifierKind, Reference, ReferenceSource, Span
from refcheck.names import normalise_surname
from refcheck.parse.bib import BibFileError, BibResult

_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d{2}(?!\d)")

_cache: dict[tuple[Path, str, int, int], BibResult] = {}
_cache_lock = threading.Lock()


def load_csl(path: Path, display_path: str) -> BibResult:
    """Parse a CSL JSON (`.json`) or CSL YAML file once per resolved path and modification time."""
    try:
        resolved = path.resolve()
        stat = resolved.stat()
        key = (resolved, display_path, stat.st_mtime_ns, stat.st_size)
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        text = resolved.read_bytes().decode("utf-8-sig", errors="replace")
    except (OSError, RuntimeError) as error:
        raise BibFileError(f"cannot read {display_path}: {getattr(error, 'strerror', None) or error}") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = parse_csl_text(text, display_path, as_json=path.suffix.lower() == ".json")
    with _cache_lock:
        _cache[key] = result
    return result


def parse_csl_text(text: str, display_path: str, *, as_json: bool) -> BibResult:
    """The entries of CSL JSON (a list of items) or CSL YAML (a list, or a mapping with `references:`)."""
    import yaml  # imported here: ~9 ms that a run without YAML does not need

    result = BibResult()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data: Any = json.loads(text) if as_json else yaml.load(text, Loader=loader)
    except json.JSONDecodeError as error:
        span = Span.point(error.lineno, error.colno)
        result.diagnostics.append(rules.BIB_ERROR.at(display_path, span, f"CSL JSON could not be parsed: {error.msg}"))
        return result
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        span = Span.point(mark.line + 1, mark.column + 1) if mark is not None else Span.point(1, 1)
        problem = getattr(error, "problem", None) or str(error)
        result.diagnostics.append(rules.BIB_ERROR.at(display_path, span, f"CSL YAML could not be parsed: {problem}"))
        return result
    if isinstance(data, dict):
        data = data.get("references", data.get("items"))
    if not isinstance(data, list):
        what = "JSON" if as_json else "YAML"
        result.diagnostics.append(
            rules.BIB_ERROR.at(
                display_path, Span.point(1, 1), f'CSL {what} holds no list of items (expected [{{"id": …}}, …])'
            )
        )
        return result
    lines = _IdLines(text)
    for item in data:
        if isinstance(item, dict) and item.get("id") not in (None, ""):
            result.references.append(_reference(item, lines.span_of(str(item["id"])), display_path))
    return result


class _IdLines:
    """Where each item's `id` is written, found in one pass over the text."""

    def __init__(self, text: str) -> None:
        self.where: dict[str, Span] = {}
        for number, line in enumerate(text.split("\n"), start=1):
            m = re.search(r"""(?:^|[\s{,"'])"?id"?\s*:\s*["']?(?P<id>[^"',}\s]+)""", line)
            if m:
                self.where.setdefault(m.group("id"), Span.point(number, m.start("id") + 1, len(m.group("id"))))

    def span_of(self, key: str) -> Span:
        return self.where.get(key, Span.point(1, 1))


def _reference(item: dict[str, Any], span: Span, display_path: str) -> Reference:
    authors, organisation = _authors(item.get("author") or item.get("editor"))
    title = item.get("title")
    urls = [str(item["URL"])] if isinstance(item.get("URL"), str) else []
    arxiv: dict[str, Identifier] = {}
    dois: dict[str, Identifier] = {}
    doi_raw = item.get("DOI") or item.get("doi")
    if isinstance(doi_raw, str) and doi_raw.strip():
        raw = doi_from_url(doi_raw) if "doi.org/" in doi_raw.lower() else doi_raw.strip().removeprefix("doi:")
        ident = make_identifier(IdentifierKind.DOI, raw or doi_raw.strip(), span)
        dois[ident.value] = ident
        if ident.valid and (inner := doi_arxiv_id(ident.value)):
            arxiv[inner] = make_identifier(IdentifierKind.ARXIV, inner, span)
    for url in urls:
        if found := arxiv_from_url(url):
            arxiv.setdefault(found, make_identifier(IdentifierKind.ARXIV, found, span))
        if found := doi_from_url(url):
            ident = make_identifier(IdentifierKind.DOI, found, span)
            dois.setdefault(ident.value, ident)
    return Reference(
        source=ReferenceSource.BIB,
        span=span,
        text=json.dumps(item, ensure_ascii=False, default=str)[:2000],
        path=display_path,
        key=str(item["id"]),
        authors=authors,
        year=_year(item.get("issued")),
        title=str(title) if isinstance(title, str) and title.strip() else None,
        arxiv_ids=tuple(arxiv.values()),
        dois=tuple(dois.values()),
        urls=tuple(urls),
        kind=str(item["type"]) if isinstance(item.get("type"), str) else None,
        is_organisation=organisation,
    )


def _authors(names: object) -> tuple[tuple[str, ...], bool]:
    """Normalised surnames (`family`, else `literal`), and whether the one author is an organisation."""
    if not isinstance(names, list):
        return (), False
    surnames: list[str] = []
    literal_only = False
    for name in names:
        if not isinstance(name, dict):
            continue
        family = name.get("family") or name.get("literal")
        if isinstance(family, str) and (surname := normalise_surname(family)):
            surnames.append(surname)
            literal_only = "family" not in name
    return tuple(surnames), len(surnames) == 1 and literal_only


def _year(issued: object) -> str | None:
    """`{"date-parts": [[2019, 5]]}`, `{"raw": "2019"}`, `2019`, `"2019-05-01"`, `[{year: 2019}]`."""
    for text in _texts(issued):
        m = _YEAR.search(text)
        if m:
            return m.group(0)
    return None


def _texts(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for key in ("date-parts", "raw", "literal", "year"):
            if key in value:
                yield from _texts(value[key])
    elif isinstance(value, list):
        for part in value:
            yield from _texts(part)
    elif isinstance(value, (str, int)) and not isinstance(value, bool):
        yield str(value)


def clear_cache() -> None:
    """Forget parsed files (tests, long-running processes)."""
    with _cache_lock:
        _cache.clear()

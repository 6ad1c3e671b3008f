"""Entries and settings for the metadata-verification tests (the Markdown parser is not needed)."""

from __future__ import annotations

from refcheck.config import Config
from refcheck.model import Identifier, IdentifierKind, Reference, ReferenceSource, Span

PATH = "docs/post.md"


def identifier(kind: IdentifierKind, value: str, line: int = 5, column: int = 40, *, valid: bool = True) -> Identifier:
    raw = f"arXiv:{value}" if kind is IdentifierKind.ARXIV else f"doi:{value}"
    return Identifier(kind, value, raw, Span(line, column, line, column + len(raw)), valid)


def reference(
    *,
    arxiv: str | None = None,
    doi: str | None = None,
    title: str | None = None,
    authors: tuple[str, ...] = (),
    year: str | None = None,
    line: int = 5,
    valid: bool = True,
    organisation: bool = False,
) -> Reference:
    """An entry on `line` whose arXiv ID starts at column 40 and DOI at column 70."""
    return Reference(
        source=ReferenceSource.LIST,
        span=Span(line, 3, line, 120),
        text=f"entry on line {line}",
        path=PATH,
        authors=authors,
        year=year,
        title=title,
        arxiv_ids=(identifier(IdentifierKind.ARXIV, arxiv, line, 40, valid=valid),) if arxiv else (),
        dois=(identifier(IdentifierKind.DOI, doi, line, 70, valid=valid),) if doi else (),
        is_organisation=organisation,
    )


def settings(arxiv_url: str, crossref_url: str, **changes: object) -> Config:
    """Short intervals, timeouts and backoff, so the suite stays fast."""
    base = Config(
        arxiv_api_url=arxiv_url,
        crossref_api_url=crossref_url,
        arxiv_interval=0.05,
        timeout=2.0,
        retries=1,
        retry_wait=0.01,
        mailto="tests@example.org",
    )
    return base.replace(**changes)

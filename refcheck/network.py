"""The network stages together: identifier records first (they answer arXiv/doi.org links), then links."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from refcheck.cache import Cache, default_cache_path
from refcheck.config import Config
from refcheck.local_links import is_remote
from refcheck.model import (
    Document,
    Identifier,
    IdentifierKind,
    Link,
    LinkContext,
    ReferenceSource,
    Span,
    StageResult,
)


def _cache_path(config: Config) -> Path | None:
    if not config.use_cache:
        return None
    return config.cache or default_cache_path()


def _link_identifiers(documents: Sequence[Document]) -> list[tuple[str, Span, Identifier]]:
    """arXiv/DOI identifiers of prose links that no entry of their document carries."""
    out = []
    for doc in documents:
        entry_ids = {(i.kind, i.value) for r in doc.references for i in (*r.arxiv_ids, *r.dois)}
        for ident in doc.identifiers:
            if ident.valid and (ident.kind, ident.value) not in entry_ids:
                out.append((doc.display_path, ident.span, ident))
    return out


def run_network(
    documents: Sequence[Document], config: Config, *, deadline: float | None, progress: bool
) -> StageResult:
    total = StageResult()
    with Cache(_cache_path(config)) as cache:
        resolved: dict[tuple[IdentifierKind, str], bool] = {}
        if config.verify:
            from refcheck.verify import verify_references  # imported here: --offline runs never load httpx

            refs = [r for d in documents for r in d.references if r.source is not ReferenceSource.TAG_DEF]
            verified = verify_references(
                refs, _link_identifiers(documents), config, cache, deadline=deadline, progress=progress
            )
            _merge(total, verified)
            resolved = verified.resolved
        if config.links:
            from refcheck.links import check_links

            occurrences: list[tuple[str, Link]] = []
            for doc in documents:
                for link in doc.links:
                    if not is_remote(link.url) or (link.context is LinkContext.HTML and not link.url):
                        continue
                    if resolved and _answered(link.url, resolved):
                        continue
                    occurrences.append((doc.display_path, link))
            _merge(total, check_links(occurrences, config, cache, deadline=deadline, progress=progress))
        for warning in cache.warnings:
            if warning not in total.notices:
                total.notices.append(warning)
    return total


def _answered(url: str, resolved: dict[tuple[IdentifierKind, str], bool]) -> bool:
    """An arXiv or doi.org link whose identifier the metadata stage looked up (found or not)."""
    from refcheck import identifiers

    arxiv = identifiers.arxiv_from_url(url)
    if arxiv:
        value = identifiers.make_identifier(IdentifierKind.ARXIV, arxiv, Span(1, 1, 1, 2)).value
        return (IdentifierKind.ARXIV, value) in resolved
    doi = identifiers.doi_from_url(url)
    if doi:
        value = identifiers.make_identifier(IdentifierKind.DOI, doi, Span(1, 1, 1, 2)).value
        return (IdentifierKind.DOI, value) in resolved
    return False


def _merge(total: StageResult, part: StageResult) -> None:
    total.diagnostics.extend(part.diagnostics)
    total.notices.extend(n for n in part.notices if n not in total.notices)
    total.unchecked_links += part.unchecked_links
    total.unverified_references += part.unverified_references
    total.incomplete = total.incomplete or part.incomplete
    total.requests += part.requests

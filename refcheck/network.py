"""The network stages together: identifier records first (they answer arXiv/doi.org links), then links."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from refcheck.cache import Cache, default_cache_path
from refcheck.config import Config
from refcheck.local_links import is_remote
from refcheck.model import (
    Document,
    Identifier,
    IdentifierKind,
    LinkContext,
    ReferenceSource,
    Span,
    StageResult,
)

if TYPE_CHECKING:
    import asyncio

    from refcheck.verify import VerifyResult

T = TypeVar("T")


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
    """Metadata lookups and link checks at once: arXiv's 3 s pacing must not hold up the other links.

    Links to arXiv and doi.org wait for the metadata stage, whose records answer them; only those
    it could not look up are then requested like any other link.
    """
    total = StageResult()
    occurrences = [
        (doc.display_path, link)
        for doc in documents
        for link in doc.links
        if is_remote(link.url) and not (link.context is LinkContext.HTML and not link.url)
    ]
    # arXiv, doi.org and paper-page links wait for the metadata stage, which fetches their records
    waits = [config.verify and (_identifier_url(link.url) or _paper_page(link.url)) for _, link in occurrences]
    by_identifier = [item for item, wait in zip(occurrences, waits, strict=True) if wait]
    others = [item for item, wait in zip(occurrences, waits, strict=True) if not wait]
    with Cache(_cache_path(config), deadline=deadline) as cache:
        verifying: _Background[VerifyResult] | None = None
        try:
            refs = [r for d in documents for r in d.references if r.source is not ReferenceSource.TAG_DEF]
            link_ids = _link_identifiers(documents) if config.verify else []
            # With nothing to look up, the metadata stage would answer nothing: it is not started (its
            # imports, TLS context and thread cost ~200 ms), and the links waiting for it are checked.
            if config.verify and (refs or link_ids):
                from refcheck.verify.stage import verify_references_async

                verifying = _Background(
                    verify_references_async(
                        refs,
                        link_ids,
                        config,
                        cache,
                        deadline=deadline,
                        progress=progress and not (config.links and others),
                    )
                )
            # The stages are imported when they have work: httpx and asyncio are ~70 ms of imports.
            if config.links and others:
                from refcheck.links import check_links

                _merge(total, check_links(others, config, cache, deadline=deadline, progress=progress))
            resolved: dict[tuple[IdentifierKind, str], bool] = {}
            pages: set[str] = set()
            if verifying is not None:
                verified = verifying.result()
                _merge(total, verified)
                resolved, pages = verified.resolved, verified.pages
            if config.links:  # links wait for the metadata stage only when it runs (`config.verify`)
                rest = [
                    item for item in by_identifier if not _answered(item[1].url, resolved) and item[1].url not in pages
                ]
                if rest:
                    from refcheck.links import check_links

                    _merge(total, check_links(rest, config, cache, deadline=deadline, progress=progress))
        except KeyboardInterrupt:
            if verifying is not None:
                verifying.cancel()  # Ctrl-C: the lookups end now, not after their timeouts and retries
            raise
        for warning in cache.warnings:
            if warning not in total.notices:
                total.notices.append(warning)
    return total


class _Background(Generic[T]):
    """A coroutine run to its end on its own event loop, in a daemon thread; `cancel()` ends it from
    another thread (its `finally` blocks run), and a thread stuck past that is not waited for at exit."""

    def __init__(self, work: Coroutine[Any, Any, T]) -> None:
        self._work = work
        self._started = threading.Event()
        self._done = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[T] | None = None
        self._outcome: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._main, name="refcheck-verify", daemon=True).start()

    def _main(self) -> None:
        import asyncio  # imported by the thread: a run that verifies nothing does not need it

        try:
            self._outcome = asyncio.run(self._run())
        except BaseException as exc:  # handed to the caller of `result()`
            self._error = exc
        finally:
            self._done.set()

    async def _run(self) -> T:
        import asyncio

        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._started.set()
        return await self._work

    def result(self) -> T:
        while not self._done.wait(0.1):  # a short wait: Ctrl-C is seen between two
            pass
        if self._error is not None:
            raise self._error
        return self._outcome  # type: ignore[return-value]

    def cancel(self, grace: float = 0.5) -> None:
        """Cancel the work and wait up to `grace` seconds for it to wind down."""
        if self._started.wait(grace) and self._loop is not None and self._task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: the work is over
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._done.wait(grace)


def _identifier_url(url: str) -> bool:
    from refcheck import identifiers

    return bool(identifiers.arxiv_from_url(url) or identifiers.doi_from_url(url))


def _paper_page(url: str) -> bool:
    from refcheck.verify.landing import PAGE

    return PAGE.match(url) is not None


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

"""The network stages of one run: links checked while the files are parsed, identifier records looked
up once every file is in (they answer arXiv/doi.org links, which wait for them)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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


class NetworkRun:
    """Metadata lookups and link checks of one run, started while its files are still being parsed:
    each document's links are handed over as it arrives (`add`), so requests overlap the parse; the
    metadata stage starts once every document is in (`finish`), and arXiv's 3 s pacing does not hold
    up the other links. Links to arXiv, doi.org and paper pages wait for the metadata stage, whose
    records answer them; only those it could not look up are then requested like any other link."""

    def __init__(self, config: Config, *, deadline: float | None, progress: bool) -> None:
        self.config = config
        self.deadline = deadline
        self.progress = progress
        self._cache: Cache | None = None
        self._by_identifier: list[tuple[str, Link]] = []
        self._links: tuple[LinkFeed, _Background[StageResult]] | None = None
        self._verifying: _Background[VerifyResult] | None = None

    @property
    def cache(self) -> Cache:
        """The run's cache, opened when a stage first needs it: after the worker processes are forked,
        which must not inherit an open SQLite connection."""
        if self._cache is None:
            self._cache = Cache(_cache_path(self.config), deadline=self.deadline)
        return self._cache

    def start(self) -> None:
        """Start the link stage now (its imports and event loop), before any link is handed over; a
        caller does so once its worker processes are forked (a thread is never forked with them)."""
        self._feed()

    def _feed(self) -> LinkFeed:
        if self._links is None:
            feed = LinkFeed()
            self._links = (feed, _Background(self._check_links(feed, self.cache), name="refcheck-links"))
        return self._links[0]

    async def _check_links(self, feed: LinkFeed, cache: Cache) -> StageResult:
        # Imported by the stage's thread: --offline runs never load httpx, nor --no-verify runs the
        # metadata sources; an early start imports them while the workers parse.
        from refcheck.links.stage import check_feed, fewer_gc_passes

        with fewer_gc_passes():
            return await check_feed(feed.batches(), self.config, cache, deadline=self.deadline, progress=self.progress)

    def add(self, doc: Document) -> None:
        """Hand over the remote links of one parsed document."""
        if not self.config.links:
            return
        ready: list[tuple[str, Link]] = []
        for link in doc.links:
            if not is_remote(link.url) or (link.context is LinkContext.HTML and not link.url):
                continue
            waits = self.config.verify and (_identifier_url(link.url) or _paper_page(link.url))
            (self._by_identifier if waits else ready).append((doc.display_path, link))
        if ready:
            self._feed().put(ready)

    def finish(self, documents: Sequence[Document]) -> StageResult:
        """Look up the references of `documents` (every one `add`ed), then check the links that waited
        for those records; returns when both stages have ended."""
        total = StageResult()
        try:
            refs = [r for d in documents for r in d.references if r.source is not ReferenceSource.TAG_DEF]
            link_ids = _link_identifiers(documents) if self.config.verify else []
            resolved: dict[tuple[IdentifierKind, str], bool] = {}
            pages: set[str] = set()
            # With nothing to look up, the metadata stage would answer nothing: it is not started (its
            # imports, TLS context and thread cost ~200 ms), and the links waiting for it are checked.
            if self.config.verify and (refs or link_ids):
                from refcheck.verify.stage import verify_references_async

                self._verifying = _Background(
                    verify_references_async(
                        refs,
                        link_ids,
                        self.config,
                        self.cache,
                        deadline=self.deadline,
                        # one bar at a time: the links' bar shows once a link is handed over
                        progress=self.progress and not (self._links is not None and self._links[0].fed),
                    ),
                    name="refcheck-verify",
                )
                verified = self._verifying.result()
                _merge(total, verified)
                resolved, pages = verified.resolved, verified.pages
            rest = [
                item
                for item in self._by_identifier
                if not _answered(item[1].url, resolved) and item[1].url not in pages
            ]
            if rest:
                self._feed().put(rest)
            if self._links is not None:
                feed, checking = self._links
                feed.close()
                _merge(total, checking.result())
        except BaseException:
            self.cancel()
            raise
        if self._cache is not None:
            total.notices.extend(w for w in self._cache.warnings if w not in total.notices)
            self._cache.close()
        return total

    def cancel(self) -> None:
        """End the lookups and link checks now (Ctrl-C, an interrupted parse), not after their timeouts."""
        for background in (self._verifying, self._links[1] if self._links else None):
            if background is not None:
                background.cancel()
        if self._cache is not None:
            self._cache.close()


class LinkFeed:
    """Link occurrences handed to a running stage from another thread (the files are still being
    parsed): `put` each file's batch, `close` when there are no more. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[str, Link]] = []
        self._closed = False
        self._wake: Callable[[], None] | None = None
        self.fed = False  # an occurrence was put

    def put(self, occurrences: Iterable[tuple[str, Link]]) -> None:
        with self._lock:
            before = len(self._items)
            self._items.extend(occurrences)
            self.fed = self.fed or len(self._items) > before
            wake = self._wake
        if wake is not None:
            wake()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            wake = self._wake
        if wake is not None:
            wake()

    async def batches(self) -> AsyncIterator[list[tuple[str, Link]]]:
        """The occurrences as they arrive, in batches, until `close`."""
        import asyncio  # the stage's thread has it loaded; the main thread never needs it

        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing waits any more
                loop.call_soon_threadsafe(arrived.set)

        with self._lock:
            self._wake = wake
        while True:
            with self._lock:
                items, self._items, closed = self._items, [], self._closed
            if items:
                yield items
            if closed:
                return
            await arrived.wait()
            arrived.clear()


class _Background(Generic[T]):
    """A coroutine run to its end on its own event loop, in a daemon thread; `cancel()` ends it from
    another thread (its `finally` blocks run), and a thread stuck past that is not waited for at exit."""

    def __init__(
        self,
        work: Coroutine[Any, Any, T],
        *,
        name: str,
    ) -> None:
        self._work = work
        self._started = threading.Event()
        self._done = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[T] | None = None
        self._outcome: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._main, name=name, daemon=True).start()

    def _main(self) -> None:
        from refcheck import eventloop  # imported by the thread: an offline run needs no event loop

        try:
            self._outcome = eventloop.run(self._run())
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
    from refcheck.identifiers import PAPER_PAGE

    return PAPER_PAGE.match(url) is not None


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

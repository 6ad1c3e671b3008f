"""The link-checking stage: group occurrences by request URL, answer from the cache, fetch the rest
under the limits and the total deadline, and turn outcomes into diagnostics and notices."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterable, AsyncIterator, Coroutine, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import httpx

from refcheck import __version__, eventloop
from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.links.anchors import needs_check
from refcheck.links.connect import Connector, Pools, Resolver
from refcheck.links.fetch import Fetcher, ssl_context
from refcheck.links.limits import Limits
from refcheck.links.outcome import CACHEABLE, Occurrence, Outcome, Target, diagnostic, occurrence_diagnostics
from refcheck.links.policy import AddressPolicy, parse_url, skip_reason
from refcheck.links.reachability import Reachability
from refcheck.model import Link, StageResult

NAMESPACE = "link"


class _Targets:
    """Unique request URLs (fragment stripped) with their occurrences, grown batch by batch; skipped
    links get RC407 and malformed ones RC401 as they arrive."""

    def __init__(self, config: Config, result: StageResult) -> None:
        self.config = config
        self.result = result
        self.by_url: dict[str, Target] = {}
        self._parsed: dict[str, httpx.URL | str] = {}  # URL as written (no fragment) → parsed, or why it is malformed

    def add(self, occurrences: Iterable[tuple[str, Link]]) -> tuple[list[Target], dict[str, set[str]]]:
        """Group a batch: the targets it brings first, and fragments it adds to targets seen before."""
        new: dict[str, Target] = {}
        added: dict[str, set[str]] = {}
        for path, link in occurrences:
            reason = skip_reason(link.url, self.config)
            if reason is not None:
                self.result.diagnostics.append(diagnostic(path, link, "RC407", f"not checked: {reason}: {link.url}"))
                continue
            base, has_hash, fragment = link.url.partition("#")
            url = self._parsed.get(base)
            if url is None:
                url = self._parsed[base] = parse_url(base)
            if isinstance(url, str):
                self.result.diagnostics.append(diagnostic(path, link, "RC401", f"invalid URL ({url}): {link.url}"))
                continue
            key = str(url)
            target = self.by_url.get(key)
            if target is None:
                target = self.by_url[key] = Target(key, url)
                new[key] = target
            checked = bool(has_hash) and needs_check(fragment, url.host)
            if checked and fragment not in target.fragments:
                target.fragments.add(fragment)
                if key not in new:
                    added.setdefault(key, set()).add(fragment)
            target.occurrences.append(Occurrence(path, link, fragment if checked else None))
        return list(new.values()), added


def check_links(
    occurrences: Sequence[tuple[str, Link]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> StageResult:
    """Check every http(s) link occurrence; one request per unique URL. Runs its own event loop."""
    with fewer_gc_passes():
        stage = check_links_async(occurrences, config, cache, deadline=deadline, progress=progress)
        return eventloop.run(stage)


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Thousands of live tasks and responses make the cyclic GC's default pace cost ~10% of the CPU of
    a run; the heap that exists before the stage is frozen and collections made rarer until it ends."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 10_000), max(thresholds[1], 20), max(thresholds[2], 20))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def check_links_async(
    occurrences: Sequence[tuple[str, Link]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> StageResult:
    """`check_links` for callers that already run an event loop."""

    async def one_batch() -> AsyncIterator[Sequence[tuple[str, Link]]]:
        yield occurrences

    return await check_feed(one_batch(), config, cache, deadline=deadline, progress=progress)


async def check_feed(
    batches: AsyncIterable[Sequence[tuple[str, Link]]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> StageResult:
    """Check link occurrences as their batches arrive (the files are still being parsed), until the
    batches end and every request has ended (or the deadline passed, or the network turned out to be
    unreachable)."""
    result = StageResult()
    targets = _Targets(config, result)
    reachability = Reachability()
    connector = Connector(Resolver(reachability), AddressPolicy(config), reachability, ssl_context)
    pools = Pools(connector)
    limits = Limits(config.max_concurrency, config.max_per_host, config.host_interval)
    fetcher = Fetcher(config, pools, limits, config.user_agent or f"refcheck/{__version__}", deadline)
    try:
        with _progress_bar(progress) as bar:
            run = _Run(fetcher, config, cache, bar)
            unfinished = await run.until_done(batches, targets, deadline, reachability)
    finally:
        result.requests += fetcher.requests
        await pools.close()

    offline = reachability.unreachable()
    lost = 0
    for target in targets.by_url.values():
        outcome = run.outcomes.get(target.url)
        if outcome is None or (offline and outcome.network_failure):
            lost += len(target.occurrences)
            continue
        unjudged = run.unjudged.get(target.url, set())  # a later look cut short by the deadline
        for occurrence in target.occurrences:
            if occurrence.fragment in unjudged:
                lost += 1
                continue
            result.diagnostics.extend(occurrence_diagnostics(outcome, occurrence))
        if not outcome.from_cache and outcome.code in CACHEABLE:
            cache.put(NAMESPACE, target.url, outcome.to_cache(), config.cache_max_age)
    if offline:
        result.notices.append(f"network unreachable: {lost} links not checked")
    elif unfinished:
        result.notices.append(f"timeout_total reached: {lost} links not checked")
    result.unchecked_links += lost
    result.incomplete = result.incomplete or lost > 0
    result.notices.extend(w for w in cache.warnings if w not in result.notices)
    result.diagnostics.sort(key=lambda d: d.sort_key())
    return result


class _Run:
    """The requests of one stage: a task per target as targets arrive, outcomes as tasks end."""

    def __init__(self, fetcher: Fetcher, config: Config, cache: Cache, bar: _Bar) -> None:
        self.fetcher = fetcher
        self.config = config
        self.cache = cache
        self.bar = bar
        self.outcomes: dict[str, Outcome] = {}
        self.latest: dict[str, asyncio.Task[Outcome | None]] = {}  # each URL's last task
        self.tasks: list[asyncio.Task[Outcome | None]] = []
        self.unjudged: dict[str, set[str]] = {}  # fragments of later looks that have not ended yet
        self.running = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def start(self, target: Target) -> None:
        """Answer `target` from the cache, or fetch it."""
        value = self.cache.get(NAMESPACE, target.url)
        cached = Outcome.cached(value, target.fragments, self.config) if value is not None else None
        if cached is not None:
            self.outcomes[target.url] = cached
            return
        self._track(target.url, self.fetcher.check(target.parsed, set(target.fragments)))

    def extend(self, target: Target, fragments: set[str]) -> None:
        """Fragments that arrived after `target` was started: looked for once its first answer is in."""
        first = self.latest.get(target.url)
        self.unjudged.setdefault(target.url, set()).update(fragments)
        self._track(target.url, self._look_further(target, fragments, first), later=fragments)

    async def _look_further(
        self, target: Target, fragments: set[str], first: asyncio.Task[Outcome | None] | None
    ) -> Outcome | None:
        if first is not None:
            await asyncio.wait([first])
        earlier = self.outcomes.get(target.url)
        if earlier is None or earlier.code not in CACHEABLE:
            return None  # no page to look in: the first answer judges the link alone
        unknown = fragments - earlier.anchors_found - earlier.anchors_missing
        if not unknown:
            return earlier
        value = self.cache.get(NAMESPACE, target.url)
        cached = Outcome.cached(value, unknown, self.config) if value is not None else None
        later = cached or await self.fetcher.check(target.parsed, unknown)
        if later.code not in CACHEABLE:
            return earlier  # the page could not be read again: its anchors stay unjudged
        return replace(
            earlier,
            anchors_found=earlier.anchors_found | later.anchors_found,
            anchors_missing=earlier.anchors_missing | later.anchors_missing,
            anchors_truncated=earlier.anchors_truncated or later.anchors_truncated,
            from_cache=earlier.from_cache and later.from_cache,
        )

    def _track(self, url: str, work: Coroutine[Any, Any, Outcome | None], *, later: set[str] | None = None) -> None:
        """Run `work` for `url`: its first check, or a later look for the fragments `later`."""
        task = asyncio.create_task(work)
        self.latest[url] = task
        self.tasks.append(task)
        self.running += 1
        self.idle.clear()
        if later is None:
            self.bar.grow(1)
        task.add_done_callback(partial(self._finished, url, later))

    def _finished(self, url: str, later: set[str] | None, task: asyncio.Task[Outcome | None]) -> None:
        if not task.cancelled() and task.exception() is None and (outcome := task.result()) is not None:
            self.outcomes[url] = outcome
        self.running -= 1
        if later is None:
            self.bar.advance()
        elif not task.cancelled():
            self.unjudged[url] -= later
        if self.running == 0:
            self.idle.set()

    async def until_done(
        self,
        batches: AsyncIterable[Sequence[tuple[str, Link]]],
        targets: _Targets,
        deadline: float | None,
        reachability: Reachability,
    ) -> bool:
        """Start what the batches bring until they end and every task has ended; False when all did,
        True when the deadline or an unreachable network ended the run first (the rest is cancelled,
        and what arrives after that is grouped, never fetched)."""
        stopped = asyncio.Event()
        feeding = asyncio.create_task(self._feed(batches, targets, stopped))
        finished = asyncio.create_task(self._all_done(feeding))
        offline = asyncio.create_task(reachability.offline.wait())
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            await asyncio.wait([finished, offline], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            stopped.set()
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            await feeding  # the rest of the feed is grouped: its occurrences count as not checked
        finally:
            for waiter in (feeding, finished, offline):
                waiter.cancel()
            for task in self.tasks:
                task.cancel()
        for task in self.tasks:  # a bug in a check is raised, not counted as an unchecked link
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        # A check cut at the deadline ends as cancelled, by itself or by the loop above.
        return any(task.cancelled() for task in self.tasks) or len(self.outcomes) < len(targets.by_url)

    async def _feed(
        self, batches: AsyncIterable[Sequence[tuple[str, Link]]], targets: _Targets, stopped: asyncio.Event
    ) -> None:
        async for batch in batches:
            new, added = targets.add(batch)
            if stopped.is_set():
                continue
            for target in new:
                self.start(target)
            for url, fragments in added.items():
                self.extend(targets.by_url[url], fragments)

    async def _all_done(self, feeding: asyncio.Task[None]) -> None:
        await asyncio.wait([feeding])
        while self.running:
            await self.idle.wait()


class _Bar:
    """A transient rich progress bar on a terminal, shown once the first target arrives (a run whose
    links all wait for the metadata stage leaves the terminal to that stage's bar meanwhile), its total
    growing as targets arrive; nothing off a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None  # rich.progress.Progress, imported only when a bar shows (~20 ms)
        self._task: Any = None
        self._total = 0

    def grow(self, count: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from rich.console import Console

            console = Console(stderr=True)
            if not console.is_terminal:
                self.enabled = False
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("checking links"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self._bar = Progress(*columns, console=console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("links", total=0)
        self._total += count
        self._bar.update(self._task, total=self._total)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@contextlib.contextmanager
def _progress_bar(enabled: bool) -> Iterator[_Bar]:
    bar = _Bar(enabled)
    try:
        yield bar
    finally:
        bar.close()

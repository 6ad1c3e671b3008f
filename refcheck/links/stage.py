"""The link-checking stage: group occurrences by request URL, answer from the cache, fetch the rest
under the limits and the total deadline, and turn outcomes into diagnostics and notices."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial

import httpx

from refcheck import __version__
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


def group(occurrences: Sequence[tuple[str, Link]], config: Config, result: StageResult) -> list[Target]:
    """Unique request URLs (fragment stripped) with their occurrences; skipped links get RC407 here."""
    targets: dict[str, Target] = {}
    parsed: dict[str, httpx.URL | str] = {}  # URL as written (no fragment) → parsed, or why it is malformed
    for path, link in occurrences:
        reason = skip_reason(link.url, config)
        if reason is not None:
            result.diagnostics.append(diagnostic(path, link, "RC407", f"not checked: {reason}: {link.url}"))
            continue
        base, has_hash, fragment = link.url.partition("#")
        url = parsed.get(base)
        if url is None:
            url = parsed[base] = parse_url(base)
        if isinstance(url, str):
            result.diagnostics.append(diagnostic(path, link, "RC401", f"invalid URL ({url}): {link.url}"))
            continue
        key = str(url)
        target = targets.get(key)
        if target is None:
            target = targets[key] = Target(key, url)
        checked = bool(has_hash) and needs_check(fragment, url.host)
        if checked:
            target.fragments.add(fragment)
        target.occurrences.append(Occurrence(path, link, fragment if checked else None))
    return list(targets.values())


def check_links(
    occurrences: Sequence[tuple[str, Link]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> StageResult:
    """Check every http(s) link occurrence; one request per unique URL. Runs its own event loop."""
    with _fewer_gc_passes():
        stage = check_links_async(occurrences, config, cache, deadline=deadline, progress=progress)
        return asyncio.run(stage)


@contextlib.contextmanager
def _fewer_gc_passes() -> Iterator[None]:
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
    result = StageResult()
    targets = group(occurrences, config, result)
    outcomes: dict[str, Outcome] = {}
    pending: list[Target] = []
    for target in targets:
        value = cache.get(NAMESPACE, target.url)
        cached = Outcome.cached(value, target.fragments, config) if value is not None else None
        if cached is not None:
            outcomes[target.url] = cached
        else:
            pending.append(target)

    reachability = Reachability()
    unfinished: list[Target] = []
    if pending:
        unfinished = await _fetch_all(pending, config, deadline, progress, reachability, outcomes, result)

    offline = reachability.unreachable()
    lost = 0
    for target in targets:
        outcome = outcomes.get(target.url)
        if outcome is None or (offline and outcome.network_failure):
            lost += len(target.occurrences)
            continue
        for occurrence in target.occurrences:
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


async def _fetch_all(
    pending: list[Target],
    config: Config,
    deadline: float | None,
    progress: bool,
    reachability: Reachability,
    outcomes: dict[str, Outcome],
    result: StageResult,
) -> list[Target]:
    """Fetch every pending target; returns those not finished (deadline or network gone)."""
    connector = Connector(Resolver(reachability), AddressPolicy(config), reachability, ssl_context)
    pools = Pools(connector)
    limits = Limits(config.max_concurrency, config.max_per_host, config.host_interval)
    fetcher = Fetcher(config, pools, limits, config.user_agent or f"refcheck/{__version__}", deadline)
    try:
        with _progress_bar(progress, len(pending)) as advance:
            return await _run(fetcher, pending, deadline, reachability, outcomes, advance)
    finally:
        result.requests += fetcher.requests
        await pools.close()


async def _run(
    fetcher: Fetcher,
    pending: list[Target],
    deadline: float | None,
    reachability: Reachability,
    outcomes: dict[str, Outcome],
    advance: Callable[[], None],
) -> list[Target]:
    remaining = len(pending)
    all_done = asyncio.Event()

    def finished(target: Target, task: asyncio.Task[Outcome]) -> None:
        nonlocal remaining
        if not task.cancelled() and task.exception() is None:
            outcomes[target.url] = task.result()
        remaining -= 1
        advance()
        if remaining == 0:
            all_done.set()

    tasks: list[tuple[Target, asyncio.Task[Outcome]]] = []
    for target in pending:
        task = asyncio.create_task(fetcher.check(target.parsed, target.fragments))
        task.add_done_callback(partial(finished, target))
        tasks.append((target, task))
    waiters = [asyncio.create_task(all_done.wait()), asyncio.create_task(reachability.offline.wait())]
    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        for _, task in tasks:
            task.cancel()
        await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
    for _, task in tasks:  # a bug in a check is raised, not counted as an unchecked link
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [target for target, task in tasks if task.cancelled()]


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    """A transient rich progress bar on a terminal, advanced by the callable; nothing otherwise."""
    if not enabled:  # rich is imported only when a bar may show (~20 ms of imports)
        yield lambda: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # ~17 ms

    columns = (TextColumn("checking links"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("links", total=total)
        yield lambda: bar.advance(task)

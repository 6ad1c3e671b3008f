"""The metadata stage: look every identifier up once (cache first), compare entries, build diagnostics."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from refcheck import __version__, rules
from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.model import Diagnostic, Identifier, IdentifierKind, Reference, Span, StageResult
from refcheck.verify import arxiv, crossref
from refcheck.verify.compare import compare
from refcheck.verify.fetch import Policy
from refcheck.verify.records import Lookup, Record, Status

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)  # DataCite DOIs arXiv mints
_SOURCE_NAMES = {"arxiv": arxiv.SOURCE, "crossref": crossref.SOURCE}

Key = tuple[str, str]  # (cache namespace / source, identifier as looked up)


@dataclass(slots=True)
class VerifyResult(StageResult):
    """`StageResult` plus which identifiers exist, so arXiv and doi.org links need no crawl."""

    resolved: dict[tuple[IdentifierKind, str], bool] = field(default_factory=dict)


def lookup_key(identifier: Identifier) -> Key:
    """Where an identifier is looked up: arXiv IDs and arXiv's own DOIs at arXiv, other DOIs at Crossref."""
    if identifier.kind is IdentifierKind.ARXIV:
        return ("arxiv", arxiv.canonical_id(identifier.value))
    m = _ARXIV_DOI.match(identifier.value)
    if m:
        return ("arxiv", arxiv.canonical_id(m.group(1)))
    return ("crossref", identifier.value.lower())


def _label(identifier: Identifier) -> str:
    prefix = "arXiv" if identifier.kind is IdentifierKind.ARXIV else "doi"
    return f"{prefix}:{identifier.value}"


def _user_agent(config: Config) -> str:
    agent = config.user_agent or f"refcheck/{__version__}"
    return f"{agent} (mailto:{config.mailto})" if config.mailto else agent


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    if not enabled or total == 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("verifying identifiers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("verify", total=total)
        yield lambda: bar.advance(task)


async def _look_up(
    keys: set[Key], config: Config, policy: Policy, advance: Callable[[], None]
) -> tuple[dict[Key, Lookup], int]:
    """Ask the sources about `keys`; returns the answers and the number of requests made."""
    found: dict[Key, Lookup] = {}
    arxiv_ids = sorted(k for s, k in keys if s == "arxiv")
    dois = sorted(k for s, k in keys if s == "crossref")

    def done(key: Key, lookup: Lookup) -> None:
        found[key] = lookup
        advance()

    headers = {"User-Agent": _user_agent(config)}
    timeout = httpx.Timeout(config.timeout)
    async with (
        httpx.AsyncClient(
            headers=headers,
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=1),  # arXiv: one connection at a time
        ) as arxiv_client,
        httpx.AsyncClient(
            headers=headers,
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=crossref.MAX_IN_FLIGHT),
        ) as crossref_client,
    ):
        arxiv_source = arxiv.ArxivSource(arxiv_client, config.arxiv_api_url, config.arxiv_interval, policy)
        crossref_source = crossref.CrossrefSource(crossref_client, config.crossref_api_url, policy)

        async def one_doi(doi: str) -> None:
            done(("crossref", doi), await crossref_source.lookup(doi))

        tasks = [one_doi(d) for d in dois]
        if arxiv_ids:
            tasks.append(arxiv_source.lookup(arxiv_ids, lambda i, lookup: done(("arxiv", i), lookup)))
        await asyncio.gather(*tasks)
    return found, arxiv_source.requests + crossref_source.requests


class _Builder:
    """Turns lookups into diagnostics, `resolved`, and the count of what could not be verified."""

    def __init__(self, lookups: dict[Key, Lookup]) -> None:
        self.lookups = lookups
        self.result = VerifyResult()
        self.unavailable: dict[str, set[str]] = {}  # source → identifiers not verified
        self.reasons: dict[str, str] = {}

    def _emit(self, path: str, span: Span, code: str, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(path, span, code, message, rules.get(code).severity))

    def _existence(self, path: str, identifier: Identifier, *, report: bool = True) -> Lookup | None:
        """Record whether `identifier` exists, report RC501; None when it could not be asked."""
        key = lookup_key(identifier)
        lookup = self.lookups.get(key, Lookup(Status.UNAVAILABLE, detail="not looked up"))
        exists = lookup.exists
        if exists is None:
            self.unavailable.setdefault(key[0], set()).add(key[1])
            self.reasons.setdefault(key[0], lookup.detail)
            return None
        self.result.resolved[(identifier.kind, identifier.value)] = exists
        if not exists and report:
            rejected = lookup.status is Status.REJECTED
            what = "is not an identifier arXiv accepts" if rejected else "does not exist"
            self._emit(path, identifier.span, "RC501", f"{_label(identifier)} {what}: {lookup.detail}")
        return lookup

    def reference(self, reference: Reference) -> None:
        first: dict[Key, Identifier] = {}  # one set of findings per work, at its first mention
        for identifier in (*reference.arxiv_ids, *reference.dois):
            if not identifier.valid:
                continue
            if lookup_key(identifier) in first:
                self._existence(reference.path, identifier, report=False)
            else:
                first[lookup_key(identifier)] = identifier
        answered = [(i, self._existence(reference.path, i)) for i in first.values()]
        if any(lookup is None for _, lookup in answered):
            self.result.unverified_references += 1
        records: list[tuple[Identifier, Record]] = [
            (i, lookup.record) for i, lookup in answered if lookup is not None and lookup.record is not None
        ]
        for identifier, record in records:
            others = [r for _, r in records if r is not record]
            for finding in compare(reference, record, others):
                self._emit(reference.path, identifier.span, finding.code, finding.message)

    def link(self, path: str, identifier: Identifier) -> None:
        if identifier.valid and self._existence(path, identifier) is None:
            self.result.unverified_references += 1

    def finish(self, requests: int) -> VerifyResult:
        self.result.requests = requests
        for source, keys in sorted(self.unavailable.items()):
            count = len(keys)
            plural = "identifier" if count == 1 else "identifiers"
            self.result.notices.append(
                f"{_SOURCE_NAMES[source]} unavailable ({self.reasons[source]}): {count} {plural} not verified"
            )
        self.result.incomplete = bool(self.unavailable)
        return self.result


async def verify_references_async(
    references: Sequence[Reference],
    link_identifiers: Sequence[tuple[str, Span, Identifier]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> VerifyResult:
    """`verify_references` for callers already inside an event loop."""
    if config.offline or not config.verify:
        return VerifyResult()
    wanted = {lookup_key(i) for r in references for i in (*r.arxiv_ids, *r.dois) if i.valid}
    wanted |= {lookup_key(i) for _, _, i in link_identifiers if i.valid}
    lookups: dict[Key, Lookup] = {}
    for key in wanted:
        cached = Lookup.from_cache(cache.get(*key), key)
        if cached is not None:
            lookups[key] = cached
    missing = wanted - lookups.keys()
    requests = 0
    if missing:
        policy = Policy(config.timeout, config.retries, config.retry_wait, deadline)
        with _progress_bar(progress, len(missing)) as advance:
            fetched, requests = await _look_up(missing, config, policy, advance)
        for key, lookup in fetched.items():
            stored = lookup.cache_value()
            if stored is not None:
                cache.put(*key, stored[0], stored[1])
        lookups.update(fetched)

    builder = _Builder(lookups)
    for reference in references:
        builder.reference(reference)
    for path, span, identifier in link_identifiers:
        builder.link(path, dataclasses.replace(identifier, span=span))  # RC501 sits on the link
    return builder.finish(requests)


def verify_references(
    references: Sequence[Reference],
    link_identifiers: Sequence[tuple[str, Span, Identifier]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
) -> VerifyResult:
    """Check each entry's valid arXiv IDs and DOIs against arXiv and Crossref, and each link
    identifier's existence. `deadline` is a `time.monotonic()` value (from `timeout_total`) after which
    nothing new starts; what is left is counted unverified. Callable from synchronous code."""
    work = verify_references_async(
        references, link_identifiers, config, cache, deadline=deadline, progress=progress
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # called from inside a loop
        return pool.submit(asyncio.run, work).result()

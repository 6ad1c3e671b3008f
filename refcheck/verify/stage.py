"""The metadata stage: look every identifier up once (cache first), compare entries, build diagnostics."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from refcheck import __version__, eventloop, identifiers, rules
from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.identifiers import doi_arxiv_id
from refcheck.model import Diagnostic, Identifier, IdentifierKind, Reference, Span, StageResult
from refcheck.verify import arxiv, crossref, dblp, landing, openalex, semantic_scholar
from refcheck.verify.compare import Grade, best_hit, compare, entry_year
from refcheck.verify.fetch import Policy, Unavailable
from refcheck.verify.records import Lookup, Record, Status
from refcheck.verify.source import Query, Source, client

Key = tuple[str, str]  # (cache namespace / source, identifier as looked up)


@dataclass(slots=True)
class VerifyResult(StageResult):
    """`StageResult` plus which identifiers exist, so arXiv and doi.org links need no crawl."""

    resolved: dict[tuple[IdentifierKind, str], bool] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)  # paper pages fetched here: the link stage need not


def lookup_key(identifier: Identifier) -> Key:
    """Where an identifier is looked up: arXiv IDs and arXiv's own DOIs at arXiv, other DOIs at Crossref."""
    if identifier.kind is IdentifierKind.ARXIV:
        return ("arxiv", arxiv.canonical_id(identifier.value))
    behind = doi_arxiv_id(identifier.value)  # a DataCite DOI arXiv mints
    if behind:
        return ("arxiv", arxiv.canonical_id(behind))
    return ("crossref", identifier.value.lower())


def _label(identifier: Identifier) -> str:
    prefix = "arXiv" if identifier.kind is IdentifierKind.ARXIV else "doi"
    return f"{prefix}:{identifier.value}"


def _user_agent(config: Config) -> str:
    agent = config.user_agent or f"refcheck/{__version__}"
    return f"{agent} (mailto:{config.mailto})" if config.mailto else agent


DEFAULT_SOURCES = ("crossref", "openalex", "dblp", "arxiv")
SOURCE_NAMES = ("arxiv", "crossref", "openalex", "dblp", "page", "semantic_scholar")
# BibTeX and CSL types that are not judged: web pages, software, data, and works the sources index too
# thinly to call missing (theses, reports, manuals, talks).
_NOT_SCHOLARLY = frozenset(
    {
        "online",
        "www",
        "webpage",
        "electronic",
        "software",
        "dataset",
        "data",
        "post",
        "post-weblog",
        "manual",
        "booklet",
        "unpublished",
        "phdthesis",
        "mastersthesis",
        "thesis",
        "techreport",
        "report",
        "patent",
        "standard",
        "speech",
        "interview",
        "personal_communication",
        "motion_picture",
        "broadcast",
        "song",
        "map",
        "graphic",
        "legislation",
        "legal_case",
        "musical_score",
    }
)
_NOT_A_TITLE = re.compile(r"://|\\(?:href|url)(?![A-Za-z])")  # a link left in the title: it was not read
_MIN_TITLE_WORDS = 3  # shorter titles name too many works to search for one
# Hosts of papers: an entry whose every link goes elsewhere is a web page, a repository or a post.
_PAPER_HOSTS = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:doi\.org|arxiv\.org|openreview\.net|aclanthology\.org|aclweb\.org|"
    r"proceedings\.mlr\.press|(?:papers|proceedings)\.(?:nips|neurips)\.cc|dl\.acm\.org|ieeexplore\.ieee\.org|"
    r"link\.springer\.com|sciencedirect\.com|nature\.com|science\.org|jmlr\.org|ojs\.aaai\.org|aaai\.org|"
    r"openaccess\.thecvf\.com|ecva\.net|ijcai\.org|ncbi\.nlm\.nih\.gov|biorxiv\.org|medrxiv\.org|"
    r"ssrn\.com|semanticscholar\.org|dblp\.org|wiley\.com|tandfonline\.com|academic\.oup\.com|"
    r"cambridge\.org|mdpi\.com|frontiersin\.org|plos\.org|pnas\.org|aps\.org|iop\.org|acm\.org|"
    r"usenix\.org|isca-speech\.org|bmva\.org|hal\.science|researchgate\.net)(?:[:/]|$)",
    re.IGNORECASE,
)


def search_order(config: Config, env: Mapping[str, str]) -> tuple[str, ...]:
    """The sources asked by title, in order: `verify_sources`, or the default (Semantic Scholar
    appended when its key is set)."""
    if config.verify_sources is not None:
        return config.verify_sources
    keyed = ("semantic_scholar",) if env.get("SEMANTIC_SCHOLAR_API_KEY") else ()
    return (*DEFAULT_SOURCES, *keyed)


def make_sources(
    config: Config, policy: Policy, env: Mapping[str, str], names: Iterable[str] = SOURCE_NAMES
) -> dict[str, Source]:
    """The sources named, each with its own client (one TLS context shared) and published limits."""
    agent = _user_agent(config)
    tls = httpx.create_ssl_context()  # loading the CA bundle once, not once per client
    lookups, searches = crossref.politeness(config.mailto)
    s2_key = env.get("SEMANTIC_SCHOLAR_API_KEY")
    s2_headers = {"x-api-key": s2_key} if s2_key else None
    builders: dict[str, Callable[[], Source]] = {
        "arxiv": lambda: arxiv.ArxivSource(
            client(agent, policy, 1, tls=tls), config.arxiv_api_url, config.arxiv_interval, policy
        ),
        "crossref": lambda: crossref.CrossrefSource(
            client(agent, policy, max(lookups.concurrency, searches.concurrency), tls=tls),
            config.crossref_api_url,
            policy,
            mailto=config.mailto,
        ),
        "openalex": lambda: openalex.OpenAlexSource(
            client(agent, policy, openalex.POLITENESS.concurrency, tls=tls),
            config.openalex_api_url,
            policy,
            mailto=config.mailto,
            api_key=env.get("OPENALEX_API_KEY"),
        ),
        "dblp": lambda: dblp.DblpSource(client(agent, policy, 1, tls=tls), config.dblp_api_url, policy),
        "page": lambda: landing.PageSource(client(agent, policy, 4, tls=tls), policy),
        "semantic_scholar": lambda: semantic_scholar.SemanticScholarSource(
            client(agent, policy, 1, s2_headers, tls=tls),
            config.semantic_scholar_api_url,
            policy,
        ),
    }
    return {name: builders[name]() for name in dict.fromkeys(names)}


SourceFactory = Callable[[Config, Policy], dict[str, Source]]


class _Progress:
    """One bar per source on a terminal (stderr), counting its answered requests."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tasks: dict[str, Any] = {}
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self.bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def add(self, label: str, count: int = 1) -> None:
        if self.bar is None:
            return
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(f"verifying: {label}", total=0)
        task = self.tasks[label]
        self.bar.update(task, total=self.bar.tasks[task].total + count)

    def advance(self, label: str) -> None:
        if self.bar is not None and label in self.tasks:
            self.bar.advance(self.tasks[label])


def page_urls(reference: Reference, config: Config) -> list[str]:
    """The paper landing pages an entry with a title links to (but not those `exclude_urls` names)."""
    if not reference.title:
        return []
    return [
        url
        for url in reference.urls
        if identifiers.PAPER_PAGE.match(url) and not any(p.search(url) for p in config.exclude_urls)
    ]


def query_of(reference: Reference) -> Query | None:
    """The search for a scholarly entry without an identifier; None for anything else."""
    if any(i.valid for i in (*reference.arxiv_ids, *reference.dois)):
        return None
    if not reference.title or not reference.authors or reference.is_organisation:
        return None
    if (reference.kind or "").lower() in _NOT_SCHOLARLY:
        return None
    if reference.urls and not any(_PAPER_HOSTS.match(url) for url in reference.urls):
        return None  # linked only to a web page, a repository, a blog
    if len(reference.title.split()) < _MIN_TITLE_WORDS or _NOT_A_TITLE.search(reference.title):
        return None
    if entry_year(reference.year) is None:
        return None  # a dated work; an undated "entry" is as often a note or an acknowledgement
    return Query(reference.title, reference.authors, entry_year(reference.year))


@dataclass
class Found:
    """What the sources say about one searched entry."""

    hit: tuple[Record, Grade] | None = None
    failed: dict[str, str] = field(default_factory=dict)  # source label → why it gave no answer
    asked: list[str] = field(default_factory=list)  # labels of the sources that answered


async def _look_up(keys: set[Key], sources: dict[str, Source], progress: _Progress) -> dict[Key, Lookup]:
    """Ask the sources about identifier `keys`."""
    found: dict[Key, Lookup] = {}
    tasks = []
    for name, src in sources.items():
        ids = sorted(k for s, k in keys if s in src.kinds)
        if not ids:
            continue
        progress.add(src.label, len(ids))

        def done(key: str, lookup: Lookup, namespace: str = name, label: str = src.label) -> None:
            found[(namespace, key)] = lookup
            progress.advance(label)

        tasks.append(src.lookup(ids, done))
    await asyncio.gather(*tasks)
    return found


async def _search(
    reference: Reference,
    query: Query,
    order: Sequence[str],
    sources: dict[str, Source],
    cache: Cache,
    progress: _Progress,
) -> Found:
    """Ask the sources in `order`, stopping at the first that has the entry's work (title and first
    author); a weaker hit is kept in case no source has better."""
    found = Found()
    for name in order:
        src = sources[name]
        namespace = f"search:{name}"
        lookup = Lookup.from_cache(cache.get(namespace, query.key), source=name)
        if lookup is None:
            progress.add(src.label)
            try:
                hit = best_hit(reference, await src.search(query))
            except Unavailable as exc:
                lookup = Lookup(Status.UNAVAILABLE, detail=exc.reason)
            else:
                if hit is None:
                    lookup = Lookup(Status.NOT_FOUND, detail="no matching work")
                else:
                    lookup = Lookup(Status.FOUND, hit[0])
            progress.advance(src.label)
            stored = lookup.cache_value()
            if stored is not None:
                cache.put(namespace, query.key, stored[0], stored[1])
        if lookup.status is Status.UNAVAILABLE:
            found.failed[src.label] = lookup.detail
            continue
        found.asked.append(src.label)
        if lookup.record is None:
            continue
        hit = best_hit(reference, [lookup.record])
        if hit is None:
            continue
        if found.hit is None or hit[1] > found.hit[1]:
            found.hit = hit
        if hit[1] is Grade.SAME:
            break
    return found


class _Builder:
    """Turns lookups into diagnostics, `resolved`, and the count of what could not be verified."""

    def __init__(self, lookups: dict[Key, Lookup], labels: Mapping[str, str], config: Config) -> None:
        self.lookups = lookups
        self.config = config
        self.labels = labels
        self.result = VerifyResult()
        self.unavailable: dict[str, set[str]] = {}  # source label → identifiers not verified
        self.unsearched: dict[str, int] = {}  # source label → entries not verified
        self.reasons: dict[str, str] = {}

    def _emit(self, path: str, span: Span, code: str, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(path, span, code, message, rules.get(code).severity))

    def _existence(self, path: str, identifier: Identifier, *, report: bool = True) -> Lookup | None:
        """Record whether `identifier` exists, report RC501; None when it could not be asked."""
        key = lookup_key(identifier)
        lookup = self.lookups.get(key, Lookup(Status.UNAVAILABLE, detail="not looked up"))
        exists = lookup.exists
        if exists is None:
            label = self.labels.get(key[0], key[0])
            self.unavailable.setdefault(label, set()).add(key[1])
            self.reasons.setdefault(label, lookup.detail)
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

    def searched(self, reference: Reference, found: Found) -> None:
        """Findings for an entry looked for by title: RC506 only when every source answered."""
        hit = found.hit
        # A near miss (a reworded title) may be the entry's very title at the source that failed: abstain.
        # An exact title with another first author is reported: the failed source would need a second
        # work of that title, by the entry's author, to make it wrong.
        if found.failed and (hit is None or hit[1] is Grade.NEAR):
            self.result.unverified_references += 1
            for label, reason in found.failed.items():
                self.unsearched[label] = self.unsearched.get(label, 0) + 1
                self.reasons.setdefault(label, reason)
            return
        span = reference.span
        if hit is None:
            names = (
                " or ".join(found.asked)
                if len(found.asked) <= 2
                else (", ".join(found.asked[:-1]) + " or " + found.asked[-1])
            )
            first = reference.authors[0] if reference.authors else "?"
            year = f", {reference.year}" if reference.year else ""
            self._emit(
                reference.path,
                span,
                "RC506",
                f'"{reference.title}" ({first}{year}) is not found by {names}: check that the work exists',
            )
            return
        record = hit[0]
        findings = compare(reference, record)
        for finding in findings:
            self._emit(reference.path, span, finding.code, finding.message)
        if not findings and record.identifiers:
            self._emit(reference.path, span, "RC507", f"found as {' / '.join(record.identifiers)}")

    def pages(self, reference: Reference) -> None:
        """An entry against the paper pages it links to (their `citation_*` meta tags)."""
        for url in page_urls(reference, self.config):
            lookup = self.lookups.get(("page", url))
            if lookup is None or lookup.exists is None:
                continue  # not fetched: the link stage checks it
            self.result.pages.add(url)
            if lookup.record is not None:
                for finding in compare(reference, lookup.record):
                    self._emit(reference.path, reference.span, finding.code, finding.message)

    def link(self, path: str, identifier: Identifier) -> None:
        if identifier.valid and self._existence(path, identifier) is None:
            self.result.unverified_references += 1

    def finish(self, requests: int) -> VerifyResult:
        self.result.requests = requests
        for label, keys in sorted(self.unavailable.items(), key=lambda item: item[0].casefold()):
            count = len(keys)
            plural = "identifier" if count == 1 else "identifiers"
            self.result.notices.append(f"{label} unavailable ({self.reasons[label]}): {count} {plural} not verified")
        for label, count in sorted(self.unsearched.items()):
            plural = "entry" if count == 1 else "entries"
            self.result.notices.append(
                f"{label} unavailable ({self.reasons[label]}): {count} {plural} not verified by title"
            )
        self.result.incomplete = bool(self.unavailable or self.unsearched)
        return self.result


async def verify_references_async(
    references: Sequence[Reference],
    link_identifiers: Sequence[tuple[str, Span, Identifier]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
    sources: SourceFactory | None = None,
) -> VerifyResult:
    """`verify_references` for callers already inside an event loop. `sources` builds the sources
    (tests and benchmarks pass their own limits); default: `make_sources`."""
    if config.offline or not config.verify:
        return VerifyResult()
    references = list(dict.fromkeys(references))  # a bibliography shared by documents: each entry once
    wanted = {lookup_key(i) for r in references for i in (*r.arxiv_ids, *r.dois) if i.valid}
    wanted |= {lookup_key(i) for _, _, i in link_identifiers if i.valid}
    wanted |= {("page", url) for r in references for url in page_urls(r, config)}
    order = search_order(config, os.environ)
    searched = [(r, q) for r in references if order and (q := query_of(r)) is not None]
    lookups: dict[Key, Lookup] = {}
    for key in wanted:
        cached = Lookup.from_cache(cache.get(*key), key)
        if cached is not None:
            lookups[key] = cached
    missing = wanted - lookups.keys()
    policy = Policy(config.timeout, config.retries, config.retry_wait, deadline)
    needed = {k[0] for k in missing} | (set(order) if searched else set())
    built = (sources or (lambda c, p: make_sources(c, p, os.environ, needed)))(config, policy)
    labels = {name: src.label for name, src in built.items()}
    outcomes: dict[str, Found] = {}
    try:
        with _Progress(progress) as bar:
            fetched = await _look_up(missing, built, bar) if missing else {}
            for key, lookup in fetched.items():
                stored = lookup.cache_value()
                if stored is not None:
                    cache.put(*key, stored[0], stored[1])
            lookups.update(fetched)
            unique = {q.key: (r, q) for r, q in searched}
            answers = await asyncio.gather(*(_search(r, q, order, built, cache, bar) for r, q in unique.values()))
            outcomes = dict(zip(unique, answers, strict=True))
    finally:
        for src in built.values():
            await src.aclose()

    builder = _Builder(lookups, labels, config)
    for reference in references:
        builder.reference(reference)
    for reference, query in searched:
        builder.searched(reference, outcomes[query.key])
    for reference in references:
        builder.pages(reference)
    for path, span, identifier in link_identifiers:
        builder.link(path, dataclasses.replace(identifier, span=span))  # RC501 sits on the link
    return builder.finish(sum(src.requests for src in built.values()))


def verify_references(
    references: Sequence[Reference],
    link_identifiers: Sequence[tuple[str, Span, Identifier]],
    config: Config,
    cache: Cache,
    *,
    deadline: float | None = None,
    progress: bool = False,
    sources: SourceFactory | None = None,
) -> VerifyResult:
    """Check each entry's valid arXiv IDs and DOIs against arXiv and Crossref, look scholarly entries
    without one up by title and authors in `verify_sources`, and check each link identifier's
    existence. `deadline` is a `time.monotonic()` value (from `timeout_total`) after which nothing new
    starts; what is left is counted unverified. Callable from synchronous code."""
    work = verify_references_async(
        references, link_identifiers, config, cache, deadline=deadline, progress=progress, sources=sources
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return eventloop.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # called from inside a loop
        return pool.submit(asyncio.run, work).result()

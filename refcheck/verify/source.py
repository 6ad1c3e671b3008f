"""The one interface every metadata source implements: look up by identifier, search by title and
authors, each behind its own client and its own politeness."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from refcheck.verify.fetch import Limiter, Policy, Unavailable
from refcheck.verify.normalise import fold
from refcheck.verify.records import Lookup, Record

MAX_CANDIDATES = 5  # search hits asked for and compared; the right work ranks first or not at all
SAFETY = 1.05
MAX_AUTHORS = 1000  # names kept per record: enough for the first author and any surname check


@dataclass(frozen=True, slots=True)
class Query:
    """What a search asks: an entry's title, its authors' surnames (first author first), its year."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None

    @property
    def key(self) -> str:
        """The cache key: folded title, first author and year (the hit kept depends on all three)."""
        first = fold(self.authors[0]) if self.authors else ""
        return f"{fold(self.title)} | {first} | {self.year or ''}"


@dataclass(frozen=True, slots=True)
class Politeness:
    """A source's published limits: requests in flight, and seconds between request starts."""

    concurrency: int
    interval: float  # as published

    @property
    def gap(self) -> float:
        """The interval kept: a little wider than published, so that network jitter never puts one
        request too many into the server's counting window."""
        return self.interval * SAFETY


class Source(Protocol):
    """A metadata source. `lookup` answers identifiers of the namespaces in `kinds` (`arxiv`,
    `crossref`); `search` raises `fetch.Unavailable` when the source gives no usable answer."""

    name: str  # the `verify_sources` name and cache namespace
    label: str  # for messages: "Crossref"
    kinds: frozenset[str]

    @property
    def requests(self) -> int: ...

    async def lookup(self, ids: Sequence[str], done: Callable[[str, Lookup], None]) -> None: ...

    async def search(self, query: Query) -> list[Record]: ...

    async def aclose(self) -> None: ...


def client(
    user_agent: str,
    policy: Policy,
    connections: int,
    headers: dict[str, str] | None = None,
    *,
    tls: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """One client per source, holding at most as many connections as the source allows in flight."""
    return httpx.AsyncClient(
        verify=tls if tls is not None else True,
        headers={"User-Agent": user_agent, **(headers or {})},
        timeout=httpx.Timeout(policy.timeout),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


def text(value: Any) -> str | None:
    """A string of an answer with its whitespace collapsed; None for a blank or anything not a string."""
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def usable(records: Sequence[Record], answered: int) -> list[Record]:
    """The records with a title; `Unavailable` when the source answered only records without one."""
    kept = [r for r in records if r.title]
    if answered and not kept:
        raise Unavailable("answer without usable records (no titles)")
    return kept


class SearchOnlySource:
    """What the sources that only search by title share (OpenAlex, DBLP, Semantic Scholar): one
    client, one base URL, one limiter, and no lookup by identifier. Subclasses set `name`, `label`,
    `politeness` (the published limits, used unless `limits` is given) and `search`."""

    name = ""
    label = ""
    kinds: frozenset[str] = frozenset()
    politeness: Politeness

    def __init__(
        self, client: httpx.AsyncClient, base_url: str, policy: Policy, *, limits: Politeness | None = None
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        limits = limits or self.politeness
        self.limiter = Limiter(limits.concurrency, limits.gap)

    @property
    def requests(self) -> int:
        return self.limiter.sent

    async def aclose(self) -> None:
        await self.client.aclose()

    async def lookup(self, ids: Sequence[str], done: Callable[[str, Lookup], None]) -> None:
        return None

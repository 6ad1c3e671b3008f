"""Crossref's REST API: `/works/{doi}` records (title, authors, dates, retractions), at most 3 at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from refcheck.verify.fetch import Answer, Limiter, Policy, Unavailable, get, json_of
from refcheck.verify.records import Lookup, Record, Status
from refcheck.verify.source import MAX_AUTHORS, MAX_CANDIDATES, Politeness, Query, text, usable

SOURCE = "Crossref"
_DATE_FIELDS = ("issued", "published-print", "published-online", "published")
_RETRACTING = {"retraction", "withdrawal", "removal"}


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return text(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _date(message: dict[str, Any], name: str) -> list[int]:
    value = message.get(name)
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    return [p for p in first if isinstance(p, int) and not isinstance(p, bool)]


def _author(author: dict[str, Any]) -> str | None:
    given, family = _first(author.get("given")), _first(author.get("family"))
    if family:
        return f"{given} {family}" if given else family
    return _first(author.get("name"))


def _retraction(message: dict[str, Any]) -> str | None:
    """The DOI of a notice retracting this work ("" when Crossref marks it retracted without one)."""
    updates = message.get("updated-by")
    for update in updates if isinstance(updates, list) else []:
        if not isinstance(update, dict):
            continue
        kind = str(update.get("type", "")).lower().replace("_", "-")
        if kind in _RETRACTING:
            return str(update.get("DOI") or "").lower()
    relations = message.get("relation")
    for relation, targets in (relations if isinstance(relations, dict) else {}).items():
        if "retract" in relation.lower() and isinstance(targets, list):
            return next((str(t.get("id", "")).lower() for t in targets if isinstance(t, dict)), "")
    title = _first(message.get("title")) or ""
    if title.lower().startswith(("retracted:", "retracted article:", "retraction:")):
        return ""
    return None


def parse_work(doi: str, message: dict[str, Any]) -> Record:
    """A Crossref work (the `message` of `/works/{doi}`) as a Record."""
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    years = sorted({d[0] for name in _DATE_FIELDS if (d := _date(message, name))})
    issued = _date(message, "issued") or _date(message, "published")
    return Record(
        source="crossref",
        identifier=doi,
        title=title,
        authors=tuple(
            name for a in _list(message.get("author"))[:MAX_AUTHORS] if isinstance(a, dict) and (name := _author(a))
        ),
        years=tuple(years),
        published="-".join(f"{p:02d}" for p in issued) if issued else None,
        retracted_by=_retraction(message),
        doi=doi,
    )


def _message(response: Answer) -> dict[str, Any] | None:
    try:
        data = json_of(response)
    except Unavailable:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, dict) else None


def politeness(mailto: str | None) -> tuple[Politeness, Politeness]:
    """Crossref's limits since December 2025, (lookups by DOI, searches): the polite pool (with a
    `mailto`) allows 3 in flight, 10 lookups or 3 searches a second; the public pool 1 and 1."""
    if mailto:
        return Politeness(3, 0.1), Politeness(3, 1 / 3)
    return Politeness(1, 1.0), Politeness(1, 1.0)


class CrossrefSource:
    """`/works/{doi}` per DOI (a 404 is confirmed with `/works/{doi}/agency`, because DOIs registered
    with DataCite or other agencies exist without a Crossref record) and `/works?query.bibliographic=`."""

    name = "crossref"
    label = SOURCE
    kinds = frozenset({"crossref"})

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        policy: Policy,
        *,
        mailto: str | None = None,
        limits: tuple[Politeness, Politeness] | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.mailto = mailto
        lookups, searches = limits or politeness(mailto)
        self.limiter = Limiter(lookups.concurrency, lookups.gap)
        self.search_limiter = Limiter(searches.concurrency, searches.gap)

    @property
    def requests(self) -> int:
        return self.limiter.sent + self.search_limiter.sent

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _get(self, path: str) -> Answer:
        params = {"mailto": self.mailto} if self.mailto else None
        return await get(self.client, f"{self.base_url}{path}", self.limiter, self.policy, params)

    async def lookup(self, ids: Sequence[str], done: Callable[[str, Lookup], None]) -> None:
        async def one(doi: str) -> None:
            done(doi, await self.lookup_doi(doi))

        await asyncio.gather(*(one(d) for d in dict.fromkeys(ids)))

    async def lookup_doi(self, doi: str) -> Lookup:
        path = f"/works/{quote(doi, safe='/')}"
        try:
            response = await self._get(path)
            if response.status_code == 404:
                return await self._agency(path)
        except Unavailable as exc:
            return Lookup(Status.UNAVAILABLE, detail=exc.reason)
        if response.status_code != 200:
            return Lookup(Status.UNAVAILABLE, detail=f"HTTP {response.status_code}")
        message = _message(response)
        if message is None:
            return Lookup(Status.UNAVAILABLE, detail="unreadable response")
        return Lookup(Status.FOUND, parse_work(doi, message))

    async def _agency(self, path: str) -> Lookup:
        response = await self._get(f"{path}/agency")
        if response.status_code == 404:
            return Lookup(Status.NOT_FOUND, detail="no DOI registration agency knows it")
        message = _message(response) if response.status_code == 200 else None
        if message is None:
            return Lookup(Status.UNAVAILABLE, detail=f"agency lookup: HTTP {response.status_code}")
        agency = message.get("agency")
        if not isinstance(agency, dict):
            agency = {}
        label = _first(agency.get("label")) or _first(agency.get("id")) or "another agency"
        return Lookup(Status.ELSEWHERE, detail=f"registered with {label}, which Crossref has no record from")

    async def search(self, query: Query) -> list[Record]:
        params = {
            "query.bibliographic": query.title,
            "rows": str(MAX_CANDIDATES),
            "select": _SELECT,
        }
        if query.authors:
            params["query.author"] = " ".join(query.authors[:3])
        if self.mailto:
            params["mailto"] = self.mailto
        response = await get(self.client, f"{self.base_url}/works", self.search_limiter, self.policy, params)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        data = json_of(response)
        message = data.get("message") if isinstance(data, dict) else None
        items = message.get("items") if isinstance(message, dict) else None
        if not isinstance(items, list):
            raise Unavailable("unreadable answer (no work list)")
        records = [
            parse_work(doi.lower(), item)
            for item in items[:MAX_CANDIDATES]
            if isinstance(item, dict) and isinstance(doi := item.get("DOI"), str) and doi.strip()
        ]
        return usable(records, len(items))


_SELECT = "DOI,title,subtitle,author,issued,published-print,published-online,published,type,update-to,relation"

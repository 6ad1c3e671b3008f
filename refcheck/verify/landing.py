"""Paper landing pages (OpenReview, ACL Anthology, PMLR, NeurIPS, CVF, AAAI): the work a page shows,
read from its Highwire `citation_*` meta tags, so that an entry linking to another paper is RC502."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx

from refcheck.verify.fetch import Pacer, Policy, Unavailable, get
from refcheck.verify.records import Lookup, Record, Status
from refcheck.verify.source import MAX_AUTHORS

SOURCE = "paper pages"
HEAD_BYTES = 512 * 1024  # the meta tags sit in the head; the rest of a page is not read
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_WANTED = {
    "citation_title",
    "citation_author",
    "citation_date",
    "citation_publication_date",
    "citation_online_date",
    "citation_year",
    "citation_doi",
    "citation_arxiv_id",
}


class _Meta(HTMLParser):
    """`citation_*` meta tags, up to the body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, list[str]] = {}
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        if tag != "meta" or self.done:
            return
        values = {k.lower(): v for k, v in attrs if v is not None}
        name = values.get("name", values.get("property", "")).lower()
        content = " ".join(values.get("content", "").split())
        if name in _WANTED and content and len(self.tags.get(name, ())) < MAX_AUTHORS:
            self.tags.setdefault(name, []).append(content)


def _display(name: str) -> str:
    """`Vaswani, Ashish` → `Ashish Vaswani`."""
    if name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
        return f"{given} {family}" if given else family
    return name


def parse_page(url: str, body: bytes) -> Record | None:
    """The work a landing page shows; None without a `citation_title`."""
    parser = _Meta()
    text = body[:HEAD_BYTES].decode("utf-8", errors="replace")
    for start in range(0, len(text), 65536):
        if parser.done:
            break
        parser.feed(text[start : start + 65536])
    tags = parser.tags
    title = next(iter(tags.get("citation_title", [])), None)
    if not title:
        return None
    dates = [
        d
        for name in ("citation_publication_date", "citation_date", "citation_online_date", "citation_year")
        for d in tags.get(name, [])
    ]
    years = sorted({int(m.group(1)) for d in dates if (m := _YEAR.search(d))})
    doi = next(iter(tags.get("citation_doi", [])), None)
    return Record(
        source="page",
        identifier=url,
        title=title,
        authors=tuple(_display(a) for a in tags.get("citation_author", [])),
        years=tuple(years),
        published=dates[0] if dates else None,
        doi=doi.lower() if doi else None,
        arxiv=next(iter(tags.get("citation_arxiv_id", [])), None),
    )


class PageSource:
    """GETs landing pages, one at a time per host and a second apart (they are publishers' web sites)."""

    name = "page"
    label = SOURCE
    kinds = frozenset({"page"})

    def __init__(self, client: httpx.AsyncClient, policy: Policy, interval: float = 1.0) -> None:
        self.client = client
        self.policy = policy
        self.interval = interval
        self.pacers: dict[str, Pacer] = {}

    @property
    def requests(self) -> int:
        return sum(p.sent for p in self.pacers.values())

    async def aclose(self) -> None:
        await self.client.aclose()

    async def search(self, query: object) -> list[Record]:
        return []

    async def lookup(self, ids: Sequence[str], done: Callable[[str, Lookup], None]) -> None:
        async def one(url: str) -> None:
            done(url, await self.page(url))

        await asyncio.gather(*(one(u) for u in dict.fromkeys(ids)))

    async def page(self, url: str) -> Lookup:
        host = (urlsplit(url).hostname or "").lower()
        pacer = self.pacers.setdefault(host, Pacer(self.interval))
        try:
            response = await get(self.client, url, pacer, self.policy)
        except Unavailable as exc:
            return Lookup(Status.UNAVAILABLE, detail=exc.reason)
        if response.status_code != 200:
            return Lookup(Status.UNAVAILABLE, detail=f"HTTP {response.status_code}")
        record = parse_page(url, response.content)
        if record is None:
            return Lookup(Status.NOT_FOUND, detail="no citation_title meta tag")
        return Lookup(Status.FOUND, record)

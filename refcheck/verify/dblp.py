"""DBLP: `/search/publ/api?q=…&format=json`, at most one request a second."""

from __future__ import annotations

import html
import re
from typing import Any

from refcheck.verify.fetch import Unavailable, get, json_of
from refcheck.verify.records import Record
from refcheck.verify.source import MAX_AUTHORS, MAX_CANDIDATES, Politeness, Query, SearchOnlySource, text, usable

SOURCE = "DBLP"
POLITENESS = Politeness(concurrency=1, interval=1.0)
_HOMONYM = re.compile(r"\s+\d{4}$")  # "Jingbo Wang 0003": DBLP's number for one of several namesakes
_ARXIV_URL = re.compile(r"arxiv\.org/abs/([^\s?#]+?)(?:v\d+)?$", re.IGNORECASE)
_QUERY_BREAK = re.compile(r"[^\w\s'-]+")  # DBLP reads `|`, `$`, `*` and others as operators


def _text(value: Any) -> str | None:
    return text(html.unescape(value)) if isinstance(value, str) else None


def author_name(value: Any) -> str | None:
    """A DBLP author (`{"@pid", "text"}` or a string) without its homonym number."""
    name = _text(value.get("text") if isinstance(value, dict) else value)
    return _HOMONYM.sub("", name) if name else None


def parse_hit(hit: dict[str, Any]) -> Record | None:
    info = hit.get("info")
    if not isinstance(info, dict):
        return None
    key = _text(info.get("key")) or _text(hit.get("@id"))
    if not key:
        return None
    authors = info.get("authors")
    listed = authors.get("author") if isinstance(authors, dict) else None
    if not isinstance(listed, list):
        listed = [listed] if listed else []  # one author: an object, not a list
    title = _text(info.get("title"))
    year = _text(info.get("year"))
    ee = info.get("ee")
    links = ee if isinstance(ee, list) else [ee]
    arxiv = next((m.group(1) for e in links if isinstance(e, str) and (m := _ARXIV_URL.search(e))), None)
    doi = _text(info.get("doi"))
    informal = info.get("type") == "Informal and Other Publications"
    return Record(
        source="dblp",
        identifier=key,
        title=title.removesuffix(".") if title else None,
        authors=tuple(n for a in listed[:MAX_AUTHORS] if (n := author_name(a))),
        years=(int(year),) if year and year.isdigit() else (),
        published=year if year and year.isdigit() else None,
        doi=doi.lower() if doi and not doi.lower().startswith("10.48550/") else None,
        arxiv=arxiv,
        preprint=informal and arxiv is not None,
    )


class DblpSource(SearchOnlySource):
    """Title search only."""

    name = "dblp"
    label = SOURCE
    politeness = POLITENESS

    async def search(self, query: Query) -> list[Record]:
        words = _QUERY_BREAK.sub(" ", query.title).split()
        params = {"q": " ".join(words), "format": "json", "h": str(MAX_CANDIDATES)}
        url = f"{self.base_url}/search/publ/api"
        response = await get(self.client, url, self.limiter, self.policy, params)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        data = json_of(response)
        result = data.get("result") if isinstance(data, dict) else None
        hits = result.get("hits") if isinstance(result, dict) else None
        if not isinstance(hits, dict):
            raise Unavailable("unreadable answer (no hits)")
        listed = hits.get("hit", [])
        if not isinstance(listed, list):
            listed = [listed]
        records = [r for h in listed[:MAX_CANDIDATES] if isinstance(h, dict) and (r := parse_hit(h))]
        return usable(records, len(listed))

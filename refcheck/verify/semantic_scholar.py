"""Semantic Scholar: `/graph/v1/paper/search/match?query=…` (its single best title match); at most one
request a second without an API key."""

from __future__ import annotations

from typing import Any

from refcheck.verify.fetch import Unavailable, get, json_of
from refcheck.verify.records import Record
from refcheck.verify.source import MAX_AUTHORS, Politeness, Query, SearchOnlySource, text, usable

SOURCE = "Semantic Scholar"
POLITENESS = Politeness(concurrency=1, interval=1.0)  # with an introductory key as without
_FIELDS = "title,authors,year,publicationDate,externalIds,publicationTypes"


def parse_paper(paper: dict[str, Any]) -> Record | None:
    identifier = text(paper.get("paperId"))
    if not identifier:
        return None
    ids = paper.get("externalIds")
    ids = ids if isinstance(ids, dict) else {}
    doi, arxiv = text(ids.get("DOI")), text(ids.get("ArXiv"))
    authors = paper.get("authors")
    year = paper.get("year")
    return Record(
        source="semantic_scholar",
        identifier=identifier,
        title=text(paper.get("title")),
        authors=tuple(
            n
            for a in (authors[:MAX_AUTHORS] if isinstance(authors, list) else [])
            if isinstance(a, dict) and (n := text(a.get("name")))
        ),
        years=(year,) if type(year) is int else (),
        published=text(paper.get("publicationDate")),
        doi=doi.lower() if doi and not doi.lower().startswith("10.48550/") else None,
        arxiv=arxiv,
    )


class SemanticScholarSource(SearchOnlySource):
    """Title match only."""

    name = "semantic_scholar"
    label = SOURCE
    politeness = POLITENESS

    async def search(self, query: Query) -> list[Record]:
        params = {"query": query.title, "fields": _FIELDS}
        url = f"{self.base_url}/graph/v1/paper/search/match"
        response = await get(self.client, url, self.limiter, self.policy, params)
        if response.status_code == 404:
            return []  # {"error": "Title match not found"}
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        data = json_of(response)
        papers = data.get("data") if isinstance(data, dict) else None
        if not isinstance(papers, list):
            raise Unavailable("unreadable answer (no data list)")
        records = [r for p in papers[:1] if isinstance(p, dict) and (r := parse_paper(p))]
        return usable(records, len(papers))

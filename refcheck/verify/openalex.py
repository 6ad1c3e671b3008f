"""OpenAlex: `/works?filter=title.search:…` (titles, authorships, years, DOIs), polite pool with `mailto`."""

from __future__ import annotations

import re
from typing import Any

import httpx

from refcheck.identifiers import doi_arxiv_id
from refcheck.verify.fetch import Policy, Unavailable, get, json_of
from refcheck.verify.records import Record
from refcheck.verify.source import MAX_AUTHORS, MAX_CANDIDATES, Politeness, Query, SearchOnlySource, text, usable

SOURCE = "OpenAlex"
POLITENESS = Politeness(concurrency=1, interval=0.1)  # 10 a second, as OpenAlex publishes
_FILTER_BREAK = re.compile(r"[,|:]+")  # `,` separates filters and `|` ORs values: not part of a title


def _doi(value: Any) -> str | None:
    doi = text(value)
    if not doi:
        return None
    return re.sub(r"^https?://(?:dx\.)?doi\.org/", "", doi, flags=re.IGNORECASE).lower()


def parse_work(work: dict[str, Any]) -> Record | None:
    """An OpenAlex work object as a Record; None without an id."""
    identifier = text(work.get("id"))
    if not identifier:
        return None
    doi = _doi(work.get("doi"))
    arxiv = doi_arxiv_id(doi) if doi else None
    authorships = work.get("authorships")
    names = []
    for authorship in authorships[:MAX_AUTHORS] if isinstance(authorships, list) else []:
        author = authorship.get("author") if isinstance(authorship, dict) else None
        name = text(author.get("display_name")) if isinstance(author, dict) else None
        if name is None and isinstance(authorship, dict):
            name = text(authorship.get("raw_author_name"))
        if name:
            names.append(name)
    year = work.get("publication_year")
    return Record(
        source="openalex",
        identifier=identifier.rsplit("/", 1)[-1],
        title=text(work.get("title")) or text(work.get("display_name")),
        authors=tuple(names),
        years=(year,) if type(year) is int else (),
        published=text(work.get("publication_date")),
        doi=None if arxiv else doi,
        arxiv=arxiv,
        preprint=work.get("type") == "preprint",
    )


class OpenAlexSource(SearchOnlySource):
    """Title search only (identifiers are looked up at arXiv and Crossref)."""

    name = "openalex"
    label = SOURCE
    politeness = POLITENESS

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        policy: Policy,
        *,
        mailto: str | None = None,
        api_key: str | None = None,
        limits: Politeness | None = None,
    ) -> None:
        super().__init__(client, base_url, policy, limits=limits)
        self.extra = {k: v for k, v in (("mailto", mailto), ("api_key", api_key)) if v}

    async def search(self, query: Query) -> list[Record]:
        title = " ".join(_FILTER_BREAK.sub(" ", query.title).split())
        params = {"filter": f"title.search:{title}", "per-page": str(MAX_CANDIDATES), **self.extra}
        response = await get(self.client, f"{self.base_url}/works", self.limiter, self.policy, params)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        data = json_of(response)
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise Unavailable("unreadable answer (no results list)")
        records = [r for w in results[:MAX_CANDIDATES] if isinstance(w, dict) and (r := parse_work(w))]
        return usable(records, len(results))

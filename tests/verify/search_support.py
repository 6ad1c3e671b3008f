"""Settings and sources for the title-search tests: the stand-in's URLs, and sources without pauses
(politeness has its own tests; the rest of the suite should not wait for it)."""

from __future__ import annotations

from typing import Any

from search_standin import Standin
from verify_support import PATH

from refcheck.config import Config
from refcheck.model import Reference, ReferenceSource, Span
from refcheck.names import normalise_surname
from refcheck.verify import arxiv, crossref, dblp, landing, openalex, semantic_scholar
from refcheck.verify.fetch import Policy
from refcheck.verify.source import Politeness, Source, client


def standin_config(standin: Standin, **changes: object) -> Config:
    base = Config(
        arxiv_api_url=standin.url("arxiv"),
        crossref_api_url=standin.url("crossref"),
        openalex_api_url=standin.url("openalex"),
        dblp_api_url=standin.url("dblp"),
        semantic_scholar_api_url=standin.url("semantic_scholar"),
        arxiv_interval=0.0,
        timeout=5.0,
        retries=1,
        retry_wait=0.01,
        mailto="tests@example.org",
    )
    return base.replace(**changes)


def fast_sources(config: Config, policy: Policy) -> dict[str, Source]:
    """Every source against the stand-in, 4 requests in flight and no pause between them."""
    free = Politeness(4, 0.0)
    agent = "refcheck-tests"
    return {
        "arxiv": arxiv.ArxivSource(client(agent, policy, 1), config.arxiv_api_url, 0.0, policy),
        "crossref": crossref.CrossrefSource(
            client(agent, policy, 4), config.crossref_api_url, policy, mailto=config.mailto, limits=(free, free)
        ),
        "openalex": openalex.OpenAlexSource(client(agent, policy, 4), config.openalex_api_url, policy, limits=free),
        "dblp": dblp.DblpSource(client(agent, policy, 4), config.dblp_api_url, policy, limits=free),
        "page": landing.PageSource(client(agent, policy, 4), policy, interval=0.0),
        "semantic_scholar": semantic_scholar.SemanticScholarSource(
            client(agent, policy, 4), config.semantic_scholar_api_url, policy, limits=free
        ),
    }


def entry(
    title: str,
    authors: list[str] | tuple[str, ...],
    year: int | str | None,
    *,
    line: int = 7,
    kind: str | None = None,
    **changes: Any,
) -> Reference:
    """A list entry as the parser gives it: surnames only, first author first."""
    surnames = tuple(s for a in authors if (s := normalise_surname(a.split()[-1] if " " in a else a)))
    return Reference(
        source=ReferenceSource.LIST,
        span=Span(line, 3, line, 90),
        text=f"entry on line {line}",
        path=PATH,
        authors=surnames,
        year=str(year) if year is not None else None,
        title=title,
        kind=kind,
        **changes,
    )

"""Each source's published limits, measured on the stand-in's side with the sources refcheck builds:
Crossref's December 2025 pools, DBLP and keyless Semantic Scholar at 1 a second, arXiv's interval,
and a 429's Retry-After. Only lower bounds are asserted (a gap at least the interval), never timings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from search_standin import Standin, load_records
from search_support import entry, standin_config

from refcheck.cache import Cache
from refcheck.verify import verify_references

SLACK = 0.98  # clock granularity between the client's and the server's monotonic readings


@pytest.fixture
def standin() -> Iterator[Standin]:
    with Standin() as server:
        yield server


def _entries(count: int, source: str) -> list[object]:
    """Real works `source` holds, each its own search."""
    holder = Standin.__new__(Standin)
    records = [r for r in load_records() if Standin.holds(holder, source, r)][:count]
    return [entry(r["title"], r["authors"], r["year"], line=n + 1) for n, r in enumerate(records)]


def _run(standin: Standin, cache: Cache, source: str, count: int, **changes: object) -> None:
    config = standin_config(standin, verify_sources=(source,), **changes)
    result = verify_references(_entries(count, source), [], config, cache)  # type: ignore[arg-type]
    assert not result.incomplete, result.notices


def test_crossref_polite_pool_three_in_flight_three_searches_a_second(standin: Standin, cache: Cache) -> None:
    standin.window["crossref"] = (3, 1.0)  # Crossref counts requests per second
    standin.delay = 0.5  # slower than the rate: concurrency would pile up if it were not capped
    _run(standin, cache, "crossref", 7)
    assert standin.violations["crossref"] == 0
    times = [h.at for h in standin.requests("crossref")]
    assert all(b - a >= SLACK for a, b in zip(times, times[3:], strict=False)), times
    assert standin.max_in_flight["crossref"] <= 3
    assert all("mailto" in h.query for h in standin.requests("crossref"))


def test_crossref_without_mailto_one_at_a_time_one_a_second(standin: Standin, cache: Cache) -> None:
    standin.min_gap["crossref"] = 1.0
    _run(standin, cache, "crossref", 3, mailto=None)
    assert standin.violations["crossref"] == 0 and standin.max_in_flight["crossref"] == 1
    assert all(gap >= SLACK for gap in standin.gaps("crossref")), standin.gaps("crossref")


@pytest.mark.parametrize("source", ["dblp", "semantic_scholar"])
def test_dblp_and_keyless_semantic_scholar_one_a_second(
    standin: Standin, cache: Cache, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)
    standin.min_gap[source] = 1.0
    _run(standin, cache, source, 3)
    assert standin.violations[source] == 0 and standin.max_in_flight[source] == 1
    assert all(gap >= SLACK for gap in standin.gaps(source)), standin.gaps(source)


def test_arxiv_search_keeps_arxiv_interval(standin: Standin, cache: Cache) -> None:
    standin.min_gap["arxiv"] = 0.5
    _run(standin, cache, "arxiv", 3, arxiv_interval=0.5)
    assert standin.violations["arxiv"] == 0 and standin.max_in_flight["arxiv"] == 1


def test_a_429_retry_after_is_honoured_before_the_next_request(standin: Standin, cache: Cache) -> None:
    standin.min_gap["dblp"] = 1.5  # stricter than DBLP's published 1 a second: the second request gets 429
    standin.retry_after = 2
    _run(standin, cache, "dblp", 2, retries=2)
    gaps = standin.gaps("dblp")
    assert standin.violations["dblp"] == 1  # only the first early request; the retry waited
    assert len(gaps) == 2 and gaps[1] >= 2 * SLACK, gaps


def test_the_keys_and_contact_are_sent(standin: Standin, cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENALEX_API_KEY", "oa-key")
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", "s2-key")
    _run(standin, cache, "openalex", 1)
    [hit] = standin.requests("openalex")
    assert hit.query["api_key"] == ["oa-key"] and hit.query["mailto"] == ["tests@example.org"]

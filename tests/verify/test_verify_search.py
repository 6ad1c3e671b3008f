"""Entries without an identifier, looked up by title and authors in the sources of `verify_sources`:
outcomes with their exact messages, what is not searched, abstention when a source fails, the cache,
and each source's parsing of its recorded search answers."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_standin import Standin
from search_support import entry, fast_sources, standin_config
from verify_support import identifier

from refcheck.cache import Cache
from refcheck.model import IdentifierKind
from refcheck.verify import VerifyResult, verify_references
from refcheck.verify.fetch import Policy
from refcheck.verify.records import Record
from refcheck.verify.source import Query

SEARCH = Path(__file__).resolve().parents[1] / "fixtures" / "api" / "search"
GREEN = "A Complexity-theoretic Analysis of Green Pickup-and-Delivery Problems"  # Crossref has it
GREEN_AUTHORS = ["Xing Tan", "Jimmy Xiangji Huang"]
GREEN_DOI = "10.1609/aaai.v35i13.17424"
GENOMES = "A generative nonparametric Bayesian model for whole genomes"  # NeurIPS: no DOI
GENOMES_AUTHORS = ["Alan Nawzad Amin", "Eli N. Weinstein", "Debora S. Marks"]
GREEN_RECORD = f'"{GREEN}" by Xing Tan, Jimmy Xiangji Huang (2021)'


@pytest.fixture
def standin() -> Iterator[Standin]:
    with Standin() as server:
        yield server


def run(standin: Standin, cache: Cache, *entries: object, **changes: object) -> VerifyResult:
    return verify_references(list(entries), [], standin_config(standin, **changes), cache, sources=fast_sources)  # type: ignore[arg-type]


def found(result: VerifyResult) -> list[tuple[int, int, str, str]]:
    return [(d.span.line, d.span.column, d.code, d.message) for d in result.diagnostics]


# ---- outcomes ------------------------------------------------------------------------------------------


def test_a_real_work_without_identifier_is_found_and_its_identifier_offered(standin: Standin, cache: Cache) -> None:
    result = run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021))
    assert found(result) == [(7, 3, "RC507", f"found as doi:{GREEN_DOI}")]
    assert [h.source for h in standin.hits] == ["crossref"]  # the first confident match ends the search
    assert result.notices == [] and not result.incomplete


def test_sources_are_asked_in_order_until_one_has_the_work(standin: Standin, cache: Cache) -> None:
    result = run(standin, cache, entry(GENOMES, GENOMES_AUTHORS, 2021))
    assert found(result) == []  # OpenAlex has it, without a DOI or arXiv ID to offer
    assert [h.source for h in standin.hits] == ["crossref", "openalex"]


def test_other_authors_are_rc503(standin: Standin, cache: Cache) -> None:
    result = run(standin, cache, entry(GREEN, ["Geoffrey Hinton"], 2021))
    assert found(result) == [
        (7, 3, "RC503", f'first author "hinton" is not among the authors of doi:{GREEN_DOI}: {GREEN_RECORD}')
    ]


@pytest.mark.parametrize("year", [2018, 2024])
def test_another_year_either_way_is_rc504(standin: Standin, cache: Cache, year: int) -> None:
    result = run(standin, cache, entry(GREEN, GREEN_AUTHORS, year))
    assert found(result) == [(7, 3, "RC504", f"year {year} differs from the record of doi:{GREEN_DOI}, published 2021")]


def test_a_near_miss_title_by_the_same_authors_is_rc502(standin: Standin, cache: Cache) -> None:
    near = GREEN.replace("Problems", "Schedules")
    result = run(standin, cache, entry(near, GREEN_AUTHORS, 2021))
    assert found(result) == [(7, 3, "RC502", f"title differs from the record of doi:{GREEN_DOI}: {GREEN_RECORD}")]


def test_a_work_no_source_knows_is_rc506(standin: Standin, cache: Cache) -> None:
    title = "Neural Tangent Bandits for Sparse Reward Exploration in Graph Games"
    result = run(standin, cache, entry(title, ["Jane Smith"], 2022))
    assert found(result) == [
        (
            7,
            3,
            "RC506",
            f'"{title}" (smith, 2022) is not found by Crossref, OpenAlex, DBLP or arXiv API: '
            "check that the work exists",
        )
    ]
    assert {h.source for h in standin.hits} == {"crossref", "openalex", "dblp", "arxiv"}
    assert not result.incomplete


@pytest.mark.parametrize("down", ["crossref", "openalex", "dblp", "arxiv"])
def test_a_source_that_fails_leaves_the_entry_unverified_never_rc506(standin: Standin, cache: Cache, down: str) -> None:
    standin.down.add(down)
    title = "Neural Tangent Bandits for Sparse Reward Exploration in Graph Games"
    result = run(standin, cache, entry(title, ["Jane Smith"], 2022))
    label = {"crossref": "Crossref", "openalex": "OpenAlex", "dblp": "DBLP", "arxiv": "arXiv API"}[down]
    assert found(result) == []
    assert result.notices == [f"{label} unavailable (HTTP 503 after 1 retry): 1 entry not verified by title"]
    assert result.incomplete and result.unverified_references == 1


def test_a_near_miss_is_not_reported_while_a_source_failed_but_other_authors_are(
    standin: Standin, cache: Cache
) -> None:
    standin.down.add("dblp")
    near = entry(GREEN.replace("Problems", "Schedules"), GREEN_AUTHORS, 2021, line=3)
    result = run(standin, cache, near, entry(GREEN, ["Geoffrey Hinton"], 2021, line=9))
    assert [(line, code) for line, _, code, _ in found(result)] == [(9, "RC503")]
    assert result.unverified_references == 1
    assert result.notices == ["DBLP unavailable (HTTP 503 after 1 retry): 1 entry not verified by title"]


def test_a_source_that_fails_does_not_matter_once_another_has_the_work(standin: Standin, cache: Cache) -> None:
    standin.down.add("crossref")
    result = run(standin, cache, entry(GENOMES, GENOMES_AUTHORS, 2021))
    assert found(result) == [] and not result.incomplete and result.notices == []


def test_verify_sources_chooses_and_orders_the_sources(standin: Standin, cache: Cache) -> None:
    run(standin, cache, entry(GENOMES, GENOMES_AUTHORS, 2021), verify_sources=("dblp", "crossref"))
    assert [h.source for h in standin.hits] == ["dblp"]


# ---- what is searched ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "online"},
        {"kind": "software"},
        {"kind": "dataset"},
        {"kind": "phdthesis"},
        {"kind": "techreport"},
        {"year": None},  # an undated "entry" is as often a note or an acknowledgement
        {"is_organisation": True},
        {"urls": ("https://github.com/jane/bandits", "https://jane.example.org/blog/bandits")},
        {"dois": (identifier(IdentifierKind.DOI, "10.9999/other.1"),)},
    ],
)
def test_web_pages_software_datasets_and_identified_entries_are_not_searched(
    standin: Standin, cache: Cache, changes: dict[str, object]
) -> None:
    base = entry("Neural Tangent Bandits for Sparse Reward Exploration", ["Jane Smith"], 2022)
    run(standin, cache, dataclasses.replace(base, **changes))
    assert [h.path for h in standin.hits if h.path.endswith("/works") or "search" in h.path] == []


def test_a_title_with_a_link_left_in_is_not_searched(standin: Standin, cache: Cache) -> None:
    # as a .bib of the corpus writes it: title = {\href{https://scholar.google.com/…}{Optimal classifier…}}
    title = r"\hrefhttps://scholar.google.com/scholar?q=Optimal+classifier+selectionOptimal classifier selection"
    run(standin, cache, entry(title, ["Boulesteix"], 2009))
    assert standin.hits == []


def test_an_entry_linked_to_a_paper_page_is_searched(standin: Standin, cache: Cache) -> None:
    paper = entry(
        GREEN, GREEN_AUTHORS, 2021, urls=("https://ojs.aaai.org/index.php/AAAI/article/download/17424/17231",)
    )
    assert found(run(standin, cache, paper)) == [(7, 3, "RC507", f"found as doi:{GREEN_DOI}")]


def test_an_entry_without_authors_or_with_a_two_word_title_is_not_searched(standin: Standin, cache: Cache) -> None:
    run(
        standin,
        cache,
        entry("Neural Tangent Bandits for Sparse Reward Exploration", [], 2022),
        entry("Deep Learning", ["LeCun"], 2015),
    )
    assert standin.hits == []


def test_one_search_per_work_named_twice(standin: Standin, cache: Cache) -> None:
    result = run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021, line=3), entry(GREEN, GREEN_AUTHORS, 2021, line=9))
    assert [d.span.line for d in result.diagnostics] == [3, 9]
    assert len(standin.hits) == 1


# ---- the cache -----------------------------------------------------------------------------------------


def test_answers_are_cached_found_for_30_days_not_found_for_1_day(
    standin: Standin, cache: Cache, tmp_path: Path
) -> None:
    missing = entry("Neural Tangent Bandits for Sparse Reward Exploration in Graph Games", ["Jane Smith"], 2022)
    first = run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021), missing)
    asked = len(standin.hits)
    again = run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021), missing)
    assert found(again) == found(first) and len(standin.hits) == asked and again.requests == 0
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        rows = db.execute("SELECT namespace, expires FROM entries").fetchall()
    ttls = {(namespace, round((expires - time.time()) / 3600)) for namespace, expires in rows}
    assert ("search:crossref", 30 * 24) in ttls  # hours
    assert ("search:arxiv", 24) in ttls


# ---- recorded answers, parsed --------------------------------------------------------------------------


def _search(standin: Standin, source: str, path: str, status: int = 200) -> list[Record]:
    standin.bodies[source] = (status, (SEARCH / path).read_bytes(), {"Content-Type": "application/json"})
    config = standin_config(standin)

    async def ask() -> list[Record]:
        sources = fast_sources(config, Policy(5.0, 0, 0.01, None))
        try:
            return await sources[source].search(Query("Augmenting large language models with chemistry tools"))
        finally:
            for s in sources.values():
                await s.aclose()

    return asyncio.run(ask())


def test_recorded_crossref_search_answer(standin: Standin) -> None:
    [record] = _search(
        standin, "crossref", "crossref/query-title-augmenting-large-language-models-with-chemistry-tools.json"
    )
    assert (record.doi, record.title, record.years) == (
        "10.1038/s42256-024-00832-8",
        "Augmenting large language models with chemistry tools",
        (2024,),
    )
    assert record.authors[:2] == ("Andres M. Bran", "Sam Cox")


def test_recorded_openalex_answer_holds_the_journal_version_and_the_renamed_preprint(standin: Standin) -> None:
    journal, preprint = _search(
        standin, "openalex", "openalex/filter-title-search-augmenting-large-language-models-with-chemistry-tools.json"
    )
    assert journal.doi == "10.1038/s42256-024-00832-8" and not journal.preprint
    assert (preprint.arxiv, preprint.preprint, preprint.label) == ("2304.05376", True, "arXiv:2304.05376")
    assert preprint.title == "ChemCrow: Augmenting large-language models with chemistry tools"


def test_recorded_dblp_answer_drops_closing_periods_and_reads_entities(standin: Standin) -> None:
    records = _search(standin, "dblp", "dblp/search-publ-black-holes.json")
    assert len(records) == 5
    assert records[0].title == (
        "Entropy of Iterated Function Systems and Their Relations with Black Holes and Bohr-Like Black Holes Entropies"
    )
    assert records[0].doi == "10.3390/e20010056" and records[0].years == (2018,)


def test_recorded_semantic_scholar_answers(standin: Standin) -> None:
    [paper] = _search(standin, "semantic_scholar", "semantic-scholar/match-attention-is-all-you-need.json")
    assert (paper.title, paper.arxiv, paper.doi, paper.authors[1]) == (
        "Attention is All you Need",
        "1706.03762",
        None,
        "Noam M. Shazeer",
    )
    assert _search(standin, "semantic_scholar", "semantic-scholar/match-askldjrq3rjaw938h-404.json", 404) == []


def test_recorded_crossref_empty_answer_is_no_hit(standin: Standin) -> None:
    assert _search(standin, "crossref", "crossref/query-title-askldjrq3rjaw938h-empty.json") == []


def test_recorded_arxiv_search_feed(standin: Standin) -> None:
    standin.bodies["arxiv"] = (
        200,
        (SEARCH / "arxiv/search-au-del_maestro-and-ti-quantum-criticality.xml").read_bytes(),
        {"Content-Type": "application/atom+xml"},
    )
    config = standin_config(standin)

    async def ask() -> list[Record]:
        sources = fast_sources(config, Policy(5.0, 0, 0.01, None))
        try:
            return await sources["arxiv"].search(Query("Quantum criticality on a Bethe lattice"))
        finally:
            for s in sources.values():
                await s.aclose()

    records = asyncio.run(ask())
    assert [r.arxiv for r in records] == ["1111.2011", "cond-mat/0607501"]
    assert records[0].preprint and records[0].label == "arXiv:1111.2011"


# ---- progress ------------------------------------------------------------------------------------------


def test_one_progress_bar_per_source(standin: Standin, cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    from refcheck.verify import stage

    bars: list[stage._Progress] = []
    original = stage._Progress.__enter__

    def keep(self: stage._Progress) -> stage._Progress:
        bars.append(self)
        return original(self)

    monkeypatch.setattr(stage._Progress, "__enter__", keep)
    title = "Neural Tangent Bandits for Sparse Reward Exploration in Graph Games"
    config = standin_config(standin)
    verify_references([entry(title, ["Jane Smith"], 2022)], [], config, cache, progress=True, sources=fast_sources)
    [bar] = bars
    shown = {
        bar.bar.tasks[task].description: (bar.bar.tasks[task].completed, bar.bar.tasks[task].total)
        for task in bar.tasks.values()
    }
    assert shown == {f"verifying: {label}": (1, 1) for label in ("Crossref", "OpenAlex", "DBLP", "arXiv API")}


@pytest.mark.parametrize(
    "row",
    [
        {"format": 2, "status": "found", "detail": ""},  # found without its record
        {"format": 2, "status": "not-found", "detail": 5},
        {"format": 1, "status": "not-found", "detail": ""},  # an older layout
        "not a row",
    ],
)
def test_a_search_row_of_another_shape_is_asked_again(standin: Standin, cache: Cache, row: object) -> None:
    key = "a complexity theoretic analysis of green pickup and delivery problems | tan | 2021"
    cache.put("search:crossref", key, row, 3600)  # type: ignore[arg-type]
    result = run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021))
    assert found(result) == [(7, 3, "RC507", f"found as doi:{GREEN_DOI}")]
    assert [h.source for h in standin.hits] == ["crossref"]


def test_a_cached_record_of_another_source_is_not_taken(standin: Standin, cache: Cache) -> None:
    from refcheck.verify.records import Lookup, Status

    key = "a complexity theoretic analysis of green pickup and delivery problems | tan | 2021"
    stranger = Record("dblp", "conf/x/y", GREEN, ("Xing Tan",), (2021,), "2021", doi="10.9999/wrong")
    value, _ = Lookup(Status.FOUND, stranger).cache_value()  # type: ignore[misc]
    cache.put("search:crossref", key, value, 3600)
    assert found(run(standin, cache, entry(GREEN, GREEN_AUTHORS, 2021))) == [
        (7, 3, "RC507", f"found as doi:{GREEN_DOI}")
    ]


def test_the_run_s_time_limit_leaves_searches_unverified(standin: Standin, cache: Cache) -> None:
    title = "Neural Tangent Bandits for Sparse Reward Exploration in Graph Games"
    config = standin_config(standin)
    result = verify_references(
        [entry(title, ["Jane Smith"], 2022)], [], config, cache, deadline=time.monotonic() - 1, sources=fast_sources
    )
    assert found(result) == [] and result.incomplete and standin.hits == []
    assert result.notices[0] == "Crossref unavailable (time limit reached): 1 entry not verified by title"

"""The metadata stage end to end, against a loopback server replaying recorded API responses."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time

import pytest
from verify_replay import Fault, Paper, ReplayServer, read_fixture
from verify_support import PATH, identifier, reference, settings

from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.model import IdentifierKind, Severity, Span
from refcheck.verify import VerifyResult, verify_references, verify_references_async

AEW10 = "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"


def config_for(server: ReplayServer, **changes: object) -> Config:
    return settings(server.url("arxiv"), server.url("crossref"), **changes)


def codes(result: VerifyResult) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.span.line, d.span.column, d.path) for d in result.diagnostics]


# ---- arXiv ----------------------------------------------------------------------------------------------


def test_matching_arxiv_entry_is_verified(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(arxiv="1707.08567", title=AEW10, authors=("schouhamer immink", "baggen"), year="2017")
    result = verify_references([entry], [], config_for(replay), cache)
    assert result.diagnostics == []
    assert result.resolved == {(IdentifierKind.ARXIV, "1707.08567"): True}
    assert not result.incomplete and result.unverified_references == 0
    assert result.requests == 1
    assert replay.requests("arxiv")[0].query == {"id_list": ["1707.08567"], "max_results": ["1"]}


@pytest.mark.parametrize(
    ("title", "authors", "year", "code", "severity", "in_message"),
    [
        (
            "Attention is all you need",
            ("immink",),
            "2017",
            "RC502",
            Severity.ERROR,
            [f'"{AEW10}"', "Kees A. Schouhamer Immink, Stan Baggen, Ferdaous Chaabane and 31 others (2017)"],
        ),
        (
            AEW10,
            ("vaswani",),
            "2017",
            "RC503",
            Severity.ERROR,
            ['first author "vaswani"', "Kees A. Schouhamer Immink", "arXiv:1707.08567"],
        ),
        (
            AEW10,
            ("immink",),
            "2015",
            "RC504",
            Severity.WARNING,
            ["year 2015", "first version was submitted on 2017-07-27"],
        ),
        (
            "Attention is all you need",
            ("vaswani",),
            "2017",
            "RC502",
            Severity.ERROR,
            ["the first author differs too", AEW10],
        ),
    ],
    ids=["wrong-title", "wrong-first-author", "year-before-v1", "title-and-author"],
)
def test_arxiv_entry_that_is_not_the_record_is_reported_with_the_record(
    replay: ReplayServer,
    cache: Cache,
    title: str,
    authors: tuple[str, ...],
    year: str,
    code: str,
    severity: Severity,
    in_message: list[str],
) -> None:
    entry = reference(arxiv="1707.08567", title=title, authors=authors, year=year, line=7)
    result = verify_references([entry], [], config_for(replay), cache)
    assert codes(result) == [(code, 7, 40, PATH)]
    diagnostic = result.diagnostics[0]
    assert diagnostic.span == Span(7, 40, 7, 40 + len("arXiv:1707.08567"))
    assert diagnostic.severity is severity
    for text in in_message:
        assert text in diagnostic.message


def test_entry_with_particle_and_umlaut_authors_matches(replay: ReplayServer, cache: Cache) -> None:
    entries = [
        reference(arxiv="1707.08567", title=AEW10, authors=("van der putten",), line=1),
        reference(arxiv="1707.08567", title=AEW10, authors=("wuebben",), line=2),
        reference(arxiv="1707.08567", title=AEW10.upper().replace(":", " --"), authors=("de with",), line=3),
    ]
    assert verify_references(entries, [], config_for(replay), cache).diagnostics == []


def test_unknown_arxiv_id_is_rc501(replay: ReplayServer, cache: Cache) -> None:
    result = verify_references([reference(arxiv="0000.0000", title="Anything")], [], config_for(replay), cache)
    assert codes(result) == [("RC501", 5, 40, PATH)]
    assert "arXiv:0000.0000 does not exist" in result.diagnostics[0].message
    assert result.resolved == {(IdentifierKind.ARXIV, "0000.0000"): False}


@pytest.mark.parametrize(("named", "requests"), [(True, 2), (False, 5)], ids=["culprit-named", "halving"])
def test_malformed_id_in_a_batch_is_found_and_the_rest_verified(
    replay: ReplayServer, cache: Cache, named: bool, requests: int
) -> None:
    replay.malformed = {"abc"}
    replay.name_malformed = named
    replay.papers = {f"2001.0000{i}": Paper(f"Paper number {i} about things", (f"Ann Author{i}",)) for i in (1, 2, 3)}
    entries = [reference(arxiv=f"2001.0000{i}", authors=(f"author{i}",), line=i) for i in (1, 2, 3)]
    entries.append(reference(arxiv="abc", line=9))
    result = verify_references(entries, [], config_for(replay), cache)
    assert codes(result) == [("RC501", 9, 40, PATH)]
    assert "arXiv:abc is not an identifier arXiv accepts" in result.diagnostics[0].message
    assert result.resolved[(IdentifierKind.ARXIV, "2001.00001")] is True
    assert result.resolved[(IdentifierKind.ARXIV, "abc")] is False
    assert next(h.query["id_list"][0].count(",") + 1 for h in replay.requests("arxiv")) == 4
    assert len(replay.requests("arxiv")) == requests


def test_identifiers_that_failed_validation_are_never_sent(replay: ReplayServer, cache: Cache) -> None:
    entries = [reference(arxiv="2013.08361", valid=False), reference(doi="10.abc/xyz", valid=False)]
    result = verify_references(entries, [], config_for(replay), cache)
    assert replay.hits == [] and result.diagnostics == [] and result.resolved == {}


def test_withdrawn_arxiv_paper_is_rc505(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(
        arxiv="2101.99999",
        title="A constructed proof of a conjecture that did not hold",
        authors=("placeholder",),
        year="2021",
    )
    result = verify_references([entry], [], config_for(replay), cache)
    assert codes(result) == [("RC505", 5, 40, PATH)]
    assert "withdrawn by the author due to a crucial error" in result.diagnostics[0].message


def test_fifty_arxiv_ids_take_one_request(replay: ReplayServer, cache: Cache) -> None:
    ids = [f"1905.{n:05d}" for n in range(1, 51)]
    replay.papers = {i: Paper(f"Study {i} of neural things", ("Jane Doe",), "2019-05-02T00:00:00Z") for i in ids}
    entries = [
        reference(arxiv=i, title=f"Study {i} of neural things", authors=("doe",), year="2019", line=n)
        for n, i in enumerate(ids, 1)
    ]
    result = verify_references(entries, [], config_for(replay), cache)
    assert result.diagnostics == []
    assert result.requests == 1
    [hit] = replay.requests("arxiv")
    assert sorted(hit.query["id_list"][0].split(",")) == ids
    assert hit.query["max_results"] == ["50"]
    assert all(result.resolved[(IdentifierKind.ARXIV, i)] for i in ids)


def test_empty_answer_for_a_whole_batch_is_asked_again_before_accusing(replay: ReplayServer, cache: Cache) -> None:
    replay.faults["arxiv"].append(Fault(status=200, body=read_fixture("arxiv-2026-id_list-0000.0000-empty.body.xml")))
    entries = [
        reference(arxiv="1707.08567", title=AEW10, line=1),
        reference(arxiv="astro-ph/0601001", line=2),
    ]
    result = verify_references(entries, [], config_for(replay), cache)
    assert result.diagnostics == [] and len(replay.requests("arxiv")) == 2
    assert set(result.resolved.values()) == {True}


def test_batches_are_spaced_by_the_interval_on_the_server_side(replay: ReplayServer, cache: Cache) -> None:
    interval = 0.2
    ids = [f"1905.{n:05d}" for n in range(1, 202)]  # 3 batches: 100 + 100 + 1
    replay.papers = {i: Paper(f"Study {i}", ("Jane Doe",)) for i in ids}
    entries = [reference(arxiv=i) for i in ids]
    result = verify_references(entries, [], config_for(replay, arxiv_interval=interval), cache)
    assert result.requests == 3 and len(replay.requests("arxiv")) == 3
    assert replay.max_in_flight["arxiv"] == 1
    assert all(gap >= interval for gap in replay.gaps("arxiv")), replay.gaps("arxiv")


def test_legacy_feed_doi_links_preprint_and_published_record(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(
        arxiv="1111.2011",
        authors=("murray",),
        year="2012",
        title="Quantum criticality for extended nodes on a Bethe lattice in the large connectivity limit",
    )
    result = verify_references([entry], [], config_for(replay), cache)
    assert result.diagnostics == []


# ---- Crossref -------------------------------------------------------------------------------------------

PONE = "10.1371/journal.pone.0033693"
PONE_RECORD_TITLE = (
    "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
)
PONE_TITLE = (
    "Methylphenidate exposure induces dopamine neuron loss and activation of microglia in the basal ganglia of mice"
)


def test_matching_crossref_entry_with_a_correction_is_verified(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(doi=PONE, title=PONE_TITLE, authors=("sadasivan",), year="2012")
    result = verify_references([entry], [], config_for(replay), cache)
    assert result.diagnostics == []  # `updated-by` holds a correction, not a retraction
    assert result.resolved == {(IdentifierKind.DOI, PONE): True}
    [hit] = replay.requests("crossref")
    assert hit.path == f"/crossref/works/{PONE}"
    assert "mailto:tests@example.org" in hit.user_agent


@pytest.mark.parametrize(
    ("title", "authors", "year", "expected", "in_message"),
    [
        ("Hard negative mixing for contrastive learning", ("sadasivan",), "2012", "RC502", PONE_RECORD_TITLE),
        (PONE_TITLE, ("pond",), "2013", None, ""),  # second author, year +1: fine
        (PONE_TITLE, ("smith",), "2012", "RC503", "Shankar Sadasivan, Brooks B. Pond, Amar K. Pani and"),
        (PONE_TITLE, ("sadasivan",), "2015", "RC504", "year 2015 differs from the record of doi:" + PONE),
    ],
)
def test_crossref_entry_compared_with_its_record(
    replay: ReplayServer,
    cache: Cache,
    title: str,
    authors: tuple[str, ...],
    year: str,
    expected: str | None,
    in_message: str,
) -> None:
    result = verify_references(
        [reference(doi=PONE, title=title, authors=authors, year=year)], [], config_for(replay), cache
    )
    assert codes(result) == ([(expected, 5, 70, PATH)] if expected else [])
    if expected:
        assert in_message in result.diagnostics[0].message


def test_unknown_doi_is_rc501_after_the_agency_check(replay: ReplayServer, cache: Cache) -> None:
    result = verify_references([reference(doi="10.1371/notarealdoi")], [], config_for(replay), cache)
    assert codes(result) == [("RC501", 5, 70, PATH)]
    assert "doi:10.1371/notarealdoi does not exist" in result.diagnostics[0].message
    assert [h.path for h in replay.requests("crossref")] == [
        "/crossref/works/10.1371/notarealdoi",
        "/crossref/works/10.1371/notarealdoi/agency",
    ]


def test_doi_of_another_agency_exists_without_a_record(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(doi="10.5281/zenodo.1234567", title="Some dataset", authors=("nobody",))
    result = verify_references([entry], [], config_for(replay), cache)
    assert result.diagnostics == [] and not result.incomplete
    assert result.resolved == {(IdentifierKind.DOI, "10.5281/zenodo.1234567"): True}


def test_retracted_work_is_rc505(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(
        doi="10.5555/retracted.2019.001",
        authors=("example",),
        year="2019",
        title="Dietary intake of constructed compounds predicts memory in mice",
    )
    result = verify_references([entry], [], config_for(replay), cache)
    assert codes(result) == [("RC505", 5, 70, PATH)]
    assert "retraction notice doi:10.5555/retraction.2020.001" in result.diagnostics[0].message


def test_arxiv_doi_is_looked_up_at_arxiv(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(doi="10.48550/arxiv.1707.08567", title="Attention is all you need")
    result = verify_references([entry], [], config_for(replay), cache)
    assert codes(result) == [("RC502", 5, 70, PATH)]
    assert replay.requests("crossref") == [] and len(replay.requests("arxiv")) == 1


def test_one_work_named_twice_in_an_entry_is_reported_once(replay: ReplayServer, cache: Cache) -> None:
    entry = reference(arxiv="1707.08567", doi="10.48550/arxiv.1707.08567", title="Attention is all you need")
    result = verify_references([entry], [], config_for(replay), cache)
    assert codes(result) == [("RC502", 5, 40, PATH)]
    assert result.resolved == {
        (IdentifierKind.ARXIV, "1707.08567"): True,
        (IdentifierKind.DOI, "10.48550/arxiv.1707.08567"): True,
    }


def test_crossref_concurrency_stays_at_three_and_honours_the_concurrency_header(
    replay: ReplayServer, cache: Cache
) -> None:
    dois = [f"10.9999/slow.{n}" for n in range(8)]
    replay.crossref_delay = 0.35  # longer than 3 starts 0.1 s apart (Crossref's 10 lookups a second)
    replay.crossref_headers = {}
    verify_references([reference(doi=d, line=n) for n, d in enumerate(dois)], [], config_for(replay), cache)
    assert replay.max_in_flight["crossref"] == 3

    with ReplayServer() as limited:
        limited.crossref_delay = 0.05  # recorded headers: x-concurrency-limit 1, 5 requests per 1s
        others = [f"10.9999/other.{n}" for n in range(4)]
        verify_references([reference(doi=d, line=n) for n, d in enumerate(others)], [], config_for(limited), cache)
        assert limited.max_in_flight["crossref"] == 1
        gaps = limited.gaps("crossref")
        assert len(gaps) == 7  # 4 works + 4 agency checks
        assert all(gap >= 0.19 for gap in gaps[1:]), gaps


# ---- unverifiable -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fault", "reason"),
    [
        (
            "arxiv",
            Fault(status=503, body=b"Service Unavailable"),
            "arXiv API unavailable (HTTP 503 after 1 retry)",
        ),
        ("crossref", Fault(status=503), "Crossref unavailable (HTTP 503 after 1 retry)"),
        ("crossref", Fault(delay=1.0), "Crossref unavailable (no answer within 0.3 s after 1 retry)"),
        (
            "arxiv",
            Fault(status=429, headers={"Retry-After": "0"}),
            "arXiv API unavailable (HTTP 429 (rate-limited) after 1 retry)",
        ),
    ],
    ids=["arxiv-503", "crossref-503", "crossref-timeout", "arxiv-429-to-the-end"],
)
def test_source_down_means_unverified_not_wrong(
    replay: ReplayServer, cache: Cache, source: str, fault: Fault, reason: str
) -> None:
    replay.always[source] = fault
    entry = reference(arxiv="1707.08567", title="x") if source == "arxiv" else reference(doi=PONE, title="x")
    result = verify_references([entry], [], config_for(replay, timeout=0.3), cache)
    assert result.diagnostics == [] and result.resolved == {}
    assert result.unverified_references == 1 and result.incomplete
    assert result.notices == [f"{reason}: 1 identifier not verified"]
    assert len(replay.requests(source)) == 2  # the first try and one retry
    assert cache.get(source, "1707.08567" if source == "arxiv" else PONE) is None  # not remembered


def test_unreadable_answer_is_unverified(replay: ReplayServer, cache: Cache) -> None:
    replay.always["crossref"] = Fault(status=200, body=b"<html>maintenance</html>")
    replay.always["arxiv"] = Fault(status=200, body=b"<html>maintenance</html>")
    entries = [reference(doi=PONE, line=1), reference(arxiv="1707.08567", line=2)]
    result = verify_references(entries, [], config_for(replay), cache)
    assert result.diagnostics == [] and result.unverified_references == 2
    assert result.notices == [
        "arXiv API unavailable (the response is not an Atom feed): 1 identifier not verified",
        "Crossref unavailable (unreadable response): 1 identifier not verified",
    ]


def test_retry_after_is_honoured_then_the_answer_used(replay: ReplayServer, cache: Cache) -> None:
    replay.faults["arxiv"].append(Fault(status=503, headers={"Retry-After": "1"}))
    result = verify_references([reference(arxiv="1707.08567", title=AEW10)], [], config_for(replay), cache)
    assert result.diagnostics == [] and not result.incomplete
    assert replay.gaps("arxiv")[0] >= 1.0


def test_deadline_stops_the_stage_and_counts_the_rest_unverified(replay: ReplayServer, cache: Cache) -> None:
    replay.always["crossref"] = Fault(delay=3.0)
    entries = [reference(doi=f"10.9999/slow.{n}", line=n) for n in range(5)]
    started = time.monotonic()
    result = verify_references(
        entries, [], config_for(replay, timeout=10.0, retries=3), cache, deadline=time.monotonic() + 0.5
    )
    assert time.monotonic() - started < 2.5
    assert result.unverified_references == 5 and result.incomplete
    assert result.notices == ["Crossref unavailable (time limit reached): 5 identifiers not verified"]


# ---- links, cache, offline, event loops ----------------------------------------------------------------


def test_link_identifiers_are_checked_for_existence_at_the_link(replay: ReplayServer, cache: Cache) -> None:
    link_span = Span(12, 8, 12, 50)
    links = [
        ("notes.md", link_span, identifier(IdentifierKind.ARXIV, "0000.0000", 1, 1)),
        ("notes.md", Span(13, 1, 13, 30), identifier(IdentifierKind.ARXIV, "1707.08567", 1, 1)),
        ("notes.md", Span(14, 1, 14, 30), identifier(IdentifierKind.DOI, PONE, 1, 1)),
    ]
    result = verify_references([], links, config_for(replay), cache)
    assert [(d.path, d.span, d.code) for d in result.diagnostics] == [("notes.md", link_span, "RC501")]
    assert result.resolved == {
        (IdentifierKind.ARXIV, "0000.0000"): False,
        (IdentifierKind.ARXIV, "1707.08567"): True,
        (IdentifierKind.DOI, PONE): True,
    }


def test_answers_are_cached_and_reused(replay: ReplayServer, cache: Cache) -> None:
    entries = [
        reference(arxiv="1707.08567", title="Wrong title entirely here now"),
        reference(doi=PONE),
        reference(arxiv="0000.0000", line=9),
    ]
    first = verify_references(entries, [], config_for(replay), cache)
    hits = len(replay.hits)
    second = verify_references(entries, [], config_for(replay), cache)
    assert second.requests == 0 and len(replay.hits) == hits
    assert codes(second) == codes(first) and second.resolved == first.resolved
    assert cache.path is not None
    with contextlib.closing(sqlite3.connect(cache.path)) as db:
        ttl = {
            (ns, key): expires - time.time()
            for ns, key, expires in db.execute("SELECT namespace, key, expires FROM entries")
        }
    assert 29 * 86400 < ttl[("arxiv", "1707.08567")] <= 30 * 86400
    assert 29 * 86400 < ttl[("crossref", PONE)] <= 30 * 86400
    assert 0 < ttl[("arxiv", "0000.0000")] <= 86400


@pytest.mark.parametrize("changes", [{"offline": True}, {"verify": False}])
def test_offline_or_no_verify_makes_no_request(replay: ReplayServer, cache: Cache, changes: dict[str, bool]) -> None:
    result = verify_references([reference(arxiv="1707.08567")], [], config_for(replay, **changes), cache)
    assert replay.hits == [] and result == VerifyResult()


def test_progress_bar_does_not_change_the_result(
    replay: ReplayServer, cache: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    result = verify_references([reference(arxiv="0000.0000")], [], config_for(replay), cache, progress=True)
    assert codes(result) == [("RC501", 5, 40, PATH)]
    assert capsys.readouterr().out == ""  # progress goes to stderr only


def test_callable_from_inside_a_running_event_loop(replay: ReplayServer, cache: Cache) -> None:
    async def main() -> VerifyResult:
        return verify_references([reference(arxiv="0000.0000")], [], config_for(replay), cache)

    assert codes(asyncio.run(main())) == [("RC501", 5, 40, PATH)]


def test_async_entry_point_runs_in_the_callers_loop(replay: ReplayServer, cache: Cache) -> None:
    result = asyncio.run(
        verify_references_async([reference(arxiv="1707.08567", title=AEW10)], [], config_for(replay), Cache(None))
    )
    assert result.resolved == {(IdentifierKind.ARXIV, "1707.08567"): True}

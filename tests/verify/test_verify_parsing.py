"""Reading recorded arXiv feeds and Crossref works, and the HTTP header rules of the sources."""

from __future__ import annotations

import pytest
from verify_replay import json_body, read_fixture

from refcheck.verify.arxiv import FeedError, canonical_id, parse_feed, withdrawal_notice
from refcheck.verify.crossref import parse_work
from refcheck.verify.fetch import Limiter, retry_after


def test_recorded_feed_gives_title_authors_and_v1_date() -> None:
    feed = parse_feed(read_fixture("arxiv-2026-id_list-1707.08567.body.xml"))
    [record] = feed.records
    assert feed.errors == []
    assert record.identifier == "1707.08567"
    assert record.title == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert len(record.authors) == 34
    assert record.authors[0] == "Kees A. Schouhamer Immink" and "Dirk Wübben" in record.authors
    assert (record.years, record.published) == ((2017,), "2017-07-27")
    assert record.withdrawn is None and record.doi is None


def test_old_style_id_and_journal_reference() -> None:
    [record] = parse_feed(read_fixture("arxiv-2026-id_list-astro-ph_0601001.body.xml")).records
    assert record.identifier == "astro-ph/0601001"
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.authors[:2] == ("Andrew Gould", "Susan Dorsher")


def test_legacy_feed_gives_doi_and_joins_wrapped_title() -> None:
    [record] = parse_feed(read_fixture("arxiv-2016-legacy-id_list-1111.2011v2.xml")).records
    assert record.identifier == "1111.2011"
    assert record.title == ("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit")
    assert record.doi == "10.1103/physrevb.85.115117"
    assert record.published == "2011-11-08"


def test_unknown_id_feed_is_empty_and_error_feed_names_the_culprit() -> None:
    assert parse_feed(read_fixture("arxiv-2026-id_list-0000.0000-empty.body.xml")).records == []
    feed = parse_feed(read_fixture("arxiv-2026-id_list-abc-http400.body.xml"))
    assert feed.records == [] and feed.errors == ["incorrect id format for abc"]


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>&a;</title></feed>",
        b"<html><body>Service temporarily unavailable</body></html>",
        b"not xml at all",
    ],
    ids=["doctype-entities", "html", "garbage"],
)
def test_unusable_responses_are_refused(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body)


@pytest.mark.parametrize(
    ("texts", "withdrawn"),
    [
        (("This paper has been withdrawn by the author due to a crucial error",), True),
        (("Withdrawn: superseded by arXiv:2102.00001",), True),
        (("v3: withdrawn by arXiv administrators as a duplicate of another submission",), True),
        ((None, "This paper has been withdrawn."), True),
        (("12 pages, 3 figures",), False),
        ((None, "We study drugs that were withdrawn from the market in 2004 and why."), False),
        (("v2: the claim in Section 4 that was withdrawn in v1 is restored",), False),
    ],
)
def test_withdrawal_notices(texts: tuple[str | None, ...], withdrawn: bool) -> None:
    assert (withdrawal_notice(*texts) is not None) is withdrawn


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2001.08361v2", "2001.08361"),
        ("math.GT/0309136", "math/0309136"),
        ("hep-th/9901001v1", "hep-th/9901001"),
    ],
)
def test_canonical_ids_are_what_the_api_answers_with(raw: str, canonical: str) -> None:
    assert canonical_id(raw) == canonical


def test_recorded_crossref_work_gives_title_family_names_and_dates() -> None:
    doi = "10.1371/journal.pone.0033693"
    record = parse_work(doi, json_body("crossref-works-10.1371_journal.pone.0033693.json")["message"])  # type: ignore[arg-type]
    assert record.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")  # type: ignore[union-attr]
    assert record.authors[:2] == ("Shankar Sadasivan", "Brooks B. Pond")
    assert record.years == (2012,) and record.published == "2012-03-21"
    assert record.retracted_by is None  # its `updated-by` is a correction


def test_crossref_retraction_is_read_from_updated_by() -> None:
    record = parse_work("10.5555/retracted.2019.001", json_body("crossref-constructed-retracted.json")["message"])  # type: ignore[arg-type]
    assert record.retracted_by == "10.5555/retraction.2020.001"


@pytest.mark.parametrize(
    ("message", "title", "retracted"),
    [
        ({"title": ["RETRACTED: A study"]}, "RETRACTED: A study", ""),
        ({"title": ["Main"], "subtitle": ["the sub"]}, "Main: the sub", None),
        (
            {"title": [], "relation": {"is-retracted-by": [{"id": "10.1/NOTICE", "id-type": "doi"}]}},
            None,
            "10.1/notice",
        ),
    ],
)
def test_crossref_title_forms_and_retraction_signals(
    message: dict[str, object], title: str | None, retracted: str | None
) -> None:
    record = parse_work("10.1/x", message)
    assert (record.title, record.retracted_by) == (title, retracted)


@pytest.mark.parametrize(
    "message",
    [
        {"title": "A bare string", "author": {"family": "x"}, "issued": [2020], "updated-by": ["retraction"]},
        {"title": [None, 3], "author": [None, {"given": "Only"}], "issued": {"date-parts": [[True, "2020"]]}},
        {"relation": ["is-retracted-by"], "published": {"date-parts": "2020"}},
    ],
)
def test_odd_crossref_shapes_are_read_without_failing(message: dict[str, object]) -> None:
    record = parse_work("10.1/x", message)
    assert record.years == () and record.retracted_by is None


@pytest.mark.parametrize(("value", "seconds"), [("3", 3.0), ("0", 0.0), ("soon", None), ("", None)])
def test_retry_after_seconds(value: str, seconds: float | None) -> None:
    assert retry_after({"retry-after": value} if value else {}) == seconds


def test_retry_after_http_date_is_seconds_from_now() -> None:
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past


@pytest.mark.parametrize(
    ("headers", "capacity", "gap"),
    [
        ({"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s", "x-concurrency-limit": "1"}, 1, 0.2),
        ({"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"}, 3, 0.02),
        ({"x-concurrency-limit": "10"}, 3, 0.0),  # never loosened beyond 3
        ({"x-rate-limit-limit": "nonsense", "x-rate-limit-interval": "1s"}, 3, 0.0),
    ],
)
def test_crossref_limit_headers_tighten_the_limiter(headers: dict[str, str], capacity: int, gap: float) -> None:
    limiter = Limiter(3)
    limiter.learn(headers)
    assert (limiter.capacity, limiter.gap) == (capacity, pytest.approx(gap))

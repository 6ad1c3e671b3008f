"""arXiv ID and DOI recognition, normalisation and validation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.identifiers import (
    arxiv_from_url,
    arxiv_year_month,
    doi_arxiv_id,
    doi_from_url,
    find_identifiers,
    find_urls,
    make_identifier,
    validate_arxiv,
    validate_doi,
)
from refcheck.model import IdentifierKind, Span

ARXIV, DOI = IdentifierKind.ARXIV, IdentifierKind.DOI
TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2001.08361", [(ARXIV, "2001.08361")]),
        ("arXiv 2001.08361", [(ARXIV, "2001.08361")]),
        ("arXiv: 2001.08361", [(ARXIV, "2001.08361")]),
        ("arXiv preprint arXiv:1706.03762v5.", [(ARXIV, "1706.03762v5")]),
        ("arxiv Preprint arxiv:2006.11239 (2020).", [(ARXIV, "2006.11239")]),
        ("arXiv preprint arXiv:1502.05698(2015)", [(ARXIV, "1502.05698")]),
        ("arXiv:hep-th/9901001", [(ARXIV, "hep-th/9901001")]),
        ("[@arxiv:1409.0473]", [(ARXIV, "1409.0473")]),
        ("CoRR, abs/1510.00149 2 (2015)", [(ARXIV, "1510.00149")]),
        ("see https://arxiv.org/abs/2001.08361).", [(ARXIV, "2001.08361")]),
        ("(http://arxiv.org/pdf/1409.0473v7.pdf)", [(ARXIV, "1409.0473v7")]),
        ("https://export.arxiv.org/abs/1706.03762", [(ARXIV, "1706.03762")]),
        ("arxiv.org/html/2402.00001v1", [(ARXIV, "2402.00001v1")]),
        ("https://arxiv.org/abs/math.GT/0309136", [(ARXIV, "math.GT/0309136")]),
        ("doi:10.1038/nbt.3820.", [(DOI, "10.1038/nbt.3820")]),
        ("DOI: 10.1093/bioinformatics/btq033. Epub 2010", [(DOI, "10.1093/bioinformatics/btq033")]),
        ("https://doi.org/10.7717/peerj-cs.104", [(DOI, "10.7717/peerj-cs.104")]),
        ("http://dx.doi.org/10.1000/xyz123;", [(DOI, "10.1000/xyz123")]),
        ("(see 10.1016/0001-8708(76)90030-X)", [(DOI, "10.1016/0001-8708(76)90030-X")]),
        ("bare 10.1186/s13059-019-1891-0, then", [(DOI, "10.1186/s13059-019-1891-0")]),
        ("[doi:10.1000/abc](https://doi.org/10.1000/abc)", [(DOI, "10.1000/abc"), (DOI, "10.1000/abc")]),
        ("“https://doi.org/10.1000/q”", [(DOI, "10.1000/q")]),
        (
            "[arXiv:2001.08361](https://arxiv.org/abs/2001.08361)",
            [(ARXIV, "2001.08361"), (ARXIV, "2001.08361")],
        ),
        # roadmap-dl-papers-readme.md: a second URL inside the first one's parentheses
        (
            "[[pdf]](http://arxiv.org/pdf/1506.05869.pdf%20(http://arxiv.org/pdf/1506.05869.pdf))",
            [(ARXIV, "1506.05869")],
        ),
        # manubot-deepreview-back-matter.md tag definitions
        ("[@tag:Abe]: doi:10.1101/gr.634603", [(DOI, "10.1101/gr.634603")]),
        # malformed identifiers are found (so RC301/RC302 can report them), not skipped
        ("arXiv:2013.08361", [(ARXIV, "2013.08361")]),
        ("doi:10.abc/xyz", [(DOI, "10.abc/xyz")]),
    ],
)
def test_find_identifiers_reads_identifier_and_its_exact_offsets(text, expected):
    found = find_identifiers(text)
    assert [(f.kind, f.raw) for f in found] == expected
    for f in found:
        assert text[f.start : f.end] == f.raw


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3 and 2.0.1",
        "values in [0, 1] and [0.5, 1.5]",
        "published in 2020 and 2021a",
        "arXiv 2018",  # kosiorek-ml-of-sets.md: a venue and year, no identifier
        "arXiv, 2020.",
        "http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.226.363",  # weng-diffusion-models.md
        "[Docker](https://dl.acm.org/doi/10.5555/2600239.2600241)",  # a publisher URL, not doi.org
        "https://link.springer.com/chapter/10.1007/978-3-319-46128-1_43",
        "https://www.ncbi.nlm.nih.gov/pubmed/30423086/",
        "https://arxiv.org/list/cs.AI/recent",
        "Nature 521.7553 (2015): 436-444",
        "contact someone@arxiv.org/abs/1234.56789",
        "the ratio 10.5/2 holds",
    ],
)
def test_find_identifiers_ignores_near_misses(text):
    assert find_identifiers(text) == []


def test_find_identifiers_positions_are_code_point_offsets():
    text = "Müller – “Title”, arXiv:1706.03762"
    [found] = find_identifiers(text)
    assert (found.start, found.end) == (text.index("1706"), len(text))


@pytest.mark.parametrize(
    ("raw", "value", "valid", "problem"),
    [
        ("2001.08361", "2001.08361", True, None),
        ("1706.03762v5", "1706.03762", True, None),
        ("arXiv:2001.08361v2", "2001.08361", True, None),
        ("0704.0001", "0704.0001", True, None),
        ("1412.6980", "1412.6980", True, None),
        ("2611.00001", "2611.00001", True, None),
        ("hep-th/9901001", "hep-th/9901001", True, None),
        ("hep-th/9901001v3", "hep-th/9901001", True, None),
        ("math.GT/0309136", "math.GT/0309136", True, None),
        ("cond-mat/0703001", "cond-mat/0703001", True, None),
        ("2013.08361", "2013.08361", False, "month 13 does not exist"),
        ("2000.08361", "2000.08361", False, "month 00 does not exist"),
        ("0703.0001", "0703.0001", False, "new-style arXiv IDs start in 2007-04"),
        ("1412.12345", "1412.12345", False, "IDs from 2007-04 to 2014-12 have 4 digits after the dot, not 5"),
        ("1501.1234", "1501.1234", False, "IDs from 2015 on have 5 digits after the dot, not 4"),
        ("2001.083611", "2001.083611", False, "IDs from 2015 on have 5 digits after the dot, not 6"),
        ("2612.00001", "2612.00001", False, "2026-12 is in the future"),
        ("foo-bar/9901001", "foo-bar/9901001", False, "unknown arXiv archive 'foo-bar'"),
        ("hep-th/0704001", "hep-th/0704001", False, "old-style arXiv IDs run from 1991-08 to 2007-03"),
        ("hep-th/9113001", "hep-th/9113001", False, "month 13 does not exist"),
        ("hep-th/1001001", "hep-th/1001001", False, "old-style arXiv IDs run from 1991-08 to 2007-03"),
        ("hello", "hello", False, "'hello' is not an arXiv identifier"),
    ],
)
def test_validate_arxiv(raw, value, valid, problem):
    assert tuple(validate_arxiv(raw, today=TODAY)) == (value, valid, problem)


@pytest.mark.parametrize(
    ("raw", "value", "valid"),
    [
        ("10.1038/nbt.3820", "10.1038/nbt.3820", True),
        ("10.1038/S41587-020-0439-X", "10.1038/s41587-020-0439-x", True),
        ("doi:10.7717/peerj-cs.104", "10.7717/peerj-cs.104", True),
        ("10.1000.10/abc", "10.1000.10/abc", True),
        ("10.1000%2Fabc", "10.1000/abc", True),
        ("10.1016/0001-8708(76)90030-X", "10.1016/0001-8708(76)90030-x", True),
        ("10.abc/xyz", "10.abc/xyz", False),
        ("10.123/abc", "10.123/abc", False),
        ("10.1000/", "10.1000/", False),
        ("11.1000/abc", "11.1000/abc", False),
        ("10.1000/a b", "10.1000/a b", False),
    ],
)
def test_validate_doi(raw, value, valid):
    result = validate_doi(raw)
    assert (result.value, result.valid) == (value, valid)
    assert (result.problem is None) == valid


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2001.08361", "2001.08361"),
        ("http://arxiv.org/abs/2001.08361v2", "2001.08361v2"),
        ("https://arxiv.org/pdf/1706.03762", "1706.03762"),
        ("https://arxiv.org/pdf/1706.03762.pdf", "1706.03762"),
        ("https://arxiv.org/pdf/1706.03762v5.pdf", "1706.03762v5"),
        ("https://www.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://export.arxiv.org/abs/2001.08361", "2001.08361"),
        ("https://arxiv.org/html/2402.01234v2", "2402.01234v2"),
        ("https://arxiv.org/abs/2001.08361#section", "2001.08361"),
        ("https://arxiv.org/pdf/1607.06450.pdf?utm_source=x", "1607.06450"),
        ("https://arxiv.org/abs/2013.08361", "2013.08361"),  # malformed, still read
        ("https://arxiv.org/list/cs.AI/recent", None),
        ("https://arxiv.org/a/someone_1", None),
        ("https://example.com/abs/2001.08361", None),
        ("https://notarxiv.org/abs/2001.08361", None),
        ("ftp://arxiv.org/abs/2001.08361", None),
    ],
)
def test_arxiv_from_url(url, expected):
    assert arxiv_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://doi.org/10.7717/peerj-cs.104", "10.7717/peerj-cs.104"),
        ("http://dx.doi.org/10.1038/nbt.3820", "10.1038/nbt.3820"),
        ("https://www.doi.org/10.1000/abc", "10.1000/abc"),
        ("http://doi.org/10.23915/disti", "10.23915/disti"),  # weng-the-transformer-family.md
        ("https://doi.org/10.1000%2Fabc%20def", "10.1000/abc def"),
        ("https://doi.org/10.1000/abc?download=1", "10.1000/abc"),
        ("https://doi.org/10.1000/abc#top", "10.1000/abc"),
        ("https://doi.org/doi:10.1000/abc", "10.1000/abc"),
        ("http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.226.363", None),
        ("https://dl.acm.org/doi/10.5555/2600239.2600241", None),
        ("https://doi.org/", None),
        ("https://doi.org/help", None),
    ],
)
def test_doi_from_url(url, expected):
    assert doi_from_url(url) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2001.08361", (2020, 1)),
        ("1706.03762v5", (2017, 6)),
        ("hep-th/9901001", (1999, 1)),
        ("math.GT/0309136", (2003, 9)),
        ("2013.08361", None),
        ("nonsense", None),
    ],
)
def test_arxiv_year_month(value, expected):
    assert arxiv_year_month(value) == expected


def test_make_identifier_normalises_and_validates():
    span = Span(3, 5, 3, 15)
    good = make_identifier(ARXIV, "1706.03762v5", span)
    assert (good.value, good.raw, good.valid, good.problem, good.span) == (
        "1706.03762",
        "1706.03762v5",
        True,
        None,
        span,
    )
    bad = make_identifier(DOI, "10.abc/xyz", span)
    assert bad.kind is DOI and not bad.valid and "DOI syntax" in (bad.problem or "")


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        ("10.48550/arXiv.2001.08361", "2001.08361"),
        ("10.48550/arxiv.1706.03762", "1706.03762"),
        ("10.1038/nbt.3820", None),
    ],
)
def test_doi_arxiv_id_reads_arxivs_own_dois(doi, expected):
    assert doi_arxiv_id(doi) == expected


_PIECES = [
    *"aZ .,;:()[]<>/\\-_%?#\n0123456789",
    "arXiv:",
    "arxiv ",
    "doi:",
    "10.",
    "1706.03762",
    "v2",
    "https://",
    "arxiv.org/abs/",
    "doi.org/",
    "abs/",
    "hep-th/9901001",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=50).map("".join))
def test_find_identifiers_raw_is_always_the_text_at_its_offsets(text):
    for found in find_identifiers(text):
        assert text[found.start : found.end] == found.raw
        assert found.raw and found.raw[-1] not in ".,;:"


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("see https://example.org/a.", ["https://example.org/a"]),
        ("[t](https://example.org/a_(b)) x", ["https://example.org/a_(b)"]),
        ("(https://example.org/a), then", ["https://example.org/a"]),
        ("[https://x.org/a](https://x.org/a)", ["https://x.org/a", "https://x.org/a"]),
        ('<a href="http://x.org/p?q=1&r=2">', ["http://x.org/p?q=1&r=2"]),
        ("HTTPS://EXAMPLE.ORG/UP and ftp://files.org/f", ["HTTPS://EXAMPLE.ORG/UP", "ftp://files.org/f"]),
        (
            "arxiv.org/abs/2001.08361 and dx.doi.org/10.1000/x",
            ["arxiv.org/abs/2001.08361", "dx.doi.org/10.1000/x"],
        ),
        ("mail me@arxiv.org/x or notarxiv.org/abs/1", []),
        ("javascript://x and file:///etc", []),
        ("**https://x.org/bold**", ["https://x.org/bold"]),
    ],
)
def test_find_urls(text, urls):
    assert [text[s:e] for s, e in find_urls(text)] == urls

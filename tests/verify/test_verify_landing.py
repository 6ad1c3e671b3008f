"""Entries linking to paper landing pages (OpenReview, ACL Anthology, PMLR, NeurIPS, CVF, AAAI) are
compared with the page's `citation_*` meta tags; the page is fetched once, by the metadata stage."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_standin import Standin
from search_support import entry, fast_sources, standin_config

from refcheck import identifiers
from refcheck.cache import Cache
from refcheck.cli import main
from refcheck.identifiers import PAPER_PAGE as PAGE
from refcheck.verify import verify_references
from refcheck.verify.landing import parse_page

GREEN = "A Complexity-theoretic Analysis of Green Pickup-and-Delivery Problems"  # record 0 of the stand-in


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Standin]:
    with Standin() as server:
        # the stand-in's /pages/<n> count as paper pages, as openreview.net/forum?id=… does
        pattern = re.compile(PAGE.pattern[: -len(")(?:#.*)?$")] + r"|127\.0\.0\.1:\d+/pages/\d+)(?:#.*)?$", re.I)
        monkeypatch.setattr(identifiers, "PAPER_PAGE", pattern)
        yield server


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/forum?id=HJlLKjR9FQ",
        "https://aclanthology.org/2020.acl-main.463/",
        "https://proceedings.mlr.press/v151/yang22b.html",
        "https://proceedings.neurips.cc/paper/2020/hash/9b8619251a19057cff70779273e95aa6-Abstract.html",
        "https://papers.nips.cc/paper_files/paper/2009/hash/a67f096809415ca1c9f112d96d27689b-Abstract.html",
        "https://openaccess.thecvf.com/content/CVPR2022/html/Wang_Towards_Diverse_CVPR_2022_paper.html",
        "https://ojs.aaai.org/index.php/AAAI/article/view/17424",
    ],
)
def test_paper_pages_are_recognised(url: str) -> None:
    assert PAGE.match(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/pdf?id=HJlLKjR9FQ",
        "https://aclanthology.org/2020.acl-main.463.pdf",
        "https://proceedings.neurips.cc/paper/2017/file/x-Paper.pdf",
        "https://github.com/openreview/openreview-py",
    ],
)
def test_pdfs_and_other_pages_are_not(url: str) -> None:
    assert not PAGE.match(url)


def test_meta_tags_are_read_from_the_head_only() -> None:
    body = (
        b'<html><head><meta name="citation_title" content="Attention is All you Need">'
        b'<meta name="citation_author" content="Vaswani, Ashish"><meta name="citation_author" content="Shazeer, Noam">'
        b'<meta name="citation_publication_date" content="2017/12/04"></head>'
        b'<body><meta name="citation_author" content="Intruder, Ian"></body></html>'
    )
    record = parse_page("https://x/forum?id=1", body)
    assert record is not None
    assert (record.title, record.authors, record.years) == (
        "Attention is All you Need",
        ("Ashish Vaswani", "Noam Shazeer"),
        (2017,),
    )
    assert parse_page("https://x/forum?id=1", b"<html><head><title>OpenReview</title></head></html>") is None


def _run(standin: Standin, cache: Cache, page: str) -> list[tuple[int, int, str, str]]:
    url = f"{standin.url('pages')}/{page}"
    paper = entry(GREEN, ["Xing Tan", "Jimmy Xiangji Huang"], 2021, urls=(url,))
    config = standin_config(standin, verify_sources=())
    result = verify_references([paper], [], config, cache, sources=fast_sources)
    return [(d.span.line, d.span.column, d.code, d.message) for d in result.diagnostics]


def test_a_link_to_the_entry_s_own_paper_page_is_fine(standin: Standin, cache: Cache) -> None:
    assert _run(standin, cache, "0") == []
    assert [h.path for h in standin.hits] == ["/pages/0"]


def test_a_link_to_another_paper_is_rc502(standin: Standin, cache: Cache) -> None:
    url = f"{standin.url('pages')}/2"
    assert _run(standin, cache, "2") == [
        (
            7,
            3,
            "RC502",
            f'title differs from the record of {url}: "A generative nonparametric Bayesian model for whole genomes" '
            "by Alan Nawzad Amin, Eli N. Weinstein, Debora S. Marks (2021); the first author differs too",
        )
    ]


def test_exclude_urls_keeps_the_page_unrequested(standin: Standin, cache: Cache) -> None:
    url = f"{standin.url('pages')}/2"
    paper = entry(GREEN, ["Xing Tan"], 2021, urls=(url,))
    config = standin_config(standin, verify_sources=(), exclude_urls=(re.compile("/pages/"),))
    assert verify_references([paper], [], config, cache, sources=fast_sources).diagnostics == []
    assert standin.hits == []


def test_a_missing_page_is_left_to_the_link_stage(standin: Standin, cache: Cache) -> None:
    assert _run(standin, cache, "99999") == []


def test_the_page_is_fetched_once_for_both_stages(
    standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"{standin.url('pages')}/2"
    (tmp_path / "post.md").write_text(
        f"Routing (Tan & Huang, 2021).\n\n## References\n\n- Tan, X., & Huang, J. X. (2021). [{GREEN}]({url}). In AAAI.\n"
    )
    code = main(
        [
            "--no-cache",
            "--format",
            "json",
            "--allow-host",
            "127.0.0.1",
            "--verify-sources",
            "dblp",
            "--dblp-api-url",
            standin.url("dblp"),
            "--retries",
            "0",
            "post.md",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [(5, 3, "RC502")]
    assert [h.path for h in standin.hits if h.source == "pages"] == ["/pages/2"]  # not again by the link stage
    assert data["summary"]["unchecked_links"] == 0
    assert code == 1

"""End to end: `refcheck` on Markdown and BibTeX entries without identifiers, searched by title in
the loopback stand-in of the five sources (their published limits kept: the default sources)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_standin import Standin

from refcheck.cli import main

DOC = """Routing (Tan & Huang, 2021) and bandits (Smith, 2022).

## References

- Tan, X., & Huang, J. X. (2021). A Complexity-theoretic Analysis of Green Pickup-and-Delivery Problems. In AAAI.
- Smith, J. (2022). Neural Tangent Bandits for Sparse Reward Exploration in Graph Games. In NeurIPS.
"""
BIB = """@inproceedings{amin2021,
  title = {A generative nonparametric {B}ayesian model for whole genomes},
  author = {Amin, Alan Nawzad and Weinstein, Eli N. and Marks, Debora S.},
  booktitle = {NeurIPS},
  year = {2017}
}
@article{green,
  title = {Scheduling electric buses with time windows},
  author = {Tan, Xing},
  year = {2021},
  doi = {10.1609/aaai.v35i13.17424}
}
@misc{tool,
  title = {A tool that nobody has heard of at all},
  author = {Doe, Jane},
  howpublished = {\\url{https://example.org/tool}},
  year = {2022}
}
"""


@pytest.fixture
def standin() -> Iterator[Standin]:
    with Standin() as server:
        yield server


def _refcheck(standin: Standin, *args: str) -> int:
    urls = [f"--{s.replace('_', '-')}-api-url" for s in ("crossref", "openalex", "dblp", "semantic_scholar")]
    pairs = [item for flag in urls for item in (flag, standin.url(flag[2:-8].replace("-", "_")))]
    return main(
        [
            "--no-cache",
            "--no-links",
            "--format",
            "json",
            "--mailto",
            "tests@example.org",
            "--arxiv-interval",
            "0",
            "--arxiv-api-url",
            standin.url("arxiv"),
            "--retries",
            "0",
            *pairs,
            *args,
        ]
    )


def test_markdown_entries_found_and_not_found(
    standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(DOC, encoding="utf-8")
    code = _refcheck(standin, "--fail-on", "warning", "post.md")
    data = json.loads(capsys.readouterr().out)
    assert [(d["line"], d["column"], d["code"], d["message"]) for d in data["diagnostics"]] == [
        (5, 3, "RC507", "found as doi:10.1609/aaai.v35i13.17424"),
        (
            6,
            3,
            "RC506",
            '"Neural Tangent Bandits for Sparse Reward Exploration in Graph Games" (smith, 2022) is not found '
            "by Crossref, OpenAlex, DBLP or arXiv API: check that the work exists",
        ),
    ]
    assert code == 1 and data["notices"] == []


def test_a_source_down_makes_the_run_incomplete_not_wrong(
    standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(DOC, encoding="utf-8")
    standin.down.add("dblp")
    code = _refcheck(standin, "post.md")
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data["diagnostics"]] == ["RC507"]
    assert data["notices"] == ["DBLP unavailable (HTTP 503): 1 entry not verified by title"]
    assert code == 3


def test_bibtex_entries_are_searched_and_web_entries_are_not(
    standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "post.md").write_text(
        "---\nbibliography: refs.bib\n---\nGenomes [@amin2021], buses [@green], a tool [@tool].\n"
    )
    code = _refcheck(standin, "post.md")
    data = json.loads(capsys.readouterr().out)
    assert [(d["path"], d["line"], d["column"], d["code"], d["message"]) for d in data["diagnostics"]] == [
        ("refs.bib", 1, 1, "RC504", "year 2017 differs from the record of openalex W4000000002, published 2021"),
        (
            "refs.bib",
            11,
            10,
            "RC502",
            "title differs from the record of doi:10.1609/aaai.v35i13.17424: "
            '"A Complexity-theoretic Analysis of Green Pickup-and-Delivery Problems" by Xing Tan, Jimmy Xiangji Huang '
            "(2021)",
        ),
    ]
    searched = {
        h.query.get("filter", h.query.get("q", h.query.get("query.bibliographic", [""])))[0] for h in standin.hits
    }
    assert not any("nobody" in s for s in searched)  # a @misc with only a web address is not judged
    assert code == 1

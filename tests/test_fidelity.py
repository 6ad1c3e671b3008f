"""Parser fidelity: constructs whose citations and links were lost, each with exact positions.

Each case is a document as pandoc (Quarto, Manubot, R Markdown) or kramdown (Jekyll) renders it; the
differential suite against CommonMark is tests/test_differential.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.parse.document import parse_markdown

BIB = "---\nbibliography: refs.bib\n---\n"


def cites(text: str) -> list[tuple[str | None, int, int, int]]:
    doc = parse_markdown(text, Path("/tmp/d.md"), "d.md")
    return [(c.key, c.span.line, c.span.column, c.span.end_column) for c in doc.citations]


def test_html_block_before_a_heading_leaves_the_heading_a_heading(tmp_path: Path) -> None:
    # CommonMark runs the HTML block on to the blank line; pandoc and kramdown close it with the `</div>`.
    (tmp_path / "post.md").write_text(
        "Scaling [1] and data [3].\n\n"
        '<div id="references"></div>\n'
        "### References\n\n"
        "1. Kaplan, J. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361\n"
        "2. Hoffmann, J. (2022). Training Compute-Optimal Large Language Models. arXiv:2203.15556\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--format", "json", "post.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    out = json.loads(run.stdout)
    assert run.returncode == 1
    assert out["summary"]["citations"] == 2
    assert [(d["code"], d["line"], d["column"], d["end_column"]) for d in out["diagnostics"]] == [
        ("RC201", 1, 22, 25),
        ("RC202", 7, 4, 89),
    ]


@pytest.mark.parametrize(
    ("html", "heading_line"),
    [
        ('<div id="refs"></div>', 2),
        ('<a name="references"></a>', 2),
        ('<div class="x">\n<img src="a.png">\n</div>', 4),
        ('<img\n  src="a.png">', 3),
    ],
)
def test_markdown_resumes_after_closed_html(html: str, heading_line: int) -> None:
    doc = parse_markdown(f"{html}\n## References\n\n- Smith, A. (2019). A title.\n", Path("/tmp/d.md"), "d.md")
    assert doc.has_reference_section
    assert [(r.span.line, r.span.column) for r in doc.references] == [(heading_line + 2, 3)]


@pytest.mark.parametrize(
    "html",
    [
        "<div>\n## Still HTML: the div is open",
        "<table><tr><td>x</td></tr></table>\n<p>HTML again</p>\n## Heading in HTML",
        "<table><tr><td>x</td></tr></table>\n    ## indented: code in Markdown, kept HTML",
    ],
)
def test_open_or_continued_html_stays_html(html: str) -> None:
    doc = parse_markdown(f"{html}\n\n- Smith, A. (2019). A title.\n", Path("/tmp/d.md"), "d.md")
    assert not doc.has_reference_section


def test_display_math_ends_at_its_closing_dollars_with_attributes() -> None:
    # pandoc-crossref / Quarto label an equation after its closing `$$`; the prose after it is prose.
    text = BIB + (
        "Before $$\n"  # not an opening: text before it
        "\n"
        "$$\n"
        "x = 1\n"
        "$$ {#eq:one}\n"
        "where $x$ is one [@alpha].\n"
        "\n"
        "Then [@beta] and\n"
        "$$\n"
        "y = 2\n"
        "$$\n"
        "[@gamma].\n"
    )
    assert cites(text) == [("alpha", 9, 18, 26), ("beta", 11, 6, 13), ("gamma", 15, 1, 9)]


def test_display_math_does_not_run_over_a_blank_line() -> None:
    text = BIB + "$$\nx = 1\n\nText [@alpha].\n$$\n\nMore [@beta].\n"
    assert cites(text) == [("alpha", 7, 6, 14), ("beta", 10, 6, 13)]


def test_definition_list_bodies_are_markdown_not_code() -> None:
    text = BIB + (
        "Term\n"
        ":   Definition [@alpha].\n"
        "\n"
        "    - nested bullet [@beta]\n"
        "    - another [@gamma]\n"
        "\n"
        "Second term\n"
        "\n"
        "~   Tilde marker [@delta]\n"
    )
    assert cites(text) == [
        ("alpha", 5, 16, 24),
        ("beta", 7, 21, 28),
        ("gamma", 8, 15, 23),
        ("delta", 12, 18, 26),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "| a |\n|---|\n| b |\n\n: A table caption {#tbl-x}\n\n    code [@alpha]\n",  # Quarto's table caption
        "Para one\nline two\n:   not a term above\n\n    code [@alpha]\n",
        "```\nTerm\n:   in a fence\n\n    code [@alpha]\n```\n",
    ],
)
def test_colon_lines_that_are_not_definitions_change_nothing(text: str) -> None:
    assert cites(BIB + text) == []


def test_citations_in_image_captions() -> None:
    text = BIB + "![A caption citing [@theta] and [@iota]](img.png){#fig-x}\n"
    doc = parse_markdown(text, Path("/tmp/d.md"), "d.md")
    assert [(c.key, c.span.line, c.span.column) for c in doc.citations] == [("theta", 4, 20), ("iota", 4, 33)]
    assert [(link.url, link.span.column) for link in doc.links] == [("img.png", 1)]


def test_pandoc_citation_before_a_colon_mid_line() -> None:
    # A Manubot alias definition `[@key]: doi:…` starts its line; mid-line, `[@key]:` is a citation.
    text = BIB + "- Glorot initialization [@glorot2010]: $U(\\pm \\sqrt{6/m})$\n\n[@alias]: doi:10.1000/x\n"
    assert cites(text) == [("glorot2010", 4, 25, 38)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A claim.^[See [@alpha] and @beta here.] More.", [("alpha", 15, 23), ("beta", 28, 33)]),
        ("Two^[First [@alpha; @beta], then more.] notes.", [("alpha", 12, 27), ("beta", 21, 26)]),
        ("A [bracketed span [@alpha]]{.mark} here.", [("alpha", 19, 27)]),
        ("| X | [@alpha] |", [("alpha", 7, 15)]),
    ],
)
def test_citations_in_inline_notes_spans_and_table_cells(line: str, expected: list[tuple[str, int, int]]) -> None:
    text = BIB + (line if not line.startswith("|") else "| a | b |\n|---|---|\n" + line) + "\n"
    row = 4 if not line.startswith("|") else 6
    assert cites(text) == [(key, row, start, end) for key, start, end in expected]


def test_fenced_div_content_is_markdown() -> None:
    text = BIB + "::: {.callout-note}\nInside [@alpha].\n\n- item [@beta]\n:::\n\nAfter [@gamma].\n"
    assert cites(text) == [("alpha", 5, 8, 16), ("beta", 7, 8, 15), ("gamma", 10, 7, 15)]

"""`--format markdown`: a PR-comment summary whose table survives any message text."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import render_markdown


def diag(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, Span(line, 2, line, 9), code, message, rules.get(code).severity)


def html(markdown: str) -> str:
    """Rendered the way GitHub does the parts that matter here: CommonMark plus tables."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)


def html_text(text: str) -> str:
    """`text` as markdown-it writes plain text into HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def cells(markdown: str) -> list[list[str]]:
    rendered = html(markdown)
    body = rendered.split("<tbody>", 1)[1]
    return [re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("</tr>") if "<td>" in row]


def test_headline_counts_and_table_rows() -> None:
    result = RunResult(
        diagnostics=[
            diag("docs/post.md", 3, "RC201", "no entry for Smith 2020"),
            diag("docs/post.md", 8, "RC202", "uncited entry: Kaplan 2020"),
        ],
        summary=Summary(files=1, citations=3, references=2, links=4, errors=1, warnings=1),
    )
    assert render_markdown(result) == (
        "### refcheck: 1 error, 1 warning, 0 infos\n"
        "\n"
        "Checked 1 file: 3 citations, 2 references, 4 links.\n"
        "\n"
        "| Location | Severity | Code | Message |\n"
        "| --- | --- | --- | --- |\n"
        "| docs/post.md:3:2 | error | RC201 | no entry for Smith 2020 |\n"
        "| docs/post.md:8:2 | warning | RC202 | uncited entry: Kaplan 2020 |\n"
    )


def test_clean_run_says_so_without_a_table() -> None:
    text = render_markdown(RunResult(summary=Summary(files=3, citations=1, references=1, links=0)))
    assert text == "### refcheck: no problems found\n\nChecked 3 files: 1 citation, 1 reference, 0 links.\n"


@pytest.mark.parametrize(
    "message",
    [
        "a | pipe and a \\| escaped pipe",
        "**not bold** and _not italic_ and ~~not struck~~",
        "[not a link](https://example.com) and ![not an image](x.png)",
        "<script>alert(1)</script> and <b>not bold</b>",
        "`not code` and ``double``",
        "&amp; stays an ampersand, as does &copy;",
        "$x^2$ is not math",
        "trailing backslash \\",
        "https://example.com/a_b_c?x=1|2",
    ],
)
def test_message_text_renders_literally_in_one_cell(message: str) -> None:
    result = RunResult(diagnostics=[diag("a.md", 1, "RC201", message)], summary=Summary(errors=1))
    (row,) = cells(render_markdown(result))
    assert len(row) == 4
    assert row[3] == html_text(message)


def test_newlines_in_a_message_stay_inside_the_row() -> None:
    result = RunResult(diagnostics=[diag("a.md", 1, "RC201", "first\nsecond\r\nthird")])
    (row,) = cells(render_markdown(result))
    assert row[3] == "first second third"


def test_paths_with_markup_characters_render_literally() -> None:
    result = RunResult(diagnostics=[diag("drafts/__init__|x.md", 4, "RC404", "gone")])
    (row,) = cells(render_markdown(result))
    assert row[0] == "drafts/__init__|x.md:4:2"


def test_short_lists_are_shown_open() -> None:
    result = RunResult(diagnostics=[diag("a.md", n, "RC202", "uncited") for n in range(1, 4)])
    assert "<details>" not in render_markdown(result, collapse_after=3)


def test_long_lists_are_collapsed_in_details() -> None:
    result = RunResult(diagnostics=[diag("a.md", n, "RC202", "uncited") for n in range(1, 5)])
    text = render_markdown(result, collapse_after=3)
    assert "<details>\n<summary>All 4 findings</summary>\n\n| Location |" in text
    assert text.rstrip().endswith("</details>")
    assert len(cells(text)) == 4  # the table still renders inside the HTML block


def test_rows_beyond_the_limit_are_counted_not_listed() -> None:
    result = RunResult(diagnostics=[diag("a.md", n, "RC202", "uncited") for n in range(1, 8)])
    text = render_markdown(result, max_rows=5, collapse_after=100)
    assert len(cells(text)) == 5
    assert "…and 2 more not listed here." in text


def test_notices_are_listed_and_escaped() -> None:
    result = RunResult(notices=["network unreachable: *212* links not checked"], summary=Summary(files=1))
    text = render_markdown(result)
    assert text.endswith("**Notices**\n\n- network unreachable: \\*212\\* links not checked\n")
    assert "<li>network unreachable: *212* links not checked</li>" in html(text)


def test_unchecked_counts_are_named() -> None:
    text = render_markdown(RunResult(summary=Summary(files=1, unchecked_links=5, unverified_references=1)))
    assert "5 links not checked. 1 reference not verified." in text

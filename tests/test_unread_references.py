"""RC106: a reference section, bibliography or citation-like text that yields nothing is said once, not
skipped in silence; and the console gives each file's counts so that a zero stands out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refcheck.cli import main
from refcheck.parse.document import parse_markdown


def rc106(text: str) -> list[tuple[int, int, int, str]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    return [(d.span.line, d.span.column, d.span.end_column, d.message) for d in doc.diagnostics if d.code == "RC106"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The LLM report's empty final heading (corpus: llm-dzhng-deep-research-revops).
        (
            "# Report\n\nFindings.\n\n## Sources\n",
            [(5, 1, 11, "reference section 'Sources' at line 5: 0 entries read")],
        ),
        (
            "## References\n\n## Appendix\n\nText.\n",
            [(1, 1, 14, "reference section 'References' at line 1: 0 entries read")],
        ),
        (
            "Text.\n\n**References:**\n\n# Next\n",
            [(3, 1, 16, "reference section 'References' at line 3: 0 entries read")],
        ),
        (
            "Text.\n\n  ### Bibliography {#bib}\n",
            [(3, 3, 26, "reference section 'Bibliography' at line 3: 0 entries read")],
        ),
        # Only a code block of something other than BibTeX: nothing read.
        (
            "## References\n\n```\nsee the wiki\n```\n",
            [(1, 1, 14, "reference section 'References' at line 1: 0 entries read")],
        ),
    ],
)
def test_empty_reference_section_is_reported_at_its_heading(
    text: str, expected: list[tuple[int, int, int, str]]
) -> None:
    assert rc106(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "## References\n\n- Smith, A. (2020). A study. Venue.\n",
        "## References\n\n### Papers\n\n- Smith, A. (2020). A study. Venue.\n",  # entries under a sub-heading
        "## References\n\n[^1]: Smith, A. (2020). A study.\n\nText[^1].\n",  # footnote definitions
        "## References\n\n[1]: https://example.org/paper\n\nSee [x][1].\n",  # link definitions
        "## Citation\n\n```bibtex\n@article{a, title={T}, year={2020}}\n```\n",
        # Where a generator puts the list it builds.
        "## References\n\n```{bibliography}\n```\n\n## Appendix\n",
        "## References\n\n```{bibliography} refs.bib\n:style: plain\n```\n\n## Appendix\n",
        "## References\n\n:::{bibliography}\n:::\n\n## Appendix\n",
        '## References\n\n<div id="refs"></div>\n\n## Appendix\n',
        '## References {.page_break_before}\n\n<!-- here -->\n<div id="refs"></div>\n\n## Appendix\n',
        "# References\n\n::: {#refs}\n:::\n\n# Appendix\n",
        "## References\n\n{% bibliography --cited %}\n\n## Appendix\n",
        "## References\n\n\\printbibliography\n\n## Appendix\n",
        # Last heading of a document that cites by key: pandoc and mystmd append the list there.
        "Cited [@smith2020].\n\n# References\n",
        "Cited {cite}`smith2020`.\n\n# References\n",
        "---\nbibliography: refs.bib\n---\nText.\n\n# References\n",
    ],
)
def test_section_with_entries_or_a_generated_list_is_not_empty(text: str) -> None:
    assert rc106(text) == []


def test_a_keyed_document_still_hears_of_an_empty_section_that_is_not_last() -> None:
    text = "Cited [@smith2020].\n\n## References\n\n## Appendix\n\nMore.\n"
    assert rc106(text) == [(3, 1, 14, "reference section 'References' at line 3: 0 entries read")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We follow \\citep{smith2020} here.\n",
            [(1, 11, 18, "citation-like text '\\\\citep{', but no citation could be read in this file")],
        ),
        (
            "Text.\n\nAs :cite:p:`smith2020` shows.\n",
            [(3, 4, 13, "citation-like text ':cite:p:`', but no citation could be read in this file")],
        ),
    ],
)
def test_citation_like_text_with_no_citation_read_is_said_once(
    text: str, expected: list[tuple[int, int, int, str]]
) -> None:
    assert rc106(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Write `\\cite{key}` in LaTeX.\n",  # code span
        "MyST roles: ``{cite}`key` `` and ``{cite:p}`a, b` ``.\n",  # roles shown in double-backtick code
        "```latex\n\\cite{key}\n```\n",  # code block
        "<!-- \\cite{key} -->\n",
        "<!--\n[@hidden]\n-->\n",
        "[@tag:abc]: doi:10.1000/xyz\n",  # a Manubot alias definition
        "Cited [@smith2020] and \\cite{other}.\n",  # some citation was read
        "Mail me @user or see [link](https://example.org).\n",
    ],
)
def test_no_citation_like_text_warning_when_it_is_not_prose_or_a_citation_was_read(text: str) -> None:
    assert rc106(text) == []


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    main(["--offline", "--no-cache", "--format", "json", *args])
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_bibliography_with_no_entry_read_is_said_once_in_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("refs.ris").write_text("TY  - JOUR\nID  - smith2020\nTI  - A study\nER  -\n", encoding="utf-8")
    for name in ("a.md", "b.md"):
        Path(name).write_text("---\nbibliography: refs.ris\n---\nSee [@smith2020].\n", encoding="utf-8")
    data = run_json(["a.md", "b.md"], capsys)
    found = [(d["path"], d["line"], d["column"], d["message"]) for d in data["diagnostics"] if d["code"] == "RC106"]  # type: ignore[attr-defined, index]
    assert found == [
        (
            "refs.ris",
            1,
            1,
            "bibliography refs.ris: 0 entries read (refcheck reads BibTeX, CSL JSON and CSL YAML; this file's format is not understood)",
        )
    ]


def test_console_gives_each_files_counts_so_a_zero_stands_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cited.md").write_text(
        "As Smith (2020) shows, see [docs](https://example.org).\n\n## References\n\n"
        "- Smith, A. (2020). A study. Venue.\n",
        encoding="utf-8",
    )
    Path("plain.md").write_text("No citations here.\n", encoding="utf-8")
    capsys.readouterr()
    main(["--offline", "--no-cache", "cited.md", "plain.md"])
    out = capsys.readouterr().out
    assert out.endswith(
        "cited.md: 1 citation, 1 reference, 1 link\n"
        "plain.md: 0 citations, 0 references, 0 links\n"
        "Checked 2 files (1 citation, 1 reference, 1 link): 0 errors, 0 warnings, 0 infos.\n"
    )


def test_console_counts_files_without_citations_in_a_large_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(25):
        text = "See [@a].\n" if index < 22 else "Nothing cited.\n"
        Path(f"doc{index:02}.md").write_text(text, encoding="utf-8")
    capsys.readouterr()
    main(["--offline", "--no-cache", "--jobs", "1", "--ignore", "RC201", "."])
    out = capsys.readouterr().out
    assert (
        out
        == "No citations in 3 of 25 files.\nChecked 25 files (22 citations, 0 references, 0 links): 0 errors, 0 warnings, 0 infos.\n"
    )

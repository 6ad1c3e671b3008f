"""Citations as research agents and LLM exports write them: numeric shapes resolved against the numbered
list, one finding for numbers cited with no list, attribution links, per-turn footnotes, hugo-cite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refcheck.check.match import check_document
from refcheck.cli import main
from refcheck.parse.document import parse_markdown

NUMBERED = "\n\n## References\n\n" + "".join(f"{n}. Author {n}. Title number {n}. 2020.\n" for n in range(1, 13))


def numeric(text: str) -> list[tuple[int, int, int, str | None]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    return [(c.span.line, c.span.column, c.span.end_column, c.key) for c in doc.citations if c.kind.value == "numeric"]


def findings(text: str) -> list[tuple[int, int, str, str]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    found, _ = check_document(doc, [], set(), uncited_bib=False)
    return sorted((d.span.line, d.span.column, d.code, d.message) for d in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Side by side: each bracket its own citation, on its own brackets.
        ("Agents cite.[1][2]", [(1, 13, 16, "1"), (1, 16, 19, "2")]),
        ("Three.[3][11][12]", [(1, 7, 10, "3"), (1, 10, 14, "11"), (1, 14, 18, "12")]),
        # Ranges written with two brackets: the ends on their brackets, what lies between on the first.
        ("Span [2]-[4].", [(1, 6, 9, "2"), (1, 6, 9, "3"), (1, 10, 13, "4")]),
        ("Span [5]–[7].", [(1, 6, 9, "5"), (1, 6, 9, "6"), (1, 10, 13, "7")]),
        # Fullwidth brackets; `[^1^]`; pandoc superscripts; HTML superscripts.
        ("Fullwidth.【5】", [(1, 11, 14, "5")]),
        ("Fullwidth 【5、6】.", [(1, 12, 13, "5"), (1, 14, 15, "6")]),
        ("Kimi style.[^6^]", [(1, 12, 17, "6")]),
        ("Gemini style.^7^ More.", [(1, 14, 17, "7")]),
        ("Gemini style.^4,5^", [(1, 15, 16, "4"), (1, 17, 18, "5")]),
        ("Spaced ^12^ too.", [(1, 8, 12, "12")]),
        ("HTML.<sup>8</sup>", [(1, 6, 18, "8")]),
        ("HTML.<sup>[9]</sup>", [(1, 11, 14, "9")]),
        ("HTML.<sup>1, 2</sup>", [(1, 11, 12, "1"), (1, 14, 15, "2")]),
        # A link whose text is the number, against a numbered list.
        ("Linked [[3]](https://example.org/a).", [(1, 9, 12, "3")]),
        # Near misses: powers, indexing, a defined label, an image.
        ("Area in km^2^, 10^6^ and x<sup>2</sup> or 2<sup>3</sup>.", []),
        ("Index a[1][2] and ![1][2].", []),
    ],
)
def test_agent_numeric_shapes_are_citations_at_exact_positions(
    text: str, expected: list[tuple[int, int, int, str]]
) -> None:
    assert numeric(text + NUMBERED) == expected


def test_side_by_side_numbers_are_no_reference_links_and_the_second_is_cited() -> None:
    # Before: "[1][12]" was a link to an undefined label 12 (RC201) and entry 12 was never cited (RC202).
    text = "Claim.[1][12] Other.[2][3][4][5][6][7][8][9][10][11]" + NUMBERED
    assert findings(text) == []


def test_a_defined_label_after_a_number_keeps_the_reference_link() -> None:
    text = (
        "See [1][site] and [2].\n\n[site]: https://example.org\n\n## References\n\n1. A. One. 2020.\n2. B. Two. 2021.\n"
    )
    assert numeric(text) == [(1, 19, 22, "2")]
    assert [f[:3] for f in findings(text)] == [(7, 4, "RC202")]  # entry 1: `[1][site]` is a link


def test_a_side_by_side_number_missing_from_the_list_is_rc201_on_its_bracket() -> None:
    text = "Claim.[1][13]" + NUMBERED
    assert [f for f in findings(text) if f[2] == "RC201"] == [(1, 10, "RC201", "[13]: no reference numbered 13")]


def test_numbers_cited_with_no_list_are_one_finding_naming_how_many_dangle() -> None:
    text = "Start.[1][2] Then [3] and [5].\n\nLater.[43]\n"
    assert findings(text) == [(1, 7, "RC201", "numeric citations [1]–[43] (5 numbers) but no numbered reference list")]


@pytest.mark.parametrize(
    ("text", "column", "end_column"),
    [
        ("Only.^4^ [2]\n", 6, 9),
        ("Only.[^4^] [2]\n", 6, 11),
        ("Only.【4】 [2]\n", 6, 9),
        ("Only.<sup>4</sup> [2]\n", 6, 18),
    ],
)
def test_other_numeric_shapes_with_no_list_are_one_finding_counting_lone_brackets_too(
    text: str, column: int, end_column: int
) -> None:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    assert [(c.span.column, c.span.end_column, c.key) for c in doc.citations] == [
        (column, end_column, "4"),
        (end_column + 1, end_column + 4, "2"),
    ]
    assert findings(text) == [
        (1, column, "RC201", "numeric citations [2]–[4] (2 numbers) but no numbered reference list")
    ]


def test_bracketed_superscripts_with_no_list_count_and_lone_brackets_beside_them_too() -> None:
    text = "A.<sup>[9]</sup> B [10].\n"
    assert numeric(text) == [(1, 8, 11, "9"), (1, 20, 24, "10")]
    assert findings(text) == [(1, 8, "RC201", "numeric citations [9]–[10] (2 numbers) but no numbered reference list")]


def test_a_lone_bracketed_number_with_no_list_is_not_a_citation() -> None:
    assert numeric("Step [2] of the recipe.\n") == []
    assert findings("Step [2] of the recipe.\n") == []


def test_attribution_links_restarting_every_sentence_are_links_not_citations() -> None:
    text = (
        'One.[[0]](https://a.example/x "Cited text: a")[[1]](https://b.example/y "Cited text: b")\n'
        'Two.[[0]](https://c.example/z "Cited text: c")\n'
    )
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    assert doc.citations == []
    assert [link.span.column for link in doc.links] == [5, 47, 5]
    assert findings(text) == []
    # Beside a numeric citation of another shape, the attribution links still are no numbered citations.
    assert findings(text + "Three.^1^\n") == [(3, 7, "RC201", "numeric citation [1] but no numbered reference list")]


def test_per_turn_footnotes_resolve_and_a_missing_one_is_rc201() -> None:
    text = (
        "Turn one.[^1_1] Turn two.[^2_7] and [^2_9].\n\n"
        "[^1_1]: upload.docx\n[^2_7]: https://example.org/p\n[^2_8]: notes.md\n"
    )
    assert [f[:3] for f in findings(text)] == [(1, 37, "RC201"), (5, 1, "RC202")]


HUGO_BIB = [
    {
        "id": "Lessig 2002",
        "type": "book",
        "title": "The Future of Ideas",
        "author": [{"family": "Lessig"}],
        "issued": {"date-parts": [[2002]]},
    },
    {
        "id": "Faure1909",
        "type": "book",
        "title": "Essai",
        "author": [{"family": "Faure"}],
        "issued": {"date-parts": [[1909]]},
    },
]


def _hugo_site(tmp_path: Path) -> Path:
    (tmp_path / "content" / "posts" / "bundle").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "hugo.toml").write_text('title = "t"\n', encoding="utf-8")
    (tmp_path / "data" / "bib.json").write_text(json.dumps(HUGO_BIB), encoding="utf-8")
    (tmp_path / "content" / "posts" / "bundle" / "my-bib.json").write_text(json.dumps(HUGO_BIB), encoding="utf-8")
    return tmp_path


def _json_run(
    root: Path, target: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    monkeypatch.chdir(root)
    capsys.readouterr()
    main(["--offline", "--no-cache", "--format", "json", target])
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_hugo_cite_keys_are_looked_up_in_bibfile_from_the_site_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _hugo_site(tmp_path)
    (root / "content" / "posts" / "a.md").write_text(
        "---\ntitle: A\nbibFile: data/bib.json\n---\n\n"
        'A programmer. {{< cite "Lessig 2002" >}} and {{< cite "-Faure1909" "304" >}}, {{< cite key="Nobody" >}}.\n'
        'Both {{< cite "Lessig 2002;Missing" >}}; shown {{</* cite "Escaped" */>}} and `{{< cite "code" >}}`.\n'
        # The list hugo-cite renders is no entry of a reference list (no RC101, no RC106).
        "\n## Cited Works\n\n{{< bibliography cited >}}\n\n## Appendix\n\nText.\n",
        encoding="utf-8",
    )
    data = _json_run(root, "content/posts/a.md", monkeypatch, capsys)
    assert data["summary"]["citations"] == 5
    assert [(d["line"], d["column"], d["end_column"], d["code"], d["message"]) for d in data["diagnostics"]] == [
        (6, 79, 104, "RC201", 'cite "Nobody": no entry with this key in the bibliography'),
        (7, 28, 35, "RC201", 'cite "Missing": no entry with this key in the bibliography'),
    ]


def test_hugo_cite_in_a_page_bundle_reads_its_bib_json_and_a_missing_bibfile_is_rc103(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _hugo_site(tmp_path)
    (root / "content" / "posts" / "bundle" / "index.md").write_text(
        'Bundle {{< cite "Faure1909" >}} and {{% cite "Ghost" %}}.\n', encoding="utf-8"
    )
    (root / "content" / "posts" / "c.md").write_text(
        '---\nbibFile: data/gone.json\n---\n\nGone {{< cite "Faure1909" >}}.\n', encoding="utf-8"
    )
    data = _json_run(root, "content", monkeypatch, capsys)
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [
        ("content/posts/bundle/index.md", 1, 37, "RC201"),
        ("content/posts/c.md", 2, 10, "RC103"),
    ]

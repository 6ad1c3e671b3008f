"""MyST citation roles (Jupyter Book, mystmd): what is a citation, where each key sits, how it is matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.check.match import check_document
from refcheck.model import CitationKind, Reference, ReferenceSource, Span
from refcheck.parse.citations import MYST_CITE_ROLES
from refcheck.parse.document import parse_markdown


def cites(text: str) -> list[tuple[int, int, int, str | None]]:
    """(line, column, end_column, key) of each MyST citation."""
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    assert all(c.kind is CitationKind.MYST for c in doc.citations)
    return [(c.span.line, c.span.column, c.span.end_column, c.key) for c in doc.citations]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See {cite}`smith2020`.", [(1, 5, 22, "smith2020")]),
        ("As {cite:t}`smith2020` shows.", [(1, 4, 23, "smith2020")]),
        # The first key sits on the role's `{` (the whole role is its span); later keys on themselves.
        ("Done {cite:p}`a,b`.", [(1, 6, 19, "a"), (1, 17, 18, "b")]),
        ("Done {cite:p}`alpha, beta ;gamma`.", [(1, 6, 34, "alpha"), (1, 22, 26, "beta"), (1, 28, 33, "gamma")]),
        (
            "Done {cite:ps}`a` {cite:ts}`b` {cite:alp}`c` {cite:alps}`d`.",
            [(1, 6, 18, "a"), (1, 19, 31, "b"), (1, 32, 45, "c"), (1, 46, 60, "d")],
        ),
        (
            "Year {cite:year}`a`, {cite:yearpar}`b`, {cite:author}`c`.",
            [(1, 6, 20, "a"), (1, 22, 39, "b"), (1, 41, 57, "c")],
        ),
        ("Note {footcite}`a` and {footcite:t}`b`.", [(1, 6, 19, "a"), (1, 24, 39, "b")]),
        # mystmd's `{prefix}key{suffix}`; Sphinx's explicit title `text <key>`.
        ("See {cite:p}`{see}smith2020{p. 3}`.", [(1, 5, 35, "smith2020")]),
        ("See {cite}`the paper <smith2020>`.", [(1, 5, 34, "smith2020")]),
        ("See {cite:p}`the papers <a, b>`.", [(1, 5, 32, "a"), (1, 29, 30, "b")]),
        # Double backticks, a blockquote, a list item, a wrapped line.
        ("See {cite}``smith2020``.", [(1, 5, 24, "smith2020")]),
        ("> quoted {cite:p}`a`", [(1, 10, 21, "a")]),
        ("- item\n  and {cite:t}`a, b`", [(2, 7, 21, "a"), (2, 19, 20, "b")]),
        ("Héllo wörld {cite}`a`", [(1, 13, 22, "a")]),
    ],
)
def test_role_keys_sit_at_exact_positions(text: str, expected: list[tuple[int, int, int, str]]) -> None:
    assert cites(text) == expected


@pytest.mark.parametrize(
    "near_miss",
    [
        "```md\n{cite}`inblock`\n```",  # a fenced code block
        "~~~\n{cite:p}`inblock`\n~~~",
        "    {cite}`indented_code`",  # an indented code block
        "Write `{cite}` then the key: `x {cite}`y``.",  # the role's name inside a real code span
        "Write ``{cite}`key` `` to cite.",  # a whole role shown as code
        "Roles `{cite:p}` / `{cite:t}` are described here.",
        "An unknown role {citet}`smith2020` and {cite:xyz}`smith2020`.",
        "Cross-references {ref}`intro`, {numref}`fig-1`, {eq}`eq-1`, {doc}`page`.",
        "Escaped \\{cite}`smith2020` is text.",
        "A space { cite}`smith2020` or {cite} `smith2020` is not a role.",
        "An empty {cite}` ` body.",
        "<!-- {cite}`commented` -->",
        "```{bibliography}\n```",  # the directive that prints the list
        ":::{bibliography}\n:filter: docname in docnames\n:::",
        "{cite}`a\nb`",  # markdown-it's role body is one line
    ],
)
def test_near_misses_are_not_citations(near_miss: str) -> None:
    assert cites(near_miss) == []


def test_every_documented_role_is_recognised() -> None:
    for role in sorted(MYST_CITE_ROLES):
        assert cites(f"x {{{role}}}`k`") == [(1, 3, 3 + len(role) + 5, "k")], role


def bib(*keys: str) -> list[Reference]:
    return [
        Reference(
            ReferenceSource.BIB, Span(i + 1, 1, i + 1, 2), key, "refs.bib", key=key, authors=("smith",), year="2020"
        )
        for i, key in enumerate(keys)
    ]


def findings(text: str, refs: list[Reference]) -> list[tuple[int, int, str, str]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    found, _ = check_document(doc, refs, set(), uncited_bib=True)
    return [(d.span.line, d.span.column, d.code, d.message) for d in sorted(found, key=lambda d: d.sort_key())]


def test_unknown_key_is_undefined_at_its_exact_position() -> None:
    text = "Known {cite:p}`smith2020, missing2021` and {cite:t}`gone`.\n"
    assert findings(text, bib("smith2020")) == [
        (1, 27, "RC201", "{cite:p} key missing2021: no entry with this key in the bibliography"),
        (1, 44, "RC201", "{cite:t} key gone: no entry with this key in the bibliography"),
    ]


def test_cited_keys_count_as_cited_entries() -> None:
    text = "Known {cite}`smith2020` only.\n"
    assert findings(text, bib("smith2020", "jones2019")) == [(2, 1, "RC202", "BibTeX entry jones2019 is never cited")]


def test_a_doi_written_as_the_key_needs_no_entry() -> None:
    assert findings("See {cite}`10.5281/zenodo.6091632`.\n", bib("smith2020")) == [
        (1, 1, "RC202", "BibTeX entry smith2020 is never cited")
    ]


def test_keys_without_any_bibliography_say_so() -> None:
    assert findings("See {cite}`smith2020`.\n", []) == [
        (1, 5, "RC201", "{cite} key smith2020: no bibliography to look it up in")
    ]


def test_keys_cited_inside_a_footnote_definition_are_citations() -> None:
    text = "Text[^n].\n\n[^n]: As {cite}`a` shows, and [@b]; Smith (2020) is the note's own text.\n"
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    assert [(c.kind.value, c.span.line, c.span.column, c.key) for c in doc.citations] == [
        ("footnote", 1, 5, "n"),
        ("myst", 3, 10, "a"),
        ("pandoc", 3, 31, "b"),
    ]

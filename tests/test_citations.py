"""Each citation grammar: what it finds (kind, key/authors/year, exact position) and near-misses it must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.model import CitationKind
from refcheck.parse.document import parse_markdown

LIST = "\n\n## References\n\n- Smith, A. (2019). A. Venue.\n- Kaplan, J., et al. (2020). Scaling. arXiv:2001.08361\n"


def cites(text: str) -> list[tuple[str, int, int, tuple[str, ...], str | None, str | None]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    return [(c.kind.value, c.span.line, c.span.column, c.authors, c.year, c.key) for c in doc.citations]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As Kaplan et al. (2020) show.", [("author-year", 1, 4, ("kaplan",), "2020", None)]),
        ("Smith and Jones (2019) agree.", [("author-year", 1, 1, ("smith", "jones"), "2019", None)]),
        ("Smith & Jones (2019) agree.", [("author-year", 1, 1, ("smith", "jones"), "2019", None)]),
        # The leftmost stretch that reads as a list of names starts at a plain word: the citation starts later.
        ("We use the data, Smith and Jones (2019) say.", [("author-year", 1, 18, ("smith", "jones"), "2019", None)]),
        ("On a scale and Kaplan et al. (2020) show.", [("author-year", 1, 16, ("kaplan",), "2020", None)]),
        ("Kaplan et al.'s (2020) law.", [("author-year", 1, 1, ("kaplan",), "2020", None)]),
        ("Per van der Berg et al. (2021).", [("author-year", 1, 5, ("van der berg",), "2021", None)]),
        (
            "Smith (2019, 2020a) said.",
            [("author-year", 1, 1, ("smith",), "2019", None), ("author-year", 1, 1, ("smith",), "2020a", None)],
        ),
        ("It works (Vaswani et al., 2017).", [("author-year", 1, 10, ("vaswani",), "2017", None)]),
        (
            "Data (Gao et al., 2020; Wei et al., 2022).",
            [("author-year", 1, 6, ("gao",), "2020", None), ("author-year", 1, 25, ("wei",), "2022", None)],
        ),
        ("See (e.g., Smith, 2019, p. 4).", [("author-year", 1, 5, ("smith",), "2019", None)]),
        # After other lead-in words an item ends its part, and sits on its first name, not on the `(`.
        ("Used (see the data, Smith, 2020).", [("author-year", 1, 21, ("smith",), "2020", None)]),
        ("Law (as shown by Smith et al., 2020).", [("author-year", 1, 18, ("smith",), "2020", None)]),
        ("Done (following Smith and Jones, 2019).", [("author-year", 1, 17, ("smith", "jones"), "2019", None)]),
        (
            "Code (adapted from Kaplan et al., 2020; Wei et al., 2022).",
            [("author-year", 1, 20, ("kaplan",), "2020", None), ("author-year", 1, 41, ("wei",), "2022", None)],
        ),
        (
            "Both (Smith, 2019; as shown by Kaplan et al., 2020, p. 7).",
            [("author-year", 1, 6, ("smith",), "2019", None), ("author-year", 1, 32, ("kaplan",), "2020", None)],
        ),
        (
            "Wrapped (as shown by\nvan der Smith et al., 2021).",
            [("author-year", 2, 1, ("van der smith",), "2021", None)],
        ),
        ("Known (Smith 2019).", [("author-year", 1, 7, ("smith",), "2019", None)]),
        ("Safety (OpenAI, 2023).", [("author-year", 1, 8, ("openai",), "2023", None)]),
        (
            "A [Kaplan et al., 2020](https://arxiv.org/abs/2001.08361) law.",
            [("author-year", 1, 3, ("kaplan",), "2020", None)],
        ),
        (
            "Chain ([Wei et al., 2022](https://arxiv.org/abs/2201.11903)).",
            [("author-year", 1, 8, ("wei",), "2022", None)],
        ),
        ("[1]: https://x.org\n\nThe [MAML][1] paper.", [("link-label", 3, 5, (), None, "1")]),
        (
            "Noted[^1] and[^name].\n\n[^1]: A.\n[^name]: B.",
            [("footnote", 1, 6, (), None, "1"), ("footnote", 1, 14, (), None, "name")],
        ),
        (
            "As [@smith2019, p. 3; @jones2020] say.",
            [("pandoc", 1, 4, (), None, "smith2019"), ("pandoc", 1, 23, (), None, "jones2020")],
        ),
        ("Suppressed author [-@smith2019].", [("pandoc", 1, 19, (), None, "smith2019")]),
        (
            "A DOI [@doi:10.1371/journal.pone.0033693].",
            [("pandoc", 1, 7, (), None, "doi:10.1371/journal.pone.0033693")],
        ),
        ('Cited <d-cite key="a,b"></d-cite>.', [("distill", 1, 7, (), None, "a"), ("distill", 1, 7, (), None, "b")]),
    ],
)
def test_grammar_finds_citation_at_exact_position(text: str, expected: list[tuple[object, ...]]) -> None:
    assert cites(text + LIST)[: len(expected)] == expected
    assert len([c for c in cites(text + LIST) if c[1] <= text.count("\n") + 1]) == len(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Published in Nature (2016) and at ECCV (2016).",
        "GPT-4 (2023) is a product.",
        "Code `Kaplan et al. (2020)` and fenced:\n\n```\n(Smith, 2019)\n```",
        "Math $f(Smith, 2019)$ and $$g(2019)$$.",
        "<!-- (Smith, 2019) -->",
        "An interval [0, 1] here.",
        "Figure @fig-plot and table @tbl-one.",
        "Write to someone@example.com.",
        "A URL https://example.com/Kaplan-et-al-(2020).",
        "In (March 2020) and (Summer 2019).",
        "Jones (2019) is not in the list.",
        "Apple and Google (2020) announced it.",
        "Released in Q3 (2021), Windows XP (2001), The Transformer (2017), the years (2019–2021).",
        "(Best Paper Award, 2019) (Accepted at NeurIPS, 2019) (last accessed 2021) (n = 2019)",
    ],
)
def test_non_citations_stay_quiet(text: str) -> None:
    assert cites(text + LIST) == []


@pytest.mark.parametrize(
    "near_miss",
    [
        "(in the summer, July, 2020)",
        "(released by Google, 2020)",
        "(see Figure 3, 2020)",
        "(as shown by Jones et al., 2020)",
        "(presented at NeurIPS, 2019)",
        "(Bellemare et al, JAIR 2013)",
        "(the work of Apple and Smith, 2020)",
        "(trained for smith, 2020)",
    ],
)
def test_lead_in_item_needs_a_known_capitalised_first_author(near_miss: str) -> None:
    # The control after it fires (a lead-in item of a known surname): only the near miss is quiet.
    assert cites(f"Not {near_miss}; but (as shown by Kaplan et al., 2020)." + LIST) == [
        ("author-year", 1, len(near_miss) + 24, ("kaplan",), "2020", None)
    ]


def test_lead_in_item_of_a_known_surname_that_is_also_a_month_needs_a_coauthor() -> None:
    text = "Out (released in May, 2019). Law (as shown by May et al., 2019).\n\n## References\n\n- May, R. (2019). M.\n"
    assert cites(text) == [("author-year", 1, 47, ("may",), "2019", None)]


def test_numeric_citations_expand_ranges_only_with_a_numbered_list() -> None:
    text = (
        "See [1], [2-3] and [1–2].\n\n## References\n\n[1] A. One. 2020.\n\n[2] B. Two. 2021.\n\n[3] C. Three. 2022.\n"
    )
    found = [(c.key, c.span.column) for c in parse_markdown(text, Path("/tmp/d.md"), "d.md").citations]
    assert found == [("1", 5), ("2", 11), ("3", 11), ("1", 21), ("2", 21)]
    assert cites("See [1] here.") == []


def test_bare_at_key_needs_a_bibliography(tmp_path: Path) -> None:
    assert cites("Thanks @someone for the idea.") == []
    (tmp_path / "refs.bib").write_text("@misc{smith2019, author={Smith, A.}, title={T}, year={2019}}\n")
    text = "---\nbibliography: refs.bib\n---\nAs @smith2019 notes."
    doc = parse_markdown(text, tmp_path / "d.md", "d.md")
    assert [(c.kind, c.key, c.span.line, c.span.column) for c in doc.citations] == [
        (CitationKind.PANDOC, "smith2019", 4, 4)
    ]


def test_citation_across_a_line_break_starts_on_its_first_line() -> None:
    assert cites("Shown by Kaplan et\nal. (2020) first." + LIST)[0][:3] == ("author-year", 1, 10)


def test_positions_count_code_points_and_survive_crlf() -> None:
    assert cites("Ünïcödé — (Smith, 2019).\r\n" + LIST.replace("\n", "\r\n"))[0][1:3] == (1, 11)


def test_citations_inside_blockquotes_and_lists_keep_their_columns() -> None:
    found = cites("> quoted (Smith, 2019)\n\n- item Kaplan et al. (2020)\n" + LIST)
    assert [(c[1], c[2]) for c in found] == [(1, 10), (3, 8)]

"""Reference-section detection, entry splitting, and GitHub-style heading anchors."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.model import ReferenceSource
from refcheck.parse.document import parse_markdown
from refcheck.parse.headings import AnchorSet, heading_anchor

ENTRY = "Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361"


def refs(text: str) -> list[tuple[str, int, int, str | None]]:
    doc = parse_markdown(text, Path("/tmp/d.md"), "d.md")
    return [(r.source.value, r.span.line, r.span.column, r.key) for r in doc.references]


@pytest.mark.parametrize(
    "heading",
    [
        "## References",
        "## Reference",
        "# REFERENCES:",
        "**References:**",
        "__Bibliography__",
        '## <a name="references"></a> References',
        "## References {.page_break_before}",
        "# nf-core/rnaseq: Citations",
        "### 7. Works Cited",
        "## Sources",
        "## Literature",
    ],
)
def test_reference_section_headings_are_recognised(heading: str) -> None:
    assert refs(f"Text.\n\n{heading}\n\n- {ENTRY}\n") == [("list", 5, 3, None)]


@pytest.mark.parametrize(
    "heading", ["## Referencing styles", "## Sources of error in practice", "## Citation needed here"]
)
def test_headings_that_only_contain_the_word_are_not_sections(heading: str) -> None:
    assert refs(f"Text.\n\n{heading}\n\n- {ENTRY}\n") == []


def test_a_section_ends_at_the_next_heading_of_its_level() -> None:
    text = f"## References\n\n- {ENTRY}\n\n### Sub\n\n- {ENTRY}\n\n## Next\n\n- {ENTRY}\n"
    assert [line for _, line, _, _ in refs(text)] == [3, 7]


def test_numbered_paragraph_entries_and_bold_numbers() -> None:
    text = f"## References\n\n[1] {ENTRY}\n[2] Vaswani, A. (2017). Attention.\n\n**[3]** LeCun, Y. (2015). Deep learning.\n"
    assert refs(text) == [("list", 3, 1, "1"), ("list", 4, 1, "2"), ("list", 6, 1, "3")]


def test_ordered_list_items_carry_their_numbers() -> None:
    text = f"## References\n\n3. {ENTRY}\n4. Vaswani, A. (2017). Attention.\n"
    assert refs(text) == [("list", 3, 4, "3"), ("list", 4, 4, "4")]


def test_further_reading_is_parsed_but_marked() -> None:
    assert refs(f"## Further reading\n\n- {ENTRY}\n") == [("further-reading", 3, 3, None)]


def test_bibtex_code_block_in_a_document_is_a_bibliography() -> None:
    text = (
        "## Citations\n\n```bibtex\n@misc{k2020,\n  author = {Kaplan, J.},\n  title = {S},\n  year = {2020}\n}\n```\n"
    )
    assert refs(text) == [("bib", 4, 1, "k2020")]


def test_a_bibtex_block_after_a_fence_left_open_in_a_quote_keeps_its_lines() -> None:
    # The quote's fence is never closed; "```bibtex" opens the next block rather than closing it.
    text = "> quoted\n> ```\nlazy\n```bibtex\n\n@misc{k2020,\n  title = {S},\n  year = {2020}\n}\n```\n"
    assert refs(text) == [("bib", 6, 1, "k2020")]


def test_setext_headings_are_sections_and_anchors() -> None:
    assert refs("Text (Smith, 2019).\n\nReferences\n----------\n\n- Smith, A. (2019). A title. *J*.\n") == [
        ("list", 6, 3, None)
    ]
    text = "My Title\n========\n\n> Quoted Title\n> ------------\n\nTwo line\ntitle\n---\n\n# My Title\n"
    doc = parse_markdown(text, Path("/tmp/d.md"), "d.md")
    # GitHub drops the line break of a two-line heading; the repeated title gets its -1.
    assert doc.anchors == {"my-title", "quoted-title", "two-linetitle", "my-title-1"}


def test_a_setext_heading_keeps_its_lines_when_its_text_recurs_in_a_later_heading() -> None:
    text = "Intro line\nSmith et al. (2019) said\n---\n\n# Intro line\n\n## References\n\n- Smith, J. (2019). T.\n"
    doc = parse_markdown(text, Path("/tmp/d.md"), "d.md")
    assert [(c.span.line, c.span.column, c.text) for c in doc.citations] == [(2, 1, "Smith et al. (2019)")]


def test_a_bibtex_block_mistune_emits_after_the_list_below_it_keeps_its_lines() -> None:
    # The fence left open in the quote swallows the next line; mistune emits the list first.
    text = "> Intro\n> ```bibtex\n@misc{k2020, title = {S}, year = {2020}}\n- item\n> "
    assert refs(text) == [("bib", 3, 1, "k2020")]


def test_a_numbered_entry_on_an_indented_continuation_line_starts_at_its_number() -> None:
    assert refs("**References**\n\n[1] Doe, A. (2019). T.\n   [2] Smith, J. (2020). U.\n") == [
        ("list", 3, 1, "1"),
        ("list", 4, 4, "2"),
    ]
    # A lazy line after a quote, indented by a tab that mistune expands: the column stays in the line.
    assert refs("**References**\n\n> [1] Doe, A. (2019). T.\n\t [2] Smith, J. (2020). U.\n") == [
        ("list", 3, 3, "1"),
        ("list", 4, 3, "2"),
    ]


def test_footnote_and_link_definitions_are_references() -> None:
    text = "A[^n] [b][x].\n\n[^n]: Smith, A. (2019). Note.\n\n[x]: https://example.com\n"
    found = refs(text)
    assert ("footnote", 3, 1, "n") in found and ("link-definition", 5, 1, "x") in found


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Installation", "installation"),
        ("1. Scaling Laws and Model Size", "1-scaling-laws-and-model-size"),
        ("What's new in v2.0?", "whats-new-in-v20"),
        ("`code` and *emphasis*", "code-and-emphasis"),
        ("[Linked](https://x.org) title", "linked-title"),
        ("Ünïcode Straße", "ünïcode-straße"),
        ("snake_case_name", "snake_case_name"),
        ("A -- B", "a----b"),
    ],
)
def test_heading_slugs_follow_github(title: str, slug: str) -> None:
    assert heading_anchor(title) == slug


def test_repeated_headings_get_numeric_suffixes_and_explicit_ids_count() -> None:
    anchors = AnchorSet()
    for title in ["Usage", "Usage", "Usage"]:
        anchors.add_heading(title)
    anchors.add_heading("Set-up", "setup")
    assert anchors.ids == {"usage", "usage-1", "usage-2", "set-up", "setup"}


def test_html_ids_and_names_are_anchors() -> None:
    doc = parse_markdown(
        '<a name="top"></a>\n\n<div id="box">x</div>\n\nText <span id="inline">y</span>.\n', Path("/tmp/d.md"), "d.md"
    )
    assert {"top", "box", "inline"} <= doc.anchors


def test_reference_source_enum_values_are_stable() -> None:
    assert ReferenceSource.LIST.value == "list"


@pytest.mark.parametrize(
    ("target", "definition"),
    [
        ("fig1", ":::{figure} images/fig1.png\n:label: fig1\nA caption.\n:::"),  # MyST directive option
        ("fig2", "```{figure} images/fig2.png\n:name: fig2\n```"),  # Sphinx/Jupyter Book option
        ("intro", "(intro)=\n## Introduction"),  # MyST target before a heading
        ("fig-plot", "![A plot](plot.png){#fig-plot width=50%}"),  # pandoc/Quarto image attribute
        ("correspondence", "::: {#correspondence}\nWrite to us.\n:::"),  # pandoc fenced div
        ("fig-cell", "```{r}\n#| label: fig-cell\nplot(x)\n```"),  # Quarto cell option
        ("eq:energy", "$$E = mc^2$$ {#eq:energy}"),  # pandoc-crossref equation label
    ],
)
def test_targets_that_generators_define_are_anchors(target: str, definition: str) -> None:
    doc = parse_markdown(f"See [this](#{target}).\n\n{definition}\n", Path("a.md"), "a.md")
    assert target in doc.anchors


def test_a_generator_target_does_not_hide_a_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from refcheck.cli import main

    monkeypatch.chdir(tmp_path)
    page = Path("a.md")
    page.write_text("See [one](#fig1) and [two](#fig9).\n\n:::{figure} x.png\n:label: fig1\n:::\n", encoding="utf-8")
    main(["--offline", "--no-cache", "--select", "RC405", str(page)])
    out = capsys.readouterr().out
    assert "a.md:1:22 RC405 #fig9" in out
    assert "#fig1" not in out

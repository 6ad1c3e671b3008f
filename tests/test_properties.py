"""Property-based tests over generated Markdown and BibTeX: no exception, positions inside the file,
deterministic output. `bench/fuzz.py` runs the same properties on many more inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from refcheck.config import Config
from refcheck.model import Span
from refcheck.parse import bib
from refcheck.parse.document import parse_markdown
from refcheck.pipeline import check
from refcheck.sources import decode

# Pieces that exercise every grammar and block kind, glued with random text and line breaks.
_PIECES = [
    "Smith et al. (2019)",
    "(Smith, 2019; Jones & Lee, 2020a)",
    "[Kaplan et al., 2020](https://arxiv.org/abs/2001.08361)",
    "[1]",
    "[2-4]",
    "[^1]",
    "[^note]",
    "[@key]",
    "[@a, p. 3; -@b]",
    "@key",
    "[@doi:10.1000/x]",
    "[@tag:t]",
    "[text][ref]",
    "[ref]",
    "![img](pic.png)",
    "[link](other.md#part)",
    "[self](#refs)",
    "<https://e.org>",
    "https://doi.org/10.1000/xyz.",
    "arXiv:2001.08361",
    "doi:10.1000/abc",
    "<a href='x.md'>a</a>",
    '<d-cite key="a,b">',
    "<img src=y.png>",
    "<!-- refcheck: disable-next-line RC201 -->",
    "<!-- refcheck: disable -->",
    "`code [1]`",
    "$x^2 [3]$",
    "$$\n[4]\n$$",
    "\\[",
    "\\]",
    "**bold**",
    "_it_",
    "&amp;",
    "{#id}",
    "|",
    "---",
    "***",
    "[",
    "]",
    "(",
    ")",
    "`",
    "``",
    "<",
    ">",
    "$",
    "*",
    "\\",
    "@",
    "#",
    ":",
    "&",
    "{{ site.url }}",
    "Ünïcödé",
    "名前 (2019)",
    "😀",
    "\u200b",
    "\t",
    "\ufeff",
]
_LINE_STARTS = [
    "",
    "# ",
    "## References\n\n",
    "- ",
    "1. ",
    "> ",
    "    ",
    "```\n",
    "```bibtex\n",
    "[^1]: ",
    "[ref]: ",
    "[1] ",
    "| a | b |\n|---|---|\n| ",
    "**References**\n\n",
    "[@tag:t]: doi:10.1/x\n",
    "---\n",
]

piece = st.one_of(st.sampled_from(_PIECES), st.text(max_size=12))
line = st.builds(
    lambda start, parts: start + " ".join(parts), st.sampled_from(_LINE_STARTS), st.lists(piece, max_size=8)
)
newline = st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\r", "\n  ", "\n> "])
markdown = st.builds(
    lambda lines, seps: "".join(text + sep for text, sep in zip(lines, seps, strict=False)),
    st.lists(line, max_size=25),
    st.lists(newline, min_size=25, max_size=25),
)

_FIELD = st.one_of(
    st.sampled_from(
        [
            "Smith, A. and Jones, B.",
            "{Org Name}",
            'Müller, J{\\"u}rgen',
            "2020",
            "10.1000/x",
            "2001.08361",
            "{nested {braces}}",
            '"quoted"',
            "{unclosed",
            "}",
            "",
            "@",
            "#",
            "month = jan",
        ]
    ),
    st.text(max_size=15),
)
_FIELD_NAMES = ["author", "title", "year", "doi", "eprint", "journal", "url", "x"]
bibtex = st.lists(
    st.builds(
        lambda kind, key, fields: f"@{kind}{{{key},\n" + "".join(f"  {n} = {{{v}}},\n" for n, v in fields) + "}\n",
        st.sampled_from(["article", "book", "misc", "inproceedings", "string", "comment", "ARTICLE", ""]),
        st.one_of(st.sampled_from(["a", "b", "a", "smith2020", ""]), st.text(max_size=6)),
        st.lists(st.tuples(st.sampled_from(_FIELD_NAMES), _FIELD), max_size=6),
    ),
    max_size=6,
).map("".join)

_FIVE = " ".join(["Smith et al. (2019)"] * 5)
_UNCLOSED_FENCE_IN_QUOTE = f"\n\n> ```\n{_FIVE}\nSmith et al. (2019)\n{_FIVE}\n{_FIVE}\n"  # found by bench/fuzz.py

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lines_of(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_inside(span: Span, lines: list[str], what: object) -> None:
    """A span starts on a character of the file (or just after a line's end) and ends after it starts."""
    assert 1 <= span.line <= span.end_line <= len(lines), what
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, what
    assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 2, what
    assert (span.end_line, span.end_column) > (span.line, span.column), what


def check_markdown_properties(text: str) -> None:
    """parse_markdown raises nothing and every item it reports lies inside the text."""
    lines = lines_of(text)
    doc = parse_markdown(text, Path("/nonexistent/doc.md"), "doc.md")
    items: list[object] = [*doc.citations, *doc.references, *doc.links, *doc.identifiers, *doc.diagnostics]
    for item in items:
        span = item.span  # type: ignore[attr-defined]
        if getattr(item, "path", "doc.md") == "doc.md":
            assert_inside(span, lines, item)
    again = parse_markdown(text, Path("/nonexistent/doc.md"), "doc.md")
    assert again == doc


def check_bibtex_properties(text: str) -> None:
    text = "\n".join(lines_of(text))  # as load_bib and the Markdown parser hand it over
    lines = text.split("\n")
    result = bib.parse_bib_text(text, "refs.bib")
    for item in [*result.references, *result.diagnostics]:
        assert_inside(item.span, lines, item)


@PROPERTY_SETTINGS
@given(markdown)
@example("\n\n> 0\nSmith et al. (2019)\n- 0\n# \n")  # mistune emits the list before the block quote
@example("\n\n> Smith et al. (2019)\n[ref] Smith et al. (2019)\n- Smith et al. (2019)\n# \n")
@example(_UNCLOSED_FENCE_IN_QUOTE)
@example("## References\n\n[2-4] : & Smith et al. (2019)\n")  # an empty author name
@example("- Smith et al. (2019)\n\t Smith et al. (2019)\n")  # mistune expands the tab
@example("\n> ```\nA (2019) $$\n[4]\n$$\n```bibtex\nA (2019) $$\n[4]\n$$ @key (A, 2019) $$\n[4]\n$$ A\n")
@example("\n\n**References**\n\n\n> [1] \n\t [1] Smith et al. (2019)\n")  # a tab-indented lazy line
@example("0 $$\n[4]\n$$ Smith et al. (2019)\n---\n\n# 0 $$\n[4]\n$$\n")  # a setext heading, its text again later
@example("$$\n[4]\n$$ (Smith, 2019; Jones & Lee, 2020a)\n---\n\n# $$\n[4]\n$$ Smith et al. (2019)\n")
# mistune emits the list before the lazy lines of the fence left open in the quote above it.
@example(
    "\n\n\n> Smith et al. (2019)\n> ```bibtex\nSmith et al. (2019) @{\nSmith et al. (2019) Smith et al. (2019)\n- Smith et al. (2019)\n\n> "
)
@example(
    "\n\n\n> Smith et al. (2019)\n> ```bibtex\nSmith et al. (2019)\nSmith et al. (2019)\n@{\n- Smith et al. (2019) Smith et al. (2019)\n> "
)
# A ```bibtex opening fence is not the closing fence of the block left open in the quote above it.
@example(
    "\n\n\n\n\n> Smith et al. (2019)\n> ```\nSmith et al. (2019)\n```bibtex\n\n\n@ (Smith, 2019; Jones & Lee, 2020a)\n```\n\n"
)
@example(
    "\n\n\n\n\n> Smith et al. (2019)\n> ```\nSmith et al. (2019)\n```bibtex\n0@ (Smith, 2019; Jones & Lee, 2020a)\n```\n\n"
)
def test_generated_markdown_parses_with_positions_inside_the_file(text: str) -> None:
    check_markdown_properties(text)


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_are_refused_without_exception(data: bytes) -> None:
    text, diagnostics = decode(data, "f.md")
    assert (text is None) == any(d.code == "RC102" for d in diagnostics)
    if text is not None:
        check_markdown_properties(text)


@PROPERTY_SETTINGS
@given(bibtex)
def test_generated_bibtex_parses_with_positions_inside_the_file(text: str) -> None:
    check_bibtex_properties(text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(markdown, min_size=1, max_size=3), bibtex)
def test_whole_run_is_deterministic_and_positions_are_inside_files(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], bib_text: str
) -> None:
    root = tmp_path_factory.mktemp("run")
    (root / "refs.bib").write_text(bib_text, encoding="utf-8")
    for n, text in enumerate(texts):
        (root / f"d{n}.md").write_text("---\nbibliography: refs.bib\n---\n" + text, encoding="utf-8", newline="")
    config = Config(offline=True, jobs=1, bib=(root / "refs.bib",))
    first = check([root], config)
    assert check([root], config) == first
    for diag in first.diagnostics:
        path = Path(diag.path) if Path(diag.path).is_absolute() else Path.cwd() / diag.path
        assert_inside(diag.span, lines_of(path.read_text(encoding="utf-8")), diag)

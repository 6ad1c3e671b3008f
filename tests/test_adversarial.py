"""Hostile text under the 10 MB limit is checked in linear time, and the scanners that were made linear
find exactly what they found before (differential tests against the patterns they stand for)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from refcheck.parse import citations
from refcheck.parse import document as markdown
from refcheck.parse.citations import _JOINED, _PANDOC_BRACKET, _joined_before
from refcheck.parse.headings import _GENERATOR_TARGETS, _LINK, _TAGS, _strip_links
from refcheck.parse.inline import _DISPLAY_MATH, MAX_LINK_NESTING, _display_math, scan_inline
from tests.conftest import REPO, findings

# Each of these ran for minutes (quadratic) at this size; linear, each takes a second or two. The bound
# only catches a blow-up: it is no speed figure (bench/adversarial.py measures those).
BOUND = 30
TRAILER = "\n\nA claim (Nobody, 2020).\n\n## References\n\n- Smith, A. (2019). T.\n"


def _same_author_entries(count: int) -> str:
    cites = "".join("A claim (Smith, 2020).\n\n" for _ in range(count))
    return cites + "## References\n\n" + "".join(f"- Smith, J. (2020). Title number {n}.\n" for n in range(count))


HOSTILE: dict[str, str] = {
    "footnote-openers": "[^" * 200_000,
    "inline-notes": "^[" * 200_000,
    "nested-brackets": "[" * 500_000 + "x" + "]" * 500_000,
    "nested-mixed": "[(" * 250_000 + "x" + ")]" * 250_000,
    "comma-names-before-year": "Smith, " * 60_000 + "(2019)",
    "comma-names-in-parentheses": "(" + "Smith, " * 60_000 + "2019)",
    "heading-brackets": "# " + "[" * 400_000,
    "heading-tags": "# " + "<a " * 130_000,
    "display-math-openers": "\\( \\[ $$ " * 45_000,
    "escaped-brackets": "\\[" * 200_000,
    "nested-links": "[" * 80_000 + "x" + "](u)" * 80_000,
    "nested-images": "![" * 70_000 + "x" + "](u)" * 70_000,
    "nested-collapsed-labels": "[x]: https://example.org\n\n" + "[" * 100_000 + "x" + "][]" * 100_000,
    "spaces-after-a-name": "Smith et al $$" + "x " * 60_000 + "$$. (2019)",  # the formula is masked: spaces
    "at-run-in-an-open-bracket": "[^" + "@" * 200_000 + "[^",  # found by bench/fuzz.py (seed 31)
    "unclosed-attribute-id": "# {#" + "[a]" * 60_000,  # found by bench/fuzz.py (seed 31)
}


def _run(tmp_path: Path, text: str) -> tuple[int, dict[str, Any]]:
    """`refcheck --offline -j 1 --format json` on `text` in a subprocess cut at `BOUND` seconds."""
    (tmp_path / "hostile.md").write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--no-cache", "-j", "1", "--format", "json", "hostile.md"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_family_is_checked_in_linear_time_and_the_rest_still_counts(tmp_path: Path, name: str) -> None:
    text = HOSTILE[name]
    code, data = _run(tmp_path, text + TRAILER)
    claim_line = text.count("\n") + 3
    assert code == 1
    assert (claim_line, 9, "RC201") in findings(data)


def test_many_entries_with_the_same_author_and_year_each_citation_ambiguous_once(tmp_path: Path) -> None:
    code, data = _run(tmp_path, _same_author_entries(4000))
    ambiguous = [d for d in data["diagnostics"] if d["code"] == "RC204"]
    assert code == 0
    # One root cause, one finding: the first place, the other 3,999 as related locations.
    (finding,) = ambiguous
    assert (finding["line"], finding["column"], finding["end_column"]) == (1, 9, 22)
    assert len(finding["related"]) == 3999
    assert finding["related"][0] == {"line": 3, "column": 9, "end_line": 3, "end_column": 22}
    lines = ", ".join(str(8003 + n) for n in range(20))
    assert finding["message"].startswith(
        f"(Smith, 2020) matches 4000 entries (lines {lines}, … 3980 more); add a/b suffixes to tell them apart"
    )


def test_an_ambiguity_message_names_every_line_up_to_twenty_entries(run_json: Callable[..., Any]) -> None:
    _, data = run_json({"a.md": _same_author_entries(3)})
    assert [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [(1, 9, "RC204")]
    assert data["diagnostics"][0]["message"] == (
        "(Smith, 2020) matches 3 entries (lines 9, 10, 11); add a/b suffixes to tell them apart"
        " (and 2 more places: lines 3, 5)"
    )


# -- exact positions where a scanner changed ------------------------------------------------------


def test_a_footnote_use_after_a_run_of_unclosed_openers_keeps_its_position(run_json: Callable[..., Any]) -> None:
    _, data = run_json({"a.md": "Text " + "[^" * 50 + " and [^b][^x].\n\n[^b]: Smith, A. (2019). T.\n"})
    assert findings(data) == [(1, 115, "RC201")]


def test_citations_after_unclosed_display_math_keep_their_positions(run_json: Callable[..., Any]) -> None:
    text = "Math \\[ a $$ b (Nobody, 2020) and \\(x\\) (Other, 2021).\n\n## References\n\n- Smith, A. (2019). T.\n"
    _, data = run_json({"a.md": text})
    assert [f for f in findings(data) if f[2] == "RC201"] == [(1, 16, "RC201"), (1, 41, "RC201")]


def test_links_nested_deeper_than_the_limit_are_text(run_json: Callable[..., Any]) -> None:
    depth = MAX_LINK_NESTING + 2
    text = "[" * depth + "x" + "".join(f"](m{n}.md)" for n in range(depth)) + "\n"
    _, data = run_json({"a.md": text})
    # The outer links are kept (each a missing file, at its own `[`); the two innermost are text.
    assert findings(data) == [(1, depth - n, "RC404") for n in range(2, depth)][::-1]
    assert data["summary"]["links"] == MAX_LINK_NESTING


def test_a_bracket_around_others_is_no_label_and_the_inner_one_still_is(run_json: Callable[..., Any]) -> None:
    text = "See [x][] and [[y]][] and [[y]].\n\n[x]: https://example.org/x\n[y]: https://example.org/y\n[z]: https://example.org/z\n"
    _, data = run_json({"a.md": text})
    assert findings(data) == [(5, 1, "RC202")]
    assert data["summary"]["citations"] == 3


def test_a_badge_image_inside_a_link_is_still_both(run_json: Callable[..., Any]) -> None:
    _, data = run_json({"a.md": "[![b](img.png)](doc.md)\n"})
    assert findings(data) == [(1, 1, "RC404"), (1, 2, "RC404")]


@pytest.mark.parametrize(
    ("names", "expected"),
    # Up to 20 names between the first and the one after "and", the citation starts at the first (a
    # known surname, with a year that differs); past the bound it would start at an unknown name.
    [(20, [(1, 1, "RC203")]), (21, [(1, 1, "RC203")]), (22, [])],
)
def test_a_narrative_name_list_starts_at_its_first_name_up_to_the_bound(
    run_json: Callable[..., Any], names: int, expected: list[tuple[int, int, str]]
) -> None:
    listed = ", ".join(["Smith", *(f"Name{chr(65 + n % 26)}" for n in range(names - 1))])
    _, data = run_json({"a.md": f"{listed} and Jones (2020).\n\n## References\n\n- Smith, A. (2019). T.\n"})
    assert [f for f in findings(data) if f[2] in ("RC201", "RC203")] == expected


def test_a_surname_after_a_long_lead_in_ending_in_and_is_not_a_first_author(run_json: Callable[..., Any]) -> None:
    lead = "as argued at length " * 500
    text = f"A claim ({lead}and Smith, 2019) and ({lead}by Smith, 2019).\n\n## References\n\n- Smith, A. (2019). T.\n"
    _, data = run_json({"a.md": text})
    assert findings(data) == []  # the second is a citation of Smith 2019; the first is not read as one


# -- the linear scanners find what the patterns they stand for find -------------------------------


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="[]()!ab \\$\n", max_size=24))
def test_display_math_pass_equals_the_pattern(text: str) -> None:
    assert list(_display_math(text)) == [m.span() for m in _DISPLAY_MATH.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="[]()!a _<>", max_size=24))
def test_heading_link_stripping_equals_the_pattern(text: str) -> None:
    expected = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2) or "", text)
    assert _strip_links(text) == expected


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="<>a/ \n", max_size=24))
def test_tags_are_cut_only_where_a_tag_can_end(text: str) -> None:
    end = text.rfind(">") + 1
    for pattern in (markdown._ANCHOR_TAG, _TAGS):
        assert pattern.sub("", text[:end]) + text[end:] == pattern.sub("", text)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="and& \n\txy", max_size=16), st.integers(0, 16))
def test_joined_lead_in_test_equals_the_pattern(part: str, end: int) -> None:
    end = min(end, len(part))
    assert _joined_before(part, end) == (_JOINED.search(part, 0, end) is not None)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="[]^ a\\\n", max_size=24))
def test_footnote_references_and_labels_are_found_as_before(text: str) -> None:
    # Not what this test pins (the linear scan against the pattern): an escaped `]` ending a label
    # (`[^\]`), and a `[text][label]` pair, which the scanner reads as a reference link first.
    assume("\\]" not in text and "][" not in text)
    scan = scan_inline(text, {"a"})
    expected = _footnote_refs_by_pattern(text)
    assert [(label, start) for label, start, _ in scan.footnote_refs] == expected


def _footnote_refs_by_pattern(text: str) -> list[tuple[str, int]]:
    """Footnote uses as the scanner read them with the pattern tried at every `[^` (no shortcut)."""
    pattern = re.compile(r"\[\^([^\]\s]+)\]")
    found: list[tuple[str, int]] = []
    i = 0
    while (i := text.find("[", i)) >= 0:
        if i > 0 and text[i - 1] == "\\":
            i += 1
            continue
        m = pattern.match(text, i) if text.startswith("[^", i) else None
        if m and text.startswith(":", m.end()):
            before = i - 1
            while before >= 0 and text[before] in " \t>":
                before -= 1
            if before < 0 or text[before] == "\n":
                m = None
        if m:
            found.append((m.group(1), i))
            i = m.end()
            continue
        i += 1
    return found


@pytest.mark.parametrize("definitions", [1, 3, 51, 500])
def test_a_paragraph_mistune_merges_around_many_definitions_keeps_its_lines(definitions: int) -> None:
    # Found by bench/fuzz.py: past 50 consumed definition lines the paragraph's next line was placed on
    # the line after its first, a column past that line's end.
    text = "S[^n]: x\n" + "[^n]: x\n" * definitions + "mith et al. (2019) Smith et al. (2019)\n"
    doc = markdown.parse_markdown(text, Path("a.md"), "a.md")
    found = [(c.span.line, c.span.column, c.span.end_column) for c in doc.citations if c.text.startswith("Smith")]
    assert found == [(definitions + 2, 20, 39)]


def test_a_merged_paragraph_keeps_its_lines_past_a_stray_line_among_many_definitions() -> None:
    # Found by bench/fuzz.py: `[^[^n]: x` is no definition, so it stays in the paragraph between two
    # long runs of definitions; the second run was not skipped and the last line was misplaced.
    text = (
        "S[^n]: x\n" + "[^n]: x\n" * 99 + "[^[^n]: x\n" + "[^n]: x\n" * 155 + "mith et al. (2019) Smith et al. (2019)\n"
    )
    doc = markdown.parse_markdown(text, Path("a.md"), "a.md")
    found = [(c.span.line, c.span.column, c.span.end_column) for c in doc.citations if c.text.startswith("Smith")]
    assert found == [(257, 20, 39)]


def test_a_merged_paragraph_keeps_its_lines_when_mistune_also_drops_a_line_after_the_definitions() -> None:
    # Found by bench/fuzz.py: after 63 definitions mistune also took ` a | b |` out of the paragraph, so
    # the next line of the text sat one line past the run of definitions.
    text = "|[^n]: x\n" + "[^n]: x\n" * 63 + " a | b |\n|---|---|\n| Smith et al. (2019)\n"
    doc = markdown.parse_markdown(text, Path("a.md"), "a.md")
    found = [(c.span.line, c.span.column, c.span.end_column) for c in doc.citations if c.text.startswith("Smith")]
    assert found == [(67, 3, 22)]


# The pandoc bracket pattern before it was made linear: lazy, it tried every `@` of a run in turn.
_LAZY_PANDOC_BRACKET = re.compile(r"\[(?<![\]\\!]\[)(?P<body>[^\[\]\n]*?-?@[^\[\]]*?)\](?![(\[])")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="[]@-\n(a!\\;", max_size=24))
def test_pandoc_bracket_pattern_equals_the_lazy_one(text: str) -> None:
    def found(pattern: re.Pattern[str]) -> list[tuple[tuple[int, int], str]]:
        return [(m.span(), m.group("body")) for m in pattern.finditer(text)]

    assert found(_PANDOC_BRACKET) == found(_LAZY_PANDOC_BRACKET)


# The attribute-id alternative of the generator targets before it was made linear.
_OVERLAPPING_ATTRIBUTE = re.compile(r"\{#(?P<attr>[^\s{}#]+)[^{}\n]*\}")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="{}# \na\t.=", max_size=24))
def test_attribute_ids_equal_the_overlapping_pattern(text: str) -> None:
    found = [(m.span(), m.group("attr")) for m in _GENERATOR_TARGETS.finditer(text) if m.group("attr")]
    assert found == [(m.span(), m.group("attr")) for m in _OVERLAPPING_ATTRIBUTE.finditer(text)]


def test_a_distill_cite_with_many_keys_is_one_copy_of_its_tag(tmp_path: Path) -> None:
    """Each key's citation once held its own copy of the whole tag: 20,000 keys in a 110 KB tag took
    2.5 GB and 8 s (found by bench/fuzz.py, seed 31)."""
    keys = " ".join(f"k{n}" for n in range(50_000))
    code, data = _run(tmp_path, f'# T\n\nText <d-cite key="{keys}"></d-cite>.\n')
    assert code == 1
    assert data["summary"]["citations"] == 50_000
    assert [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [(3, 6, "RC201")]  # one, for all


# The author-year patterns before their `\s*,?\s+` (quadratic on a long run of spaces) was rewritten.
def _with_quadratic_spaces(pattern: re.Pattern[str]) -> re.Pattern[str]:
    source = pattern.pattern.replace(citations._COMMA_SPACE, r"\s*,?\s+")
    assert source != pattern.pattern  # the test compares two different patterns
    return re.compile(source.replace(r"\s*(?:,\s*)?(?:\(\s*)?", r"\s*,?\s*\(?\s*"), pattern.flags)


_AUTHOR_YEAR_TOKENS = ["Smith", "van", "der", "Berg", " ", "  ", "\n", ",", " and ", "&", " et al.", "al", "(", ")"]
_AUTHOR_YEAR_TOKENS += ["2019", "2020a", "n.d.", "e.g.", "see", "cf.", "'s", ";", "p. 4", "$", "."]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_AUTHOR_YEAR_TOKENS), max_size=14).map("".join))
def test_author_year_patterns_equal_their_quadratic_forms(text: str) -> None:
    def found(pattern: re.Pattern[str]) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
        return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]

    patterns = [citations._narrative(), citations._paren_item(), citations._paren_tail_item()]
    for pattern in [*patterns, citations._LINK_TEXT]:
        assert found(pattern) == found(_with_quadratic_spaces(pattern))
    whole = citations._LINK_TEXT.fullmatch(text)
    old = _with_quadratic_spaces(citations._LINK_TEXT).fullmatch(text)
    assert (whole and whole.groupdict()) == (old and old.groupdict())

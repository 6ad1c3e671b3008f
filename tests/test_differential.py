"""Differential test: what refcheck takes for links, images, code, math and HTML against markdown-it-py.

Every CommonMark 0.31.2 spec example (the version mistune 3 targets) is compared strictly; corpus files
(`shared/corpus/**/*.md` beside the repository, else the excerpts in tests/fixtures/differential/) are
compared as pandoc, kramdown and mkdocs read them (tests/differential.py, `compare(pandoc=True)`). Each
difference that remains is listed here with its reason; `python tests/differential.py [corpus]` prints
the counts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("markdown_it")
pytest.importorskip("mdit_py_plugins")

from tests.differential import compare, spec_examples

ROOT = Path(__file__).resolve().parents[1]
EXCERPTS = ROOT / "tests" / "fixtures" / "differential"

# Spec examples on which refcheck deliberately differs from CommonMark.
_RESUMES = "Markdown resumes after a closed HTML element, as pandoc and kramdown read it (a `<div></div>` before `### References`)"
_NESTED = "a link inside another link's text: refcheck reports the outer one too (CommonMark: only the inner); not met in real documents"
SPEC_DIFFERENCES = {
    151: _RESUMES,
    161: _RESUMES,
    165: _RESUMES,
    186: _RESUMES,
    518: _NESTED,
    519: _NESTED,
    520: _NESTED,
    541: "a link definition whose label spans two lines is not read as a definition (its use is not resolved)",
}
# Corpus files (relative to the corpus) that still differ, read as pandoc/kramdown/mkdocs read them.
_SUPERSCRIPT = (
    "pandoc superscript `^[✉](#correspondence)^` holds a link; the footnote plugin reads an inline note `^[✉]`"
)
CORPUS_DIFFERENCES = {
    "manubot-context-review/content/00.front-matter.md": _SUPERSCRIPT,
    "manubot-meta-review/content/00.front-matter.md": _SUPERSCRIPT,
    "manubot-rootstock/content/00.front-matter.md": _SUPERSCRIPT,
    "yangsong-score/index.md": "lines 124-126, an equation body between `$$` lines right after `…\\end{equation}$$ Here`: "
    "refcheck masks them as display math, the reference pairs the `$$` otherwise",
}
EXCERPT_DIFFERENCES = {"manubot-superscript-link.md": _SUPERSCRIPT}


def _corpus() -> Path | None:
    """`shared/corpus` beside the repository or one of its parents (a worktree sits deeper), if there."""
    if os.environ.get("REFCHECK_CORPUS"):
        return Path(os.environ["REFCHECK_CORPUS"])
    return next((p / "shared" / "corpus" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()), None)


EXAMPLES = spec_examples()


def test_spec_is_the_version_mistune_targets() -> None:
    assert len(EXAMPLES) == 652
    assert EXAMPLES[19]["markdown"] == "<https://example.com?find=\\*>\n"  # 0.31 moved the examples to https


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e["example"]))
def test_spec_example_agrees_with_commonmark(example: dict[str, object]) -> None:
    differences = compare(str(example["markdown"]))
    number = int(str(example["example"]))
    if number in SPEC_DIFFERENCES:
        assert differences, f"example {number} now agrees: drop it from SPEC_DIFFERENCES"
    else:
        assert differences == {}


@pytest.mark.parametrize("name", sorted(p.name for p in EXCERPTS.glob("*.md") if p.name != "README.md"))
def test_corpus_excerpt_agrees(name: str) -> None:
    differences = compare((EXCERPTS / name).read_text(encoding="utf-8"), pandoc=True)
    assert bool(differences) == (name in EXCERPT_DIFFERENCES), differences


def test_corpus_files_agree() -> None:
    corpus = _corpus()
    if corpus is None:
        pytest.skip("shared/corpus is not beside the repository")
    disagree = {}
    files = sorted(corpus.rglob("*.md"))
    for path in files:
        if path.name == "README.md" and path.parent == corpus:
            continue
        differences = compare(path.read_text(encoding="utf-8", errors="replace"), pandoc=True)
        if differences:
            disagree[path.relative_to(corpus).as_posix()] = differences
    assert {k: v for k, v in disagree.items() if k not in CORPUS_DIFFERENCES} == {}
    assert sorted(set(CORPUS_DIFFERENCES) - set(disagree)) == []  # a fixed one leaves the list

"""Entry-level checks and extraction of issue 13: RC209 on every entry at its year, RC205 across lists,
bibliographies and Manubot definitions, RC301/RC302 in definitions and bib entries, RC409 malformed
links, reading lists, `<a href>` citations, block-quoted entries, the console's info summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.config import Config
from refcheck.pipeline import check

CONFIG = Config(offline=True, use_cache=False, jobs=1)


def findings(tmp_path: Path, files: dict[str, str], codes: tuple[str, ...] = ()) -> list[tuple[str, int, int, str]]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = check([tmp_path / "doc.md"], CONFIG)
    return [
        (Path(d.path).name, d.span.line, d.span.column, d.code)
        for d in result.diagnostics
        if not codes or d.code in codes
    ]


CASES = [
    # RC209: a footnote used as an entry, dated before its arXiv ID's month; on the year
    ("Text[^a].\n\n[^a]: Smith, J. (2024). Sequence models at scale. arXiv:2502.01234\n", [("doc.md", 3, 18, "RC209")]),
    # RC209: a year left as a placeholder in a list entry
    (
        "Text.\n\n## Further reading\n\n- Smith, J. (2020). A. B.\n- Doe, J. (20xx). Some title of a work. J.\n",
        [("doc.md", 6, 12, "RC209")],
    ),
    # n.d. is no finding
    ("(Doe, n.d.)\n\n## References\n\n- Doe, J. (n.d.). Some title of a work. J.\n", []),
    # RC205: same arXiv ID under two entries, named in the message's line; a generic short title is no duplicate
    (
        "(A, 2017) (B, 2017) (C, 2020) (D, 2021)\n\n## References\n\n"
        "- A, X. (2017). First. arXiv:1706.03762\n- B, Y. (2017). Second. arXiv:1706.03762v2\n"
        "- C, Z. (2020). Access Denied. https://a.example/x\n- D, W. (2021). Access Denied. https://b.example/y\n",
        [("doc.md", 6, 3, "RC205")],
    ),
    # RC205: a BibTeX key in two ```bibtex blocks
    (
        "Cite [@k].\n\n```bibtex\n@misc{k, title={A}, author={B, C}, year={2019}}\n```\n\n"
        "```bibtex\n@misc{k, title={D}, author={B, C}, year={2019}}\n```\n",
        [("doc.md", 8, 1, "RC205")],
    ),
    # RC205 for a Manubot tag defined twice; RC301/RC302 in Manubot definitions, on the identifier
    (
        "See the tags.\n\n[@tag:a]: doi:10.1000/xyz\n[@tag:a]: doi:10.1000/xyw\n[@b]: arxiv:2013.08361\n"
        "[@tag:c]: doi:10.abc/def\n",
        [("doc.md", 4, 1, "RC205"), ("doc.md", 5, 13, "RC301"), ("doc.md", 6, 15, "RC302")],
    ),
    # RC409: link syntax that renders as text; never inside code
    (
        "Costly ([Yang et al. 2017][(https://arxiv.org/abs/1701.03551)).\n\n"
        'Graves. ("Adaptive Computation Time")[https://arxiv.org/abs/1603.08983]\n\n'
        "See [the paper] (https://example.com/p) and `[x][(https://example.com/q)` and [1] (https://example.com/r).\n",
        [("doc.md", 1, 9, "RC409"), ("doc.md", 3, 9, "RC409"), ("doc.md", 5, 5, "RC409")],
    ),
    # RC409: an undefined citation-like label beside citations written as links
    (
        'Note[^s].\n\n[^s]: [Wirnsberger et. al, "Targeted estimation", arXiv 2020] uses it, and '
        '[Li et. al., "Exchangeable ODE", arXiv 2020](https://arxiv.org/abs/2006.02345) too.\n',
        [("doc.md", 3, 7, "RC409")],
    ),
    # reading list under any heading: years and identifiers checked, nothing expected to be cited
    (
        '# Roadmap\n\n## Vision\n\n**[1]** He, Kaiming, et al. "**Deep residual learning**." CVPR (2016). '
        '[[pdf]](https://arxiv.org/pdf/1512.03385.pdf)\n\n**[2]** Chen, L. "**Semantic segmentation**." In ICLR, 2015. '
        '[[pdf]](https://arxiv.org/pdf/1606.00915v1.pdf)\n\n## Speech\n\n**[3]** Graves, Alex. "**Speech recognition**." '
        "ICASSP, 2013. [[pdf]](https://arxiv.org/pdf/1303.5778.pdf)\n",
        [("doc.md", 7, 56, "RC209")],
    ),
    # a prose list that links papers is no reading list
    (
        "# Notes\n\n- Speed: feed-forward models can be much faster, as [this work](https://arxiv.org/abs/1211.5063) and "
        "[that one](https://arxiv.org/abs/1702.07825) show in a long discussion of sequence models in 2017 and later.\n"
        "- Another: [a](https://arxiv.org/abs/1409.0473) and [b](https://arxiv.org/abs/1609.08144) in 2016 "
        "explain why attention helps with long sequences, a point the rest of this post comes back to often.\n"
        "- Third: [c](https://arxiv.org/abs/1612.08083) and [d](https://arxiv.org/abs/1602.02410) argue the same "
        "for language modelling in 2016, with many more experiments than one can list in a short note here.\n",
        [],
    ),
    # <a href> to arXiv cites like a Markdown link: unlisted, it is RC210 (the link identifies the work)
    (
        'Models <a href="https://arxiv.org/abs/1706.03762">attend</a> (Kaplan et al., 2020).\n\n## References\n\n'
        "- Kaplan, J. et al. (2020). Scaling laws. arXiv:2001.08361\n",
        [("doc.md", 1, 8, "RC210")],
    ),
    # entries inside a block quote are entries
    (
        "Scaling (Kaplan et al., 2020).\n\n## References\n\n> - Kaplan, J. et al. (2020). Scaling laws. arXiv:2001.08361\n"
        "> - Smith, A. (2019). Unused entry of things here. Journal.\n",
        [("doc.md", 6, 5, "RC202")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_entry_checks_fire_exactly_where_expected(
    tmp_path: Path, text: str, expected: list[tuple[str, int, int, str]]
) -> None:
    assert findings(tmp_path, {"doc.md": text}) == expected


def test_bib_entries_checked_for_year_identifiers_and_keys_across_files(tmp_path: Path) -> None:
    files = {
        "doc.md": "---\nbibliography: [one.bib, two.bib]\n---\nAs shown [@v; @f; @p].\n",
        "one.bib": "@article{v,\n  title = {A},\n  author = {V, A},\n  year = {2017},\n  doi = {10.abc/xyz}\n}\n"
        "@misc{f,\n  title = {B},\n  author = {D, J},\n  year = {20xx}\n}\n"
        "@misc{p,\n  title = {C},\n  author = {D, J},\n  year = {forthcoming},\n  doi = {10/gf29tr}\n}\n",
        "two.bib": "@article{v,\n  title = {A again},\n  author = {V, A},\n  year = {2017}\n}\n",
    }
    assert findings(tmp_path, files) == [
        ("one.bib", 5, 10, "RC302"),
        ("one.bib", 10, 11, "RC209"),
        ("two.bib", 1, 1, "RC205"),
    ]


def run_cli(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "refcheck", "--no-cache", "--color", "never", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def test_console_summarises_infos_per_code_and_lists_them_on_request(tmp_path: Path) -> None:
    (tmp_path / "doc.md").write_text("[a](/x) [b](/y) [c](https://example.com/{{ page }})\n", encoding="utf-8")
    out = run_cli(tmp_path, "--offline", "doc.md")
    assert "doc.md:1:1 RC407" not in out
    assert "RC407: 2 links not checked" in out and "--show-infos to list" in out
    assert "notice: --offline: remote links and metadata were not checked" in out
    listed = run_cli(tmp_path, "--offline", "--show-infos", "doc.md")
    assert "doc.md:1:1 RC407" in listed and "--show-infos to list" not in listed
    assert '"code": "RC407"' in run_cli(tmp_path, "--offline", "--format", "json", "doc.md")

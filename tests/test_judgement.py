"""The matcher's judgement (issue 13): unlisted linked works, co-authors, one finding per root cause."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from refcheck.check.match import check_document
from refcheck.model import Diagnostic, RunResult, Severity, Span
from refcheck.parse.document import parse_markdown
from refcheck.report import render_json
from refcheck.report.json_format import from_json_object, iter_json, to_json_object
from refcheck.report.sarif import to_sarif_object

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

LIST = (
    "\n\n## References\n\n"
    "- Kaplan, J., McCandlish, S., & Henighan, T. (2020). Scaling Laws for Neural Language Models. "
    "[arXiv](https://arxiv.org/abs/2001.08361)\n"
)


def findings(text: str) -> list[Diagnostic]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    found, _ = check_document(doc, [], set(), uncited_bib=False)
    return sorted(found, key=Diagnostic.sort_key)


def check(text: str) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.code) for d in findings(text)]


CASES = [
    # RC210: a citation linking to its work (arXiv, DOI, a paper page, a PDF) missing from a selective list
    pytest.param(
        "Loss [Kaplan et al., 2020](https://arxiv.org/abs/2001.08361) and "
        "[Chen et al, 2020](https://arxiv.org/abs/2002.05709)." + LIST,
        [(1, 66, "RC210")],
        id="arxiv-link-unlisted",
    ),
    pytest.param(
        "See [Lee et al., 2021](https://openreview.net/forum?id=abc123) (Kaplan et al., 2020)." + LIST,
        [(1, 5, "RC210")],
        id="paper-page-unlisted",
    ),
    pytest.param(
        "See [Lee et al., 2021](https://example.org/lee.pdf) (Kaplan et al., 2020)." + LIST,
        [(1, 5, "RC210")],
        id="pdf-unlisted",
    ),
    # RC201 stays for a citation with no entry and no link that identifies a work
    pytest.param("See (Lee et al., 2021) and (Kaplan et al., 2020)." + LIST, [(1, 5, "RC201")], id="no-link"),
    pytest.param(
        "See [Lee et al., 2021](https://lee.example/blog/) (Kaplan et al., 2020)." + LIST,
        [(1, 5, "RC201")],
        id="blog-link",
    ),
    # the linked work IS in the list under another address: matched, nothing said (and not uncited)
    pytest.param("See [Kaplan et al., 2020](https://arxiv.org/pdf/2001.08361v2.pdf)." + LIST, [], id="arxiv-pdf-v2"),
    pytest.param(
        "See [Kaplan et al., 2021](https://arxiv.org/pdf/2001.08361.pdf)." + LIST, [(1, 5, "RC203")], id="arxiv-year"
    ),
    pytest.param(
        "See [Lea and Kim, 2019](https://proceedings.neurips.cc/paper/2019/file/0123456789abcdef0123456789abcdef-Paper.pdf)."
        "\n\n## References\n\n- Lee, A., & Kim, B. (2019). A title. NeurIPS. "
        "[link](https://papers.nips.cc/paper/2019/hash/0123456789abcdef0123456789abcdef-Abstract.html)\n",
        [(1, 5, "RC207")],
        id="neurips-pdf-vs-abstract-typo",
    ),
    pytest.param(
        "[Lea et al., 2022](https://openreview.net/pdf?id=XyZ_1) and [Lee et al., 2022](https://openreview.net/forum?id=XyZ_1)."
        "\n\n## References\n\n- Lee, A., Kim, B., & Park, C. (2022). A title. ICLR. "
        "[link](https://openreview.net/forum?id=XyZ_1)\n",
        [(1, 1, "RC207")],
        id="openreview-pdf-vs-forum-typo",
    ),
    # a link label without a year (a concept, a name) is a plain link, even to a paper the list lacks
    pytest.param(
        "A [DCGAN](https://arxiv.org/abs/1511.06434) (Kaplan et al., 2020)." + LIST,
        [],
        id="concept-link-unlisted",
    ),
    pytest.param("A [**residual**](https://arxiv.org/pdf/2001.08361.pdf) net." + LIST, [], id="concept-link-listed"),
    # co-authors decide between entries of one first author and year
    pytest.param(
        "As [Beckers and Halpern 2019](https://a.example/1) and [Beckers et al. 2019](https://a.example/2) show."
        "\n\n## References\n\n"
        "- Beckers, S., & Halpern, J. Y. (2019). Abstracting causal models. AAAI.\n"
        "- Beckers, S., Eberhardt, F., & Halpern, J. Y. (2019). Approximate causal abstraction. UAI.\n",
        [],
        id="two-authors-vs-et-al",
    ),
    pytest.param(
        "As (Beckers et al., 2019) shows.\n\n## References\n\n"
        "- Beckers, S., & Halpern, J. Y. (2019). Abstracting causal models. AAAI.\n"
        "- Beckers, S., Halpern, J. Y., et al. (2019). Approximate causal abstraction. UAI.\n",
        [(5, 3, "RC202")],
        id="truncated-list-counts-as-three",
    ),
    pytest.param(
        "Smith's (2020) idea and [Beckers and Halpern's (2019)](https://b.example/x) differ.\n\n## References\n\n"
        "- Beckers, S., & Halpern, J. Y. (2019). Abstracting causal models. AAAI.\n"
        "- Smith, A. (2020). A study. Journal.\n",
        [],
        id="possessives",
    ),
    # the same entry written twice is a duplicate even when no title or identifier could be read
    pytest.param(
        "Money [^1].\n\n## References\n\n- W. Dai, b-money, http://www.weidai.com/bmoney.txt, 1998.\n"
        "- W. Dai, b-money, http://www.weidai.com/bmoney.txt, 1998.\n\n[^1]: Note.\n",
        [(6, 3, "RC205")],
        id="same-entry-text-twice",
    ),
    # an author typo linked to its entry's anchor is one RC207, not RC201 + RC202
    pytest.param(
        "As [Votobel 2010](#Vontobel) shows.\n\n## References\n\n"
        '<a name="Vontobel" href="https://example.org/v.pdf">[6] P. O. Vontobel. The Bethe permanent. 2010.</a>\n',
        [(1, 4, "RC207")],
        id="anchor-typo",
    ),
    pytest.param(
        "Residual nets [He et al., 2016](#he16resnet).\n\n## References\n\n"
        '<span id="he16resnet">He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep Residual Learning.</span>\n\n'
        '<span id="he16preresnet">He, K., Zhang, X., Ren, S., & Sun, J. (2016). Identity Mappings.</span>\n',
        [(7, 1, "RC202")],
        id="anchor-picks-one-of-two",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_judgement_fires_exactly_where_expected(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert check(text) == expected


def test_unlisted_linked_work_is_an_info_naming_the_identifier() -> None:
    (diag,) = findings("See [Chen et al, 2020](https://arxiv.org/abs/2002.05709)." + LIST.replace("Kaplan", "Kap"))[:1]
    assert diag.code == "RC210" and diag.severity is Severity.INFO
    assert diag.message.endswith("arXiv 2002.05709 is linked but not in the reference list")


def test_year_mismatch_names_only_the_entrys_own_year() -> None:
    text = (
        "[Settles et al. (2008)](https://papers.example/mil.html) introduced EGL.\n\n## References\n\n"
        "[1] Burr Settles. [Active learning literature survey.](https://example.org/survey.pdf) 2010.\n"
        '[2] Settles et al. ["Multiple-Instance Active Learning."](https://papers.example/mil.html) NIPS 2007.\n'
    )
    (diag,) = [d for d in findings(text) if d.code == "RC203"]
    assert diag.message.endswith("year 2008 differs from the entry's 2007 (line 6)")


REPEATED = (
    "Loss (Kaplan et al., 2021).\n\n"
    "Again (Kaplan et al., 2021) and (Kaplan et al., 2021).\n\n"
    "<!-- refcheck: disable-next-line RC203 -->\n"
    "Suppressed (Kaplan et al., 2021).\n\n"
    "Last (Kaplan et al., 2021)." + LIST
)


def test_a_repeated_mismatch_is_one_finding_naming_the_other_places() -> None:
    (diag,) = findings(REPEATED)[:1]
    assert (diag.code, diag.span) == ("RC203", Span(1, 6, 1, 27))
    assert diag.message.endswith("differs from the entry's 2020 (line 12) (and 3 more places: lines 3, 8)")
    assert diag.related == (Span(3, 7, 3, 28), Span(3, 33, 3, 54), Span(8, 6, 8, 27))
    assert [d.code for d in findings(REPEATED)] == ["RC203"]


def _run(path: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--no-cache", *args, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_json_lists_the_other_places_as_related_locations(tmp_path: Path) -> None:
    doc = tmp_path / "post.md"
    doc.write_text(REPEATED, encoding="utf-8")
    (diag,) = _run(doc, "--format", "json")["diagnostics"]
    assert diag["related"] == [
        {"line": 3, "column": 7, "end_line": 3, "end_column": 28},
        {"line": 3, "column": 33, "end_line": 3, "end_column": 54},
        {"line": 8, "column": 6, "end_line": 8, "end_column": 27},
    ]
    assert list(diag)[-1] == "related"


def test_sarif_lists_the_other_places_as_related_locations(tmp_path: Path) -> None:
    doc = tmp_path / "post.md"
    doc.write_text(REPEATED, encoding="utf-8")
    log = _run(doc, "--format", "sarif")
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    regions = [(r["id"], r["physicalLocation"]["region"]) for r in result["relatedLocations"]]
    assert regions == [
        (1, {"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 28}),
        (2, {"startLine": 3, "startColumn": 33, "endLine": 3, "endColumn": 54}),
        (3, {"startLine": 8, "startColumn": 6, "endLine": 8, "endColumn": 27}),
    ]
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "post.md"


def test_json_with_related_places_streams_as_one_dump_and_reads_back() -> None:
    related = (Span(3, 7, 3, 28), Span(9, 1, 9, 4))
    result = RunResult(
        diagnostics=[
            Diagnostic("a.md", Span(1, 1, 1, 5), "RC203", 'year "x" ü', Severity.ERROR, related),
            Diagnostic("a.md", Span(2, 1, 2, 5), "RC201", "plain", Severity.ERROR),
        ]
    )
    text = "".join(iter_json(result))
    assert text == json.dumps(to_json_object(result), indent=2, ensure_ascii=False) + "\n"
    assert "related" not in json.loads(text)["diagnostics"][1]
    assert from_json_object(json.loads(render_json(result))).diagnostics == result.diagnostics
    assert "relatedLocations" not in to_sarif_object(result)["runs"][0]["results"][1]


_TWO_BOMMASANI = """@article{path2024, author = {Bommasani, Rishi and Kapoor, Sayash and Klyman, Kevin}, title = {A Path for Science- and Evidence-based AI Policy}, year = {2024}}
@article{ecosystem2024, author = {Bommasani, Rishi and Soylu, Dilara and Liao, Thomas}, title = {Ecosystem Graphs}, year = {2024}}
@article{smith2020, author = {Smith, Jane}, title = {Something Else}, year = {2020}}
"""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The key right after the name, or after the title the name introduces, says which entry is meant.
        ("Bommasani et al. (2024) [@path2024] argue.", []),
        ("As Bommasani et al. (2024), _A Path for Science- and Evidence-based AI Policy_ [@path2024], argue.", []),
        # Another citation between the name and the key: the key is not the name's, so it stays ambiguous.
        ("Bommasani et al. (2024) and others [@smith2020] agree [@path2024].", [(1, 1, "RC204")]),
        ("Bommasani et al. (2024) and Bommasani et al. (2024) agree [@path2024].", [(1, 1, "RC204")]),
    ],
)
def test_a_key_after_a_narrative_citation_on_its_line_says_which_entry(
    tmp_path: Path, line: str, expected: list[tuple[int, int, str]]
) -> None:
    (tmp_path / "refs.bib").write_text(_TWO_BOMMASANI, encoding="utf-8")
    page = tmp_path / "a.md"
    page.write_text(f"{line}\n\n[@ecosystem2024] [@smith2020]\n", encoding="utf-8")
    doc = parse_markdown(page.read_text(encoding="utf-8"), page, "a.md", bibliography=True)
    from refcheck.parse.bib import parse_bib_text

    bib = parse_bib_text(_TWO_BOMMASANI, "refs.bib").references
    found, _ = check_document(doc, bib, set(), uncited_bib=False)
    assert [(d.span.line, d.span.column, d.code) for d in found if d.code == "RC204"] == expected


def test_a_link_to_an_entrys_anchor_cites_it_whatever_its_text() -> None:
    text = (
        "Almost sure convergence [[3](#Convergence)], the [Hungarian Algorithm](#Hungarian), DenseNets "
        "([G. Huang et al., 2017](#huang17densenet)) and (Doe, 2020).\n\n## References\n\n"
        '<a name="Convergence">[3] Wikipedia contributors. "Convergence of random variables." 2021.</a>\n\n'
        '<a name="Hungarian">[4] James R. Munkres. Algorithms for the Assignment Problem. 1957.</a>\n\n'
        '<span id="huang17densenet">Huang, G., Liu, Z. (2017). Densely Connected Convolutional Networks.</span>\n\n'
        '<a name="Unused">[5] Jane Smith. Never linked. 2019.</a>\n\n'
        "Doe, J. (2020). A cited work.\n"
    )
    assert [(line, code) for line, _, code in check(text) if code == "RC202"] == [(11, "RC202")]


def test_an_entry_that_names_the_cited_works_in_its_text_defines_them() -> None:
    text = (
        "Embeddings carry bias (Hamilton et al., 2016; Maas et al., 2011; Lindebaum et al., 2020).\n\n"
        "**Citations:**\n\n"
        "1. Survey of reasoning – Smith, J. (2019). A survey. Journal.\n"
        "2. Bias studies using word embeddings – KHcoder analysis; Hamilton et al. (2016); Maas et al. (2011).\n"
    )
    found = check(text)
    assert [(line, code) for line, _, code in found if code in ("RC201", "RC202")] == [(1, "RC201"), (5, "RC202")]
    assert next(d.message for d in findings(text) if d.code == "RC201").startswith("Lindebaum et al., 2020")


def test_a_linked_single_name_nobody_in_the_list_bears_is_a_plain_link() -> None:
    text = "Accepted at [NeurIPS 2019](https://neurips.cc/Conferences/2019), see (Kaplan et al., 2020)." + LIST
    assert [code for _, _, code in check(text)] == []
    misspelt = "As [Kaplin 2020](https://arxiv.org/abs/2001.08361) shows." + LIST
    assert [code for _, _, code in check(misspelt)] == ["RC207"]


def test_a_missing_entry_linked_by_anchor_is_one_finding_not_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from refcheck.cli import main

    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text(
        "Init ([Glorot & Bengio, 2010](#glorot10)) and [a typo](#nowhere) (Kaplan et al., 2020)." + LIST,
        encoding="utf-8",
    )
    main(["--offline", "--no-cache", "--format", "json", "a.md"])
    found = [(d["line"], d["column"], d["code"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert (1, 7, "RC201") in found and (1, 7, "RC405") not in found
    assert (1, 47, "RC405") in found  # a missing anchor that is no citation is still said

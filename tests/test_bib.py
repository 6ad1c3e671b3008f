"""BibTeX files and blocks → references, with RC103/RC205 at exact positions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.model import ReferenceSource, Severity, Span
from refcheck.parse.bib import BibFileError, clear_cache, load_bib, parse_bib_text

# xtransformers-readme-bibtex.md, yangsong-score/blogs.bib, joss-* paper.bib (excerpts)
SAMPLE = r"""% a comment line
@misc{vaswani2017attention,
    title   = {Attention Is All You Need},
    author  = {Ashish Vaswani and Noam Shazeer and Niki Parmar and others},
    year    = {2017},
    eprint  = {1706.03762},
    archivePrefix = {arXiv},
    primaryClass = {cs.CL}
}

@article{DBLP:journals/corr/abs-1907-01470,
    author    = {Sainbayar Sukhbaatar and Edouard Grave and Herv{\'{e}} J{\'{e}}gou},
    title     = {Augmenting Self-attention with {P}ersistent Memory},
    journal   = {CoRR},
    volume    = {abs/1907.01470},
    year      = {2019},
}

@article{poerner2018interpretable,
  title={Interpretable textual neuron representations for {NLP}},
  author={Poerner, Nina and Roth, Benjamin and Sch{\"u}tze, Hinrich},
  journal={arXiv preprint arXiv:1809.07291},
  year={2018},
}

@article{DaSilva2019,
    author = {Brito da Silva, Leonardo Enzo and Elnabarawy, Islam and Wunsch, Donald C.},
    doi = {https://doi.org/10.1016/j.neunet.2019.09.012},
    url = {https://doi.org/10.1016/j.neunet.2019.09.012 http://arxiv.org/abs/1905.11437},
    date = {2019-12-01},
    title = {A Survey of Adaptive Resonance Theory Neural Network Models},
}

@misc{openai2023gpt4,
  author = {{OpenAI}},
  title = {{GPT-4} Technical Report},
  year = {2023},
  howpublished = {\url{https://openai.com/research/gpt-4}},
}
"""


def by_key(result):
    return {ref.key: ref for ref in result.references}


def test_entries_become_bib_references_with_fields():
    result = parse_bib_text(SAMPLE, "refs.bib")
    assert result.diagnostics == []
    refs = by_key(result)
    assert list(refs) == [
        "vaswani2017attention",
        "DBLP:journals/corr/abs-1907-01470",
        "poerner2018interpretable",
        "DaSilva2019",
        "openai2023gpt4",
    ]
    vaswani = refs["vaswani2017attention"]
    assert vaswani.source is ReferenceSource.BIB and vaswani.path == "refs.bib" and vaswani.kind == "misc"
    assert (vaswani.authors, vaswani.et_al, vaswani.year) == (("vaswani", "shazeer", "parmar"), True, "2017")
    assert vaswani.title == "Attention Is All You Need"
    assert vaswani.arxiv_id == "1706.03762"
    assert vaswani.text.startswith("@misc{vaswani2017attention,")


def test_latex_in_names_and_titles_is_decoded():
    refs = by_key(parse_bib_text(SAMPLE, "refs.bib"))
    dblp = refs["DBLP:journals/corr/abs-1907-01470"]
    assert dblp.authors == ("sukhbaatar", "grave", "jegou")
    assert dblp.title == "Augmenting Self-attention with Persistent Memory"
    poerner = refs["poerner2018interpretable"]
    assert poerner.authors == ("poerner", "roth", "schutze")
    assert poerner.title == "Interpretable textual neuron representations for NLP"


@pytest.mark.parametrize(
    ("key", "arxiv", "dois"),
    [
        ("vaswani2017attention", ["1706.03762"], []),
        ("DBLP:journals/corr/abs-1907-01470", ["1907.01470"], []),  # CoRR volume abs/…
        ("poerner2018interpretable", ["1809.07291"], []),  # journal = {arXiv preprint arXiv:…}
        ("DaSilva2019", ["1905.11437"], ["10.1016/j.neunet.2019.09.012"]),  # doi as a URL, two URLs
        ("openai2023gpt4", [], []),
    ],
)
def test_identifiers_come_from_eprint_doi_journal_volume_and_url(key, arxiv, dois):
    ref = by_key(parse_bib_text(SAMPLE, "refs.bib"))[key]
    assert [i.value for i in ref.arxiv_ids] == arxiv
    assert [i.value for i in ref.dois] == dois


def test_identifier_span_is_where_the_value_is_written():
    ref = by_key(parse_bib_text(SAMPLE, "refs.bib"))["vaswani2017attention"]
    [ident] = ref.arxiv_ids
    assert ident.span == Span(6, 16, 6, 26)  # `    eprint  = {1706.03762},` on line 6


def test_date_field_gives_the_year_and_braced_author_is_an_organisation():
    refs = by_key(parse_bib_text(SAMPLE, "refs.bib"))
    assert refs["DaSilva2019"].year == "2019"
    assert refs["DaSilva2019"].authors == ("brito da silva", "elnabarawy", "wunsch")
    gpt4 = refs["openai2023gpt4"]
    assert (gpt4.authors, gpt4.is_organisation, gpt4.title) == (("openai",), True, "GPT-4 Technical Report")
    assert gpt4.urls == ("https://openai.com/research/gpt-4",)


def test_entry_span_covers_at_sign_type_and_key():
    refs = by_key(parse_bib_text(SAMPLE, "refs.bib"))
    assert refs["vaswani2017attention"].span == Span(2, 1, 2, 1 + len("@misc{vaswani2017attention"))


def test_positions_are_offset_for_a_block_inside_markdown():
    # jalammar-hidden-states.md: `<script type="text/bibliography">` then the BibTeX on the same line
    text = "@misc{a, title={T}, author={Doe, J}, year={2020}}\n  @misc{b, title={U}, year={2021}}\n"
    result = parse_bib_text(text, "post.md", first_line=421, first_column=34)
    refs = by_key(result)
    assert refs["a"].span == Span(421, 34, 421, 34 + len("@misc{a"))
    assert refs["b"].span == Span(422, 3, 422, 3 + len("@misc{b"))
    assert refs["a"].path == "post.md"


def test_key_defined_twice_is_rc205_at_the_second_naming_the_first_line():
    # joss-eukulele/paper.bib defines `eukzoo` twice
    text = "@misc{eukzoo,\n  title = {EukZoo},\n  year = {2018}\n}\n\n@misc{eukzoo,\n  title = {EukZoo Database}\n}\n"
    result = parse_bib_text(text, "paper.bib", first_line=10)
    [diag] = result.diagnostics
    assert (diag.code, diag.severity, diag.path) == ("RC205", Severity.WARNING, "paper.bib")
    assert diag.span == Span(15, 1, 15, 1 + len("@misc{eukzoo"))
    assert "'eukzoo'" in diag.message and "line 10" in diag.message
    [ref] = result.references
    assert ref.title == "EukZoo"  # the first definition counts


def test_broken_entry_is_rc103_and_the_rest_still_counts():
    # xtransformers-readme-bibtex.md: a key without its comma
    text = (
        "@misc{good1, title={One}, year={2020}}\n"
        "@misc{bloc97-2023\n"
        "    title   = {NTK-Aware Scaled RoPE},\n"
        "}\n"
        "@misc{good2, title={Two}, year={2021}}\n"
    )
    result = parse_bib_text(text, "refs.bib")
    assert [r.key for r in result.references] == ["good1", "good2"]
    [diag] = result.diagnostics
    assert (diag.code, diag.severity) == ("RC103", Severity.ERROR)
    assert diag.span == Span(2, 1, 2, 1 + len("@misc{bloc97-2023"))
    assert "bloc97-2023" in diag.message and "comma" in diag.message


def test_unclosed_entry_at_end_is_rc103():
    # xtransformers-readme-bibtex.md: a ```bibtex block missing its closing brace
    text = "@inproceedings{Kanai2018SigsoftmaxRO,\n    title = {Sigsoftmax},\n    year = {2018},\n"
    result = parse_bib_text(text, "README.md", first_line=2267)
    assert result.references == []
    [diag] = result.diagnostics
    assert diag.code == "RC103" and diag.span.line == 2267 and "end of file" in diag.message


def test_duplicate_field_keeps_the_entry_with_the_first_value():
    result = parse_bib_text("@misc{k, title={First}, title={Second}, year={2020}}", "refs.bib")
    [ref] = result.references
    assert (ref.key, ref.title, ref.year) == ("k", "First", "2020")


def test_eprint_of_another_archive_is_not_an_arxiv_id():
    text = "@misc{k, eprint={2020/123}, archivePrefix={IACR}}\n@misc{m, eprint={arXiv:1910.05895}}"
    refs = by_key(parse_bib_text(text, "refs.bib"))
    assert refs["k"].arxiv_ids == ()
    assert [i.value for i in refs["m"].arxiv_ids] == ["1910.05895"]


def test_malformed_eprint_is_kept_as_an_invalid_identifier():
    ref = parse_bib_text("@misc{k, eprint={2013.08361}, archivePrefix={arXiv}}", "refs.bib").references[0]
    [ident] = ref.arxiv_ids
    assert not ident.valid and ident.problem == "month 13 does not exist"


def test_empty_doi_field_is_ignored():
    ref = parse_bib_text("@article{k, title={T}, doi={}}", "refs.bib").references[0]
    assert ref.dois == ()


def test_load_bib_parses_each_file_once(tmp_path: Path):
    clear_cache()
    bib = tmp_path / "shared.bib"
    bib.write_text(SAMPLE, encoding="utf-8")
    first = load_bib(bib, "shared.bib")
    again = load_bib(tmp_path / "." / "shared.bib", "shared.bib")
    assert again is first and len(first.references) == 5


def test_load_bib_rereads_a_changed_file(tmp_path: Path):
    clear_cache()
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{a, title={A}}", encoding="utf-8")
    assert [r.key for r in load_bib(bib, "refs.bib").references] == ["a"]
    bib.write_text("@misc{a, title={A}}\n@misc{b, title={B}}", encoding="utf-8")
    os.utime(bib, ns=(1, 1))
    assert [r.key for r in load_bib(bib, "refs.bib").references] == ["a", "b"]


def test_load_bib_reads_latin1_files(tmp_path: Path):
    bib = tmp_path / "old.bib"
    bib.write_bytes("@misc{k, author={Gr\xfcning, B}, title={T}}".encode("latin-1"))
    assert load_bib(bib, "old.bib").references[0].authors == ("gruning",)


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_load_bib_raises_a_clear_error_for_an_unreadable_path(tmp_path: Path, make: str):
    path = tmp_path / "refs.bib"
    if make == "directory":
        path.mkdir()
    with pytest.raises(BibFileError, match=r"cannot read refs\.bib: (no such file|is a directory)"):
        load_bib(path, "refs.bib")


_BIB_PIECES = [
    *'@{}",=#%\n ab01',
    "@article{",
    "@string{",
    "author = {",
    "title=",
    "and ",
    "\\'e",
    "year={2020}",
    "eprint={2001.08361}",
    "doi={10.1000/x}",
    "}\n",
    "@comment{",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_BIB_PIECES), max_size=40).map("".join))
def test_parse_bib_text_never_fails(text):
    result = parse_bib_text(text, "x.bib", first_line=5, first_column=3)
    for diag in result.diagnostics:
        assert diag.code in {"RC103", "RC205"} and diag.span.line >= 5
    for ref in result.references:
        assert ref.span.line >= 5 and ref.source is ReferenceSource.BIB


@pytest.mark.parametrize("eprint", ["2204.07651 [cs]", "2003.03485 [cs, math, stat]", "2002.07868 [quant-ph]"])
def test_zotero_eprint_with_primary_classes_is_the_arxiv_id(eprint: str) -> None:
    text = f"@article{{z2022,\n  title = {{T}},\n  eprint = {{{eprint}}},\n  archiveprefix = {{arXiv}},\n  year = {{2022}}\n}}\n"
    result = parse_bib_text(text, "z.bib")
    (ref,) = result.references
    (ident,) = ref.arxiv_ids
    assert ident.valid and ident.value == eprint.split()[0]
    assert ident.span.line == 3 and ident.span.column == 13
    assert result.diagnostics == []

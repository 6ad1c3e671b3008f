"""What real records do and must not turn into a finding: a preprint titled otherwise than its
published version, a question or a name in front of the title, non-ASCII initials, DBLP's homonym
numbers, abbreviated given names, HTML entities and LaTeX in titles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from search_standin import Standin
from search_support import entry, fast_sources, standin_config

from refcheck.cache import Cache
from refcheck.parse.references import markdown_to_plain, parse_plain
from refcheck.verify import verify_references
from refcheck.verify.compare import title_matches
from refcheck.verify.dblp import author_name

CHEMCROW_JOURNAL = "Augmenting large language models with chemistry tools"  # Nature Machine Intelligence
CHEMCROW_PREPRINT = "ChemCrow: Augmenting large-language models with chemistry tools"  # arXiv 2304.05376


@pytest.fixture
def standin() -> Iterator[Standin]:
    with Standin() as server:
        yield server


@pytest.mark.parametrize(
    ("entry_title", "record_title"),
    [
        (CHEMCROW_JOURNAL, CHEMCROW_PREPRINT),
        (CHEMCROW_PREPRINT, CHEMCROW_JOURNAL),
        (
            "Probing for sentence structure in contextualized word representations",
            "What do you learn from context? Probing for sentence structure in contextualized word representations",
        ),
        (
            "What do you learn from context? Probing for sentence structure in contextualized word representations",
            "Probing for sentence structure in contextualized word representations",
        ),
    ],
)
def test_a_name_or_question_in_front_of_the_title_on_one_side_only_matches(entry_title: str, record_title: str) -> None:
    assert title_matches(entry_title, record_title)


@pytest.mark.parametrize(
    ("entry_title", "record_title"),
    [
        ("ChemCrow: Augmenting robots with chemistry tools", CHEMCROW_JOURNAL),
        (
            "What do you learn from context? Probing for syntax",
            "Probing for sentence structure in contextualized word representations",
        ),
        ("Graphs: A survey", "Trees: A survey"),  # short remainders must be the same words
    ],
)
def test_the_part_after_a_colon_does_not_match_another_title(entry_title: str, record_title: str) -> None:
    assert not title_matches(entry_title, record_title)


@pytest.mark.parametrize(
    "text",
    [
        "Ceylan, İ. İ., & Lukasiewicz, T. (2021). A tutorial on knowledge graphs. In IJCAI.",
        "İ. İ. Ceylan and T. Lukasiewicz. 2021. A tutorial on knowledge graphs. IJCAI.",
        "Łukasiewicz, T., & Ceylan, İ. İ. (2021). A tutorial on knowledge graphs. In IJCAI.",
    ],
)
def test_non_ascii_initials_are_initials_not_the_title(text: str) -> None:
    parsed = parse_plain(markdown_to_plain(text))
    assert parsed.title == "A tutorial on knowledge graphs"
    assert "ceylan" in parsed.authors and "lukasiewicz" in parsed.authors


def test_dblp_homonym_numbers_are_not_part_of_the_name() -> None:
    assert author_name({"@pid": "12/3", "text": "Jingbo Wang 0003"}) == "Jingbo Wang"
    assert author_name({"@pid": "12/4", "text": "Aref&apos;eva, I. 0001"}) == "Aref'eva, I."


def _verify(standin: Standin, cache: Cache, sources: tuple[str, ...], *entries: object) -> list[tuple[str, str]]:
    config = standin_config(standin, verify_sources=sources)
    result = verify_references(list(entries), [], config, cache, sources=fast_sources)  # type: ignore[arg-type]
    return [(d.code, d.message) for d in result.diagnostics]


def test_a_dblp_record_with_homonym_numbers_is_the_entry_s_work(standin: Standin, cache: Cache) -> None:
    title = "Towards Diverse and Natural Scene-aware 3D Human Motion Synthesis"
    assert _verify(standin, cache, ("dblp",), entry(title, ["Jingbo Wang", "Yu Rong"], 2022)) == [
        ("RC507", "found as doi:10.1109/cvpr52688.2022.01981")
    ]
    [(code, message)] = _verify(standin, cache, ("dblp",), entry(title, ["Yu Rong", "Jingbo Wang"], 2022, line=9))
    assert code == "RC507"  # the first author is among the authors; no homonym number anywhere
    [(code, message)] = _verify(standin, cache, ("dblp",), entry(title, ["Dahua Smith"], 2022, line=11))
    assert code == "RC503" and "0003" not in message and "Jingbo Wang, Yu Rong" in message


def test_dblp_html_entities_and_closing_period(standin: Standin, cache: Cache) -> None:
    title = "Facility's Perspective to Fair Facility Location Problems"
    assert _verify(standin, cache, ("dblp",), entry(title, ["Chenhao Wang"], 2021)) == [
        ("RC507", "found as doi:10.1609/aaai.v35i6.16719")
    ]


def test_abbreviated_given_names_match(standin: Standin, cache: Cache) -> None:
    # the stand-in abbreviates given names of every other record, as Semantic Scholar often does
    green = "A Complexity-theoretic Analysis of Green Pickup-and-Delivery Problems"
    assert _verify(standin, cache, ("semantic_scholar",), entry(green, ["X. Tan"], 2021)) == [
        ("RC507", "found as doi:10.1609/aaai.v35i13.17424")
    ]


@pytest.mark.parametrize(
    "title",
    [
        r"An Image is Worth 16x16 Words: {T}ransformers for Image Recognition at Scale",
        r"An Image is Worth 16x16 Words: \emph{Transformers} for Image Recognition at Scale",
        "An Image is Worth 16x16 Words: <i>Transformers</i> for Image Recognition at&nbsp;Scale",
    ],
)
def test_latex_and_html_in_a_title_match(standin: Standin, cache: Cache, title: str) -> None:
    found = _verify(standin, cache, ("openalex",), entry(title, ["Alexey Dosovitskiy"], 2021))
    assert found == [("RC507", "found as arXiv:2010.11929")]


def test_the_chemcrow_preprint_is_the_journal_article_s_work(standin: Standin, cache: Cache) -> None:
    """OpenAlex answers the journal title with the renamed preprint first (as recorded, ranks swapped)."""
    from pathlib import Path

    body = (
        Path(__file__).resolve().parents[1]
        / "fixtures/api/search/openalex/filter-title-search-augmenting-large-language-models-with-chemistry-tools.json"
    ).read_bytes()
    standin.bodies["openalex"] = (200, body, {"Content-Type": "application/json"})
    found = _verify(standin, cache, ("openalex",), entry(CHEMCROW_PREPRINT, ["Andres M. Bran"], 2023))
    assert found == [("RC507", "found as arXiv:2304.05376")]
    found = _verify(standin, cache, ("openalex",), entry(CHEMCROW_JOURNAL, ["Andres M. Bran"], 2024, line=12))
    assert found == [("RC507", "found as doi:10.1038/s42256-024-00832-8")]

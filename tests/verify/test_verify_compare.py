"""Title, first-author and year comparison: real variations match, different works do not."""

from __future__ import annotations

import pytest
from verify_support import reference

from refcheck.verify.compare import compare, first_author_matches, title_matches, year_problem
from refcheck.verify.normalise import fold
from refcheck.verify.records import Record

BERT = "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"


@pytest.mark.parametrize(
    ("entry", "record"),
    [
        ("Attention is all you need", "Attention Is All You Need"),
        ("Attention is all you need.", "Attention Is All You Need"),
        ("Attention is all you ned", "Attention Is All You Need"),  # a typo, not another paper
        ("BERT", BERT),  # subtitle on the record only
        ("{BERT}: Pre-training of deep bidirectional transformers for language understanding", BERT),
        ("BERT -- pre-training of deep bidirectional transformers for language understanding", BERT),
        ("Language Models are Fewshot Learners", "Language Models are Few-Shot Learners"),
        (
            "Batch normalisation: accelerating deep network training by reducing internal covariate shift",
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
        ),
        (
            "Single-molecule FRET studies on α-synuclein oligomerization of Parkinson's disease mutants",
            "Single-molecule FRET studies on alpha-synuclein oligomerization of Parkinson’s disease mutants",
        ),
        (r"On the $\alpha$-divergence of {G}aussian mixtures", "On the α-Divergence of Gaussian Mixtures"),
        ("<i>In vivo</i> imaging of neurons &amp; glia in mice", "In vivo imaging of neurons & glia in mice"),
        (
            r"Sch\"{o}nberg's theorem on positive definite functions",
            "Schönberg’s Theorem on Positive Definite Functions",
        ),
        (
            "Quantum criticality for extended nodes on a Bethe lattice in the large connectivity limit",
            "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large\n  Connectivity Limit",
        ),
        (
            "Proceedings of Workshop AEW10",
            "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications",
        ),
        ("Some study of things in mice, revisited", "RETRACTED: Some study of things in mice, revisited"),
        (
            "Mixing of hard negatives for contrastive learning",
            "Hard Negative Mixing for Contrastive Learning",
        ),
    ],
)
def test_same_title_written_differently_matches(entry: str, record: str) -> None:
    assert title_matches(entry, record)


@pytest.mark.parametrize(
    ("entry", "record"),
    [
        ("Hard Negative Mixing for Contrastive Learning", "Mixing of Contrastive Hard Negatives"),
        ("Scaling Laws for Neural Language Models", "Scaling Laws for Language Models"),
        ("GPT-4 Technical Report", "GPT-3 Technical Report"),
        ("Deep Learning", "Deep Reinforcement Learning"),  # short: exact only
        (
            "Improving language understanding with unsupervised learning",
            "Improving Language Understanding by Generative Pre-Training",
        ),
        ("Attention is all you need", BERT),
        ("BERT: a review of applications", BERT),  # different subtitles
    ],
)
def test_different_title_does_not_match(entry: str, record: str) -> None:
    assert not title_matches(entry, record)


NAMES = (
    "Kees A. Schouhamer Immink",
    "Peter H. N. de With",
    "Joost van der Putten",
    "Dirk Wübben",
    "Ken-ichi Iwata",
    "A. J. Han Vinck",
    "José María García-López",
    "Martin Luther King Jr.",
    "Hans Müller",
    "Ivan Kuznetzov",
    "Siobhán O'Brien",
    "Łukasz Kaiser",
    "Wei Zhang",
)


@pytest.mark.parametrize(
    "surname",
    [
        "immink",
        "schouhamer immink",
        "de with",
        "with",
        "van der putten",
        "putten",
        "wubben",
        "wuebben",
        "iwata",
        "vinck",
        "han vinck",
        "garcia lopez",
        "garcia-lopez",
        "lopez",
        "king",
        "muller",
        "mueller",
        "kuznetsov",
        "obrien",
        "o'brien",
        "kaiser",
        "zhang",
        "wei",
    ],
)
def test_first_author_variants_are_found_among_the_record_authors(surname: str) -> None:
    assert first_author_matches(surname, NAMES) is True


@pytest.mark.parametrize("surname", ["smith", "kaplin", "immik", "vaswani"])
def test_other_first_author_is_not_found(surname: str) -> None:
    assert first_author_matches(surname, NAMES) is False


@pytest.mark.parametrize(("surname", "names"), [("a", NAMES), ("others", NAMES), ("", NAMES), ("smith", ())])
def test_author_check_abstains_without_something_to_compare(surname: str, names: tuple[str, ...]) -> None:
    assert first_author_matches(surname, names) is None


def arxiv_record(published: str = "2017-07-27", journal_ref: str | None = None) -> Record:
    return Record(
        "arxiv",
        "1707.08567",
        "T",
        ("A B",),
        (int(published[:4]),),
        published,
        journal_ref=journal_ref,
        arxiv="1707.08567",
        preprint=True,
    )


def crossref_record(*years: int) -> Record:
    return Record("crossref", "10.1/x", "T", ("A B",), years, f"{years[0]}-03-21", doi="10.1/x")


@pytest.mark.parametrize(
    ("year", "record", "reported"),
    [
        (2017, arxiv_record(), False),
        (2019, arxiv_record(), False),  # the published version, later
        (2016, arxiv_record(), True),
        (2016, arxiv_record("2017-01-01"), False),  # submitted on New Year's Eve west of UTC
        (
            2015,
            arxiv_record("2017-07-27", "Phys. Rev. B 85, 115117 (2015)"),
            False,
        ),  # posted after publication
        (2012, crossref_record(2012), False),
        (2011, crossref_record(2012), False),  # print vs online
        (2013, crossref_record(2012), False),
        (2015, crossref_record(2012), True),
        (2009, crossref_record(2012), True),
        (2014, crossref_record(2012, 2013), False),
    ],
)
def test_year_rules(year: int, record: Record, reported: bool) -> None:
    assert (year_problem(year, record) is not None) is reported


def test_preprint_and_published_version_of_an_entry_are_compared_together() -> None:
    preprint = Record(
        "arxiv",
        "1111.2011",
        "Quantum criticality on a Bethe lattice",
        ("James M. Murray",),
        (2011,),
        "2011-11-08",
        doi="10.1103/physrevb.85.115117",
        arxiv="1111.2011",
        preprint=True,
    )
    published = Record(
        "crossref",
        "10.1103/physrevb.85.115117",
        "Quantum criticality for extended nodes on a Bethe lattice in the large connectivity limit",
        ("James M. Murray",),
        (2012,),
        "2012-03-19",
        doi="10.1103/physrevb.85.115117",
    )
    entry = reference(
        arxiv="1111.2011",
        doi="10.1103/physrevb.85.115117",
        authors=("murray",),
        year="2012",
        title="Quantum criticality for extended nodes on a Bethe lattice in the large connectivity limit",
    )
    assert compare(entry, preprint, [published]) == []
    assert [f.code for f in compare(entry, preprint, [])] == ["RC502"]


def test_entry_without_title_or_authors_is_only_checked_for_what_it_has() -> None:
    record = Record("arxiv", "1707.08567", "Something else entirely", ("Kees Immink",), (2017,), "2017-07-27")
    assert compare(reference(arxiv="1707.08567"), record) == []
    assert compare(reference(arxiv="1707.08567", authors=("acme",), organisation=True), record) == []


def test_fold_undoes_markup_accents_and_punctuation() -> None:
    assert (
        fold(r"{\"U}ber \emph{die} Stra{\ss}e -- «quotes» &amp; Ko\v{c}isk\'y") == "uber die strasse quotes and kocisky"
    )
    assert fold("Pre-training", hyphen="") == "pretraining"


@pytest.mark.parametrize(("surname", "record_name"), [("Ben Amor", "Hedi Amor"), ("dos Santos", "Ana Santos")])
def test_a_leading_particle_of_the_shared_list_may_be_missing_from_the_record(surname: str, record_name: str) -> None:
    assert first_author_matches(surname, (record_name,)) is True

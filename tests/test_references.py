"""One reference entry's Markdown text → authors, year, title, identifiers, URLs, positions."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.model import ReferenceSource, Span
from refcheck.parse.references import markdown_to_plain, parse_authors, parse_entry


def _locate_on_line(line: int, column: int):
    def locate(start: int, end: int) -> Span:
        return Span(line, column + start, line, column + end)

    return locate


def parse(text: str, line: int = 1, column: int = 1):
    return parse_entry(
        text,
        span=Span.point(line, column, len(text)),
        path="doc.md",
        source=ReferenceSource.LIST,
        key=None,
        locate=_locate_on_line(line, column),
    )


@dataclass(frozen=True)
class Case:
    text: str
    authors: tuple[str, ...]
    year: str | None
    title: str | None
    et_al: bool = False
    arxiv: tuple[str, ...] = ()
    dois: tuple[str, ...] = ()
    organisation: bool = False


CASES = [
    # seed-llm-progress.md (APA-like with a link)
    Case(
        "Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. "
        "[arXiv:2001.08361](https://arxiv.org/abs/2001.08361)",
        ("kaplan",),
        "2020",
        "Scaling Laws for Neural Language Models",
        True,
        ("2001.08361", "2001.08361"),
    ),
    Case(
        "OpenAI. (2023). Research Publications. [OpenAI](https://openai.com/research/publications)",
        ("openai",),
        "2023",
        "Research Publications",
        organisation=True,
    ),
    # nfcore-rnaseq-citations.md (APA with several authors and a DOI URL)
    Case(
        "Lu, J., Breitwieser, F. P., Thielen, P., & Salzberg, S. L. (2017). Bracken: estimating species "
        "abundance in metagenomics data. PeerJ. Computer Science, 3(e104), e104. "
        "https://doi.org/10.7717/peerj-cs.104",
        ("lu", "breitwieser", "thielen", "salzberg"),
        "2017",
        "Bracken: estimating species abundance in metagenomics data",
        dois=("10.7717/peerj-cs.104",),
    ),
    Case(
        "R Core Team (2017). R: A language and environment for statistical computing. R Foundation.",
        ("r core team",),
        "2017",
        "R: A language and environment for statistical computing",
        organisation=True,
    ),
    Case(
        "Trevor L Davis (2018). optparse: Command Line Option Parser.",
        ("davis",),
        "2018",
        "optparse: Command Line Option Parser",
    ),
    Case(
        "Andrews, S. (2010). FastQC: A Quality Control Tool for High Throughput Sequence Data [Online].",
        ("andrews",),
        "2010",
        "FastQC: A Quality Control Tool for High Throughput Sequence Data",
    ),
    Case("Smith, A. (n.d.). Undated notes.", ("smith",), "n.d.", "Undated notes"),
    Case("Smith, A. (2020b). Second work of the year.", ("smith",), "2020b", "Second work of the year"),
    # nfcore-rnaseq-citations.md (Vancouver: initials after the surname, no periods)
    Case(
        "Ewels PA, Peltzer A, Fillinger S, Patel H, Alneberg J, Wilm A, Garcia MU, Di Tommaso P, Nahnsen S. "
        "The nf-core framework for community-curated bioinformatics pipelines. Nat Biotechnol. 2020 "
        "Mar;38(3):276-278. doi: 10.1038/s41587-020-0439-x. PubMed PMID: 32055031.",
        ("ewels", "peltzer", "fillinger", "patel", "alneberg", "wilm", "garcia", "di tommaso", "nahnsen"),
        "2020",
        "The nf-core framework for community-curated bioinformatics pipelines",
        dois=("10.1038/s41587-020-0439-x",),
    ),
    Case(
        "Chen S, Zhou Y, Chen Y, Gu J. fastp: an ultra-fast all-in-one FASTQ preprocessor. Bioinformatics. "
        "2018 Sep 1;34(17):i884-i890. doi: 10.1093/bioinformatics/bty560.",
        ("chen", "zhou", "chen", "gu"),
        "2018",
        "fastp: an ultra-fast all-in-one FASTQ preprocessor",
        dois=("10.1093/bioinformatics/bty560",),
    ),
    Case(
        "Liu D. Algorithms for efficiently collapsing reads with Unique Molecular Identifiers. PeerJ. "
        "2019 Dec 16;7:e8275.",
        ("liu",),
        "2019",
        "Algorithms for efficiently collapsing reads with Unique Molecular Identifiers",
    ),
    Case(
        "Li H, Handsaker B, Durbin R; 1000 Genome Project Data Processing Subgroup. The Sequence "
        "Alignment/Map format and SAMtools. Bioinformatics. 2009 Aug 15;25(16):2078-9.",
        ("li", "handsaker", "durbin", "1000 genome project data processing subgroup"),
        "2009",
        "The Sequence Alignment/Map format and SAMtools",
    ),
    Case(
        "Vaswani A, Shazeer N, Parmar N. Attention is all you need. NeurIPS. 2017.",
        ("vaswani", "shazeer", "parmar"),
        "2017",
        "Attention is all you need",
    ),
    Case(
        "H. Wickham. ggplot2: Elegant Graphics for Data Analysis. Springer-Verlag New York, 2016.",
        ("wickham",),
        "2016",
        "ggplot2: Elegant Graphics for Data Analysis",
    ),
    # numbered lists
    Case(
        '[1] A. Vaswani et al. "Attention is all you need." NeurIPS 2017.',
        ("vaswani",),
        "2017",
        "Attention is all you need",
        True,
    ),
    Case(
        '**[1]** A. Vaswani et al. "Attention is all you need." NeurIPS 2017.',
        ("vaswani",),
        "2017",
        "Attention is all you need",
        True,
    ),
    # weng-diffusion-models.md (Lilian Weng style)
    Case(
        "[1] Jascha Sohl-Dickstein et al. [“Deep Unsupervised Learning using Nonequilibrium Thermodynamics.”]"
        "(https://arxiv.org/abs/1503.03585) ICML 2015.",
        ("sohl-dickstein",),
        "2015",
        "Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
        True,
        ("1503.03585",),
    ),
    Case(
        "[2] Max Welling & Yee Whye Teh. [“Bayesian learning via stochastic gradient langevin dynamics.”]"
        "(http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.226.363) ICML 2011.",
        ("welling", "teh"),
        "2011",
        "Bayesian learning via stochastic gradient langevin dynamics",
    ),
    Case(
        "[5] Jonathan Ho et al. [“Denoising diffusion probabilistic models.”]"
        "(https://arxiv.org/abs/2006.11239) arxiv Preprint arxiv:2006.11239 (2020). [[code](https://github.com/hojonathanho/diffusion)]",
        ("ho",),
        "2020",
        "Denoising diffusion probabilistic models",
        True,
        ("2006.11239", "2006.11239"),
    ),
    # weng-active-learning.md: an unbalanced quote inside the link, and a glued "et al."
    Case(
        '[7] Houlsby et al. [Bayesian Active Learning for Classification and Preference Learning."]'
        "(https://arxiv.org/abs/1112.5745) arXiv preprint arXiv:1112.5745 (2020).",
        ("houlsby",),
        "2020",
        "Bayesian Active Learning for Classification and Preference Learning",
        True,
        ("1112.5745", "1112.5745"),
    ),
    Case(
        '[14] Ebrahimiet al. ["Minmax Active Learning"](https://arxiv.org/abs/2012.10467) arXiv preprint '
        "arXiv:2012.10467 (2021).",
        ("ebrahimi",),
        "2021",
        "Minmax Active Learning",
        True,
        ("2012.10467", "2012.10467"),
    ),
    Case(
        "[1] Burr Settles. [Active learning literature survey.](https://burrsettles.com/pub/settles.pdf) "
        "University of Wisconsin, Madison, 52(55-66):11, 2010.",
        ("settles",),
        "2010",
        "Active learning literature survey",
    ),
    Case(
        "[2] [https://jacobgil.github.io/deeplearning/activelearning]"
        "(https://jacobgil.github.io/deeplearning/activelearning)",
        (),
        None,
        None,
    ),
    # weng-contrastive-representation-learning.md: a middle initial is not the end of the author list
    Case(
        '[10] Ekin D. Cubuk et al. ["AutoAugment: Learning augmentation policies from data."]'
        "(https://arxiv.org/abs/1805.09501) arXiv preprint arXiv:1805.09501 (2018).",
        ("cubuk",),
        "2018",
        "AutoAugment: Learning augmentation policies from data",
        True,
        ("1805.09501", "1805.09501"),
    ),
    Case(
        '[22] Aaron van den Oord, Yazhe Li & Oriol Vinyals. ["Representation Learning with Contrastive '
        'Predictive Coding"](https://arxiv.org/abs/1807.03748) arXiv preprint arXiv:1807.03748 (2018).',
        ("van den oord", "li", "vinyals"),
        "2018",
        "Representation Learning with Contrastive Predictive Coding",
        arxiv=("1807.03748", "1807.03748"),
    ),
    # weng-the-transformer-family.md: a link written the wrong way round; a truncated doi.org link
    Case(
        '[7] Alex Graves. ("Adaptive Computation Time for Recurrent Neural Networks")'
        "[https://arxiv.org/abs/1603.08983]",
        ("graves",),
        None,
        "Adaptive Computation Time for Recurrent Neural Networks",
        arxiv=("1603.08983",),
    ),
    Case(
        '[3] Olah & Carter, ["Attention and Augmented Recurrent Neural Networks"]'
        "(http://doi.org/10.23915/disti), Distill, 2016.",
        ("olah", "carter"),
        "2016",
        "Attention and Augmented Recurrent Neural Networks",
        dois=("10.23915/disti",),
    ),
    # weng-attention-attention.md: the author named after the title
    Case(
        '[1] ["Attention and Memory in Deep Learning and NLP."](http://www.wildml.com/2016/01/attention/) '
        "- Jan 3, 2016 by Denny Britz",
        ("britz",),
        "2016",
        "Attention and Memory in Deep Learning and NLP",
    ),
    # roadmap-dl-papers-readme.md (MLA: first author inverted)
    Case(
        '**[1]** LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "**Deep learning**." Nature 521.7553 '
        "(2015): 436-444. [[pdf]](http://www.cs.toronto.edu/~hinton/absps/NatureDeepReview.pdf)",
        ("lecun", "bengio", "hinton"),
        "2015",
        "Deep learning",
    ),
    Case(
        '**[6]** Szegedy, Christian, et al. "**Going deeper with convolutions**." Proceedings of the IEEE '
        "Conference on Computer Vision and Pattern Recognition. 2015.",
        ("szegedy",),
        "2015",
        "Going deeper with convolutions",
        True,
    ),
    Case(
        '**[28]** Le, Quoc V. "**Building high-level features using large scale unsupervised learning**." '
        "2013 IEEE international conference on acoustics, speech and signal processing. IEEE, 2013.",
        ("le",),
        "2013",
        "Building high-level features using large scale unsupervised learning",
    ),
    Case(
        '**[33]** Oord, Aaron van den, Nal Kalchbrenner, and Koray Kavukcuoglu. "**Pixel recurrent neural '
        'networks**." arXiv preprint arXiv:1601.06759 (2016). [[pdf]](http://arxiv.org/pdf/1601.06759)',
        ("van den oord", "kalchbrenner", "kavukcuoglu"),
        "2016",
        "Pixel recurrent neural networks",
        arxiv=("1601.06759", "1601.06759"),
    ),
    Case(
        '**[25]** Han, Song, Huizi Mao, and William J. Dally. "**Deep compression**." CoRR, abs/1510.00149 2 (2015).',
        ("han", "mao", "dally"),
        "2015",
        "Deep compression",
        arxiv=("1510.00149",),
    ),
    Case(
        '**[1]** Mordvintsev, Alexander; Olah, Christopher; Tyka, Mike (2015). "**Inceptionism: Going Deeper '
        'into Neural Networks**". Google Research.',
        ("mordvintsev", "olah", "tyka"),
        "2015",
        "Inceptionism: Going Deeper into Neural Networks",
    ),
    Case(
        '**[9]** Ulyanov, Dmitry and Lebedev, Vadim, et al. "**Texture Networks**." arXiv preprint '
        "arXiv:1603.03417(2016).",
        ("ulyanov", "lebedev"),
        "2016",
        "Texture Networks",
        True,
        ("1603.03417",),
    ),
    Case(
        '**[11]** Tan, Mingxing, et al. “**EfficientDet: Scalable and Efficient Object Detection.**" arXiv '
        "preprint arXiv:1911.09070 (2019).",
        ("tan",),
        "2019",
        "EfficientDet: Scalable and Efficient Object Detection",
        True,
        ("1911.09070",),
    ),
    Case(
        '**[10]** Yijun Li, Ming-Yu Liu ,Xueting Li, Ming-Hsuan Yang,Jan Kautz (NVIDIA). "**A Closed-form '
        'Solution to Photorealistic Image Stylization**." arXiv preprint arXiv:1802.06474(2018).',
        ("li", "liu", "li", "yang", "kautz"),
        "2018",
        "A Closed-form Solution to Photorealistic Image Stylization",
        arxiv=("1802.06474",),
    ),
    Case(
        '**[1]** Farhadi,Ali,etal. "**Every picture tells a story**". In Computer VisionECCV 2010.',
        ("farhadi",),
        "2010",
        "Every picture tells a story",
        True,
    ),
    # dieleman-diffusion.md footnote definitions (surnames only)
    Case(
        '[^sohl]: Sohl-Dickstein, Weiss, Maheswaranathan and Ganguli, "[Deep Unsupervised Learning using '
        'Nonequilibrium Thermodynamics](https://arxiv.org/abs/1503.03585)", International Conference on '
        "Machine Learning, 2015.",
        ("sohl-dickstein", "weiss", "maheswaranathan", "ganguli"),
        "2015",
        "Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
        arxiv=("1503.03585",),
    ),
    Case(
        '[^pixelcnn]: Van den Oord, Kalchbrenner, Kavukcuoglu, "[Pixel Recurrent Neural Networks]'
        '(https://arxiv.org/abs/1601.06759)", International Conference on Machine Learning, 2016.',
        ("van den oord", "kalchbrenner", "kavukcuoglu"),
        "2016",
        "Pixel Recurrent Neural Networks",
        arxiv=("1601.06759",),
    ),
    Case(
        '[^imagen]: Saharia, Chan, Saxena, Li, Norouzi et al., "[Photorealistic Text-to-Image '
        'Diffusion Models](https://arxiv.org/abs/2205.11487)", arXiv, 2022.',
        ("saharia", "chan", "saxena", "li", "norouzi"),
        "2022",
        "Photorealistic Text-to-Image Diffusion Models",
        True,
        ("2205.11487",),
    ),
    # bitcoin-whitepaper.md footnotes (initials first, a title in quotes, a bare URL, multi-line)
    Case('[^1]: W. Dai, "b-money," http://www.weidai.com/bmoney.txt, 1998.', ("dai",), "1998", "b-money"),
    Case(
        '[^2]: H. Massias, X.S. Avila, and J.-J. Quisquater, "Design of a secure timestamping service with '
        'minimal\ntrust requirements," In 20th Symposium on Information Theory in the Benelux, May 1999.',
        ("massias", "avila", "quisquater"),
        "1999",
        "Design of a secure timestamping service with minimal trust requirements",
    ),
    Case(
        '[^7]: R.C. Merkle, "Protocols for public key cryptosystems," In Proc. 1980 Symposium on '
        "Security and\nPrivacy, IEEE Computer Society, pages 122-133, April 1980.",
        ("merkle",),
        "1980",
        "Protocols for public key cryptosystems",
    ),
    # kosiorek-ml-of-sets.md: the whole citation inside one link
    Case(
        '[^setembeddings]: I tend to use [Lee et al., "Set Transformer", ICML 2019]'
        "(https://arxiv.org/abs/1810.00825), but as a co-author, I might be biased.",
        ("lee",),
        "2019",
        "Set Transformer",
        True,
        ("1810.00825",),
    ),
    # further reading / link-only entries
    Case("[Bracken](https://doi.org/10.7717/peerj-cs.104)", (), None, "Bracken", dois=("10.7717/peerj-cs.104",)),
    Case("Some notes I found useful", (), None, None),
    # HTML and emphasis around the parts
    Case(
        "<b>Smith</b>, J. (2019). <i>A <em>bold</em> claim</i>. Journal of Things.",
        ("smith",),
        "2019",
        "A bold claim",
    ),
    Case("Smith, J. (2019). _Emphasised title_. Journal of *Things*.", ("smith",), "2019", "Emphasised title"),
    Case(
        "van der Berg, A., & de la Cruz, J. (2021). Particles. Venue.",
        ("van der berg", "de la cruz"),
        "2021",
        "Particles",
    ),
    Case("Müller, K., & O’Neil, C. (2019). Names. Venue.", ("muller", "o'neil"), "2019", "Names"),
    Case(
        "Google AI. (2021). Pathways. [Blog](https://blog.google/pathways)",
        ("google ai",),
        "2021",
        "Pathways",
        organisation=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.text[:40] for c in CASES])
def test_parse_entry_reads_authors_year_title_identifiers(case: Case):
    ref = parse(case.text)
    assert ref.authors == case.authors
    assert ref.et_al == case.et_al
    assert ref.year == case.year
    assert ref.title == case.title
    assert tuple(i.value for i in ref.arxiv_ids) == case.arxiv
    assert tuple(i.value for i in ref.dois) == case.dois
    assert ref.is_organisation == case.organisation


def test_identifier_spans_are_exact_on_the_entry_line():
    text = "Kaplan, J. (2020). Scaling laws. arXiv:2013.08361"
    ref = parse(text, line=7, column=3)
    [ident] = ref.arxiv_ids
    start = text.index("2013")
    assert ident.span == Span(7, 3 + start, 7, 3 + start + len("2013.08361"))
    assert not ident.valid and ident.problem == "month 13 does not exist"
    assert ref.arxiv_id is None  # no valid arXiv ID


def test_identifier_spans_follow_the_callers_locate_across_lines():
    # bitcoin-whitepaper.md style: an entry continued on the next line
    text = 'S. Haber, "Title,"\nIn Journal, doi:10.1000/abc, 1991.'
    line_starts = [0, text.index("\n") + 1]

    def locate(start: int, end: int) -> Span:
        line = 0 if start < line_starts[1] else 1
        return Span(10 + line, 1 + start - line_starts[line], 10 + line, 1 + end - line_starts[line])

    ref = parse_entry(
        text, span=Span.point(10, 1), path="p.md", source=ReferenceSource.FOOTNOTE, key="3", locate=locate
    )
    [doi] = ref.dois
    assert doi.span == Span(11, 17, 11, 28)
    assert (ref.key, ref.source, ref.path) == ("3", ReferenceSource.FOOTNOTE, "p.md")


def test_urls_are_collected_from_links_and_bare_text_once_each():
    text = (
        "Ho, J. (2020). Title. [arXiv](https://arxiv.org/abs/2006.11239) "
        "[[code]](https://github.com/x/y) https://github.com/x/y and <https://example.org/z>."
    )
    assert parse(text).urls == (
        "https://arxiv.org/abs/2006.11239",
        "https://github.com/x/y",
        "https://example.org/z",
    )


def test_arxiv_doi_also_counts_as_arxiv_id():
    ref = parse("Kaplan, J. (2020). Scaling laws. doi:10.48550/arXiv.2001.08361")
    assert [i.value for i in ref.dois] == ["10.48550/arxiv.2001.08361"]
    assert [i.value for i in ref.arxiv_ids] == ["2001.08361"]


def test_citeseerx_query_is_not_a_doi():
    ref = parse("[2] Max Welling. [“Title.”](http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.226.363) 2011.")
    assert ref.dois == () and ref.urls == ("http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.226.363",)


def test_years_inside_identifiers_and_urls_are_not_the_year():
    ref = parse("Smith, J. Title. https://example.org/2016/01/post arXiv:2001.08361")
    assert ref.year is None


@pytest.mark.parametrize(
    ("segment", "authors", "et_al"),
    [
        ("Kaplan, J., Gao, L., & Smith, A.", ["kaplan", "gao", "smith"], False),
        ("Song and Ermon", ["song", "ermon"], False),
        ("Koehn & Knowles", ["koehn", "knowles"], False),
        ("Dzmitry Bahdanau, Kyunghyun Cho, and Yoshua Bengio", ["bahdanau", "cho", "bengio"], False),
        ("Hinton, Geoffrey E., Simon Osindero, and Yee-Whye Teh", ["hinton", "osindero", "teh"], False),
        ("Wang, Ziyu, Nando de Freitas, and Marc Lanctot", ["wang", "de freitas", "lanctot"], False),
        ("Di Tommaso P, Chatzou M, Floden EW", ["di tommaso", "chatzou", "floden"], False),
        ("A Rusu, M Vecerik, Thomas Rothörl", ["rusu", "vecerik", "rothorl"], False),
        ("L.-C. Chen, G. Papandreou, and A. L. Yuille", ["chen", "papandreou", "yuille"], False),
        ("Martin Luther King Jr., Jane Doe", ["king", "doe"], False),
        ("Vinyals et. al.", ["vinyals"], True),
        ("Smith and others", ["smith"], True),
        ("The Pile Team", ["the pile team"], False),
        ("", [], False),
    ],
)
def test_parse_authors_forms(segment, authors, et_al):
    got, got_et_al, _ = parse_authors(segment)
    assert (got, got_et_al) == (authors, et_al)


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("[Title](https://x.org/a_b) by **Someone**", "Title by Someone"),
        ("[[pdf]](https://x.org/a.pdf)", "[pdf]"),
        ("a\\_b and snake_case_name", "a_b and snake_case_name"),
        ("![img](a.png) text", "text"),
        ("x <!-- note --> y <br/> z", "x y z"),
        ("Kim &amp; Lee :star::star:", "Kim & Lee"),
        ("[ref][1] and [plain] text", "ref and [plain] text"),
        ("line one\n   line two", "line one line two"),
    ],
)
def test_markdown_to_plain(markdown, plain):
    assert markdown_to_plain(markdown).text == plain


_PIECES = [
    *"ab Kz.,;:()[]<>!*_`\"“”'&-/\\\n0123456789",
    "arXiv:",
    "doi:",
    "10.",
    "1706.03762",
    "et al.",
    "https://arxiv.org/abs/",
    "https://doi.org/",
    "(2020)",
    "10.48550/arXiv.",
]
_MARKDOWNISH = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MARKDOWNISH)
def test_parse_entry_never_fails_and_identifier_spans_match_the_text(text):
    ref = parse(text, line=3, column=5)
    for ident in ref.arxiv_ids + ref.dois:
        written = text[ident.span.column - 5 : ident.span.end_column - 5]
        assert ident.raw == written or written.lower().startswith("10.48550/arxiv.")


@pytest.mark.parametrize(
    "text",
    [
        "<!--" * 10_000,
        "[" * 40_000,
        "[a" * 10_000 + "](u)" * 10_000,
        "[a](" * 10_000,
        "Smith J. Word. " * 3_000,
        "doi:10.1000/x " * 3_000,
        "A. B. C. " * 5_000,
    ],
    ids=["comments", "brackets", "nested-links", "open-parens", "sentences", "dois", "initials"],
)
def test_pathological_entries_finish_quickly(text):
    started = time.perf_counter()
    parse(text)
    assert time.perf_counter() - started < 5.0  # linear work; quadratic work took tens of seconds


@pytest.mark.parametrize(
    ("text", "authors", "year", "title"),
    [
        ("Doe, Jane, and John Roe. 2020. A Chicago Title. Press.", ("doe", "roe"), "2020", "A Chicago Title"),
        ("Doe, Jane. n.d. Undated. Press.", ("doe",), "n.d.", "Undated"),
        (
            "Smith J, Doe A (2019) Harvard style title. J Things 3:1-2",
            ("smith", "doe"),
            "2019",
            "Harvard style title",
        ),
        ("2. Smith, J. (2020). Numbered by hand. Venue.", ("smith",), "2020", "Numbered by hand"),
    ],
)
def test_parse_entry_other_common_styles(text, authors, year, title):
    ref = parse(text)
    assert (ref.authors, ref.year, ref.title) == (authors, year, title)


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        # roadmap-dl-papers-readme.md: one inverted name closed by a full stop
        (
            '**[35]** Graves, Alex. "**Generating sequences with recurrent neural networks**." 2013.',
            ("graves",),
        ),
        # dieleman-guidance.md: two surnames closed by a comma
        (
            '[^cf]: Ho, Salimans, "[Classifier-Free Diffusion Guidance](https://x.org/a)", 2021.',
            ("ho", "salimans"),
        ),
    ],
)
def test_two_comma_separated_names_read_by_how_the_list_ends(text, authors):
    assert parse(text).authors == authors

"""Each matching rule: a case that fires (exact line, column, code) and a near miss that must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.check.match import check_document
from refcheck.parse.document import parse_markdown

REFS = (
    "\n\n## References\n\n"
    "- Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361\n"
    "- Vaswani, A., et al. (2017). Attention Is All You Need. arXiv:1706.03762\n"
)


def check(text: str, **kwargs: object) -> list[tuple[int, int, str]]:
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    found, _ = check_document(doc, [], set(), uncited_bib=False)
    return sorted((d.span.line, d.span.column, d.code) for d in found)


CASES = [
    # RC201 undefined citation, and its near miss
    ("Kaplan et al. (2020) and Brown et al. (2020) (Vaswani et al., 2017)." + REFS, [(1, 26, "RC201")]),
    ("Kaplan et al. (2020) and (Vaswani et al., 2017)." + REFS, []),
    # RC202 uncited entry; a reading list that cites nothing gets none
    ("Kaplan et al. (2020)." + REFS, [(6, 3, "RC202")]),
    ("A reading list." + REFS, []),
    # RC202 is not reported for a Further reading list
    (
        "Kaplan et al. (2020) (Vaswani et al., 2017).\n\n## References\n\n- Kaplan, J. (2020). S.\n"
        "- Vaswani, A. (2017). A.\n\n## Further reading\n\n- Brown, T. (2020). Few-shot.\n",
        [],
    ),
    # RC203 year mismatch; an a/b suffix on one side only is not a mismatch
    ("Kaplan et al. (2021) (Vaswani et al., 2017)." + REFS, [(1, 1, "RC203")]),
    ("Kaplan et al. (2020a) (Vaswani et al., 2017)." + REFS, []),
    # An entry cited only after lead-in words is cited; a wrong year there is RC203 on the first name
    ("Kaplan et al. (2020) (as shown by Vaswani et al., 2017)." + REFS, []),
    ("Kaplan et al. (2020) (adapted from Vaswani et al., 2016)." + REFS, [(1, 36, "RC203")]),
    # RC204 ambiguous; a/b suffixes disambiguate
    ("(Lee, 2021)\n\n## References\n\n- Lee, K. (2021). One.\n- Lee, M. (2021). Two.\n", [(1, 1, "RC204")]),
    ("(Lee, 2021a; Lee, 2021b)\n\n## References\n\n- Lee, K. (2021a). One.\n- Lee, M. (2021b). Two.\n", []),
    # RC205 duplicate entries by identifier or title
    (
        "Kaplan et al. (2020) (Vaswani et al., 2017)."
        + REFS
        + "- Kaplan, J. (2020). Scaling laws again. arXiv:2001.08361\n",
        [(7, 3, "RC205")],
    ),
    (
        "Kaplan et al. (2020) (Vaswani et al., 2017)."
        + REFS
        + "- Brown, T., et al. (2020). Language Models are Few-Shot Learners. arXiv:2005.14165\n",
        [(7, 3, "RC202")],
    ),
    # RC206 the link's identifier is not the entry's
    ("[Kaplan et al., 2020](https://arxiv.org/abs/2001.08362) (Vaswani et al., 2017)." + REFS, [(1, 1, "RC206")]),
    ("[Kaplan et al., 2020](https://arxiv.org/abs/2001.08361v2) (Vaswani et al., 2017)." + REFS, []),
    # The link names one entry by these authors, the year another: the year is what differs (RC203, not RC206)
    (
        "[Yang et al. 2017](https://arxiv.org/abs/1701.03551).\n\n## References\n\n"
        "- Yang, K. (2016). Cost-effective. arXiv:1701.03551\n- Yang, L. (2017). Suggestive. arXiv:1706.04737\n",
        [(1, 1, "RC203"), (6, 3, "RC202")],
    ),
    (
        "[Yang et al. 2017](https://arxiv.org/abs/1706.04737).\n\n## References\n\n"
        "- Yang, K. (2016). Cost-effective. arXiv:1701.03551\n- Yang, L. (2017). Suggestive. arXiv:1706.04737\n",
        [(5, 3, "RC202")],
    ),
    # RC206 an entry whose text and link disagree
    (
        "(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S. arXiv:2001.08361 "
        "[pdf](https://arxiv.org/pdf/2001.08362)\n",
        [(5, 70, "RC206")],
    ),
    # RC207 author misspelt, year and link fit
    ("[Kaplin et al., 2020](https://arxiv.org/abs/2001.08361) (Vaswani et al., 2017)." + REFS, [(1, 1, "RC207")]),
    # RC209 entry year before its arXiv ID allows; January allows the year before
    ("(Kaplan et al., 2019)\n\n## References\n\n- Kaplan, J. (2019). S. arXiv:2001.08361\n", []),
    ("(Kaplan et al., 2018)\n\n## References\n\n- Kaplan, J. (2018). S. arXiv:2001.08361\n", [(5, 15, "RC209")]),
    ("(Kaplan et al., 2019)\n\n## References\n\n- Kaplan, J. (2019). S. arXiv:2002.08361\n", [(5, 15, "RC209")]),
    ("(Kaplan et al., 2031)\n\n## References\n\n- Kaplan, J. (2031). S.\n", [(5, 15, "RC209")]),
    # RC301 / RC302 malformed identifiers
    ("(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S. arXiv:2013.08361\n", [(5, 31, "RC301")]),
    ("(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S. doi:10.abc/xyz\n", [(5, 29, "RC302")]),
    ("(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S. doi:10.1038/nature14539.\n", []),
    # RC101 an entry with nothing to match on
    ("(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S.\n- Some slides I liked\n", [(6, 3, "RC101")]),
    # identifier links match an entry when there is a reference list; unlisted, a dated label is an
    # unlisted work (info) and an undated one ("this", a concept) a plain link ...
    (
        "See [Brown et al., 2020](https://arxiv.org/abs/2005.14165). Kaplan et al. (2020) (Vaswani et al., 2017)."
        + REFS,
        [(1, 5, "RC210")],
    ),
    ("See [this](https://arxiv.org/abs/2005.14165). Kaplan et al. (2020) (Vaswani et al., 2017)." + REFS, []),
    ("See [this](https://arxiv.org/abs/2001.08361) (Vaswani et al., 2017)." + REFS, []),
    # ... and are their own reference when there is none
    ("See [this](https://arxiv.org/abs/2005.14165) and [Brown et al., 2020](https://arxiv.org/abs/2005.14165).", []),
    # footnotes, link labels, numbers
    ("A[^1] B[^2].\n\n[^1]: Note.\n[^3]: Unused.\n", [(1, 8, "RC201"), (4, 1, "RC202")]),
    ("[a][x] [b][y]\n\n[x]: https://a.example\n[z]: https://z.example\n", [(1, 8, "RC201"), (4, 1, "RC202")]),
    (
        "See [1] and [3].\n\n## References\n\n1. Smith, A. (2020). One.\n2. Jones, B. (2021). Two.\n",
        [(1, 13, "RC201"), (6, 4, "RC202")],
    ),
    # organisation authors and particles
    (
        "Safety (OpenAI, 2023) and van der Berg et al. (2021).\n\n## References\n\n- OpenAI. (2023). Report.\n"
        "- van der Berg, A., et al. (2021). Title.\n",
        [],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rule_fires_exactly_where_expected(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert check(text) == expected


def test_messages_name_both_years_and_the_entry_line() -> None:
    doc = parse_markdown("Kaplan et al. (2021) (Vaswani et al., 2017)." + REFS, Path("/tmp/d.md"), "d.md")
    found, _ = check_document(doc, [], set(), uncited_bib=False)
    assert "year 2021 differs from the entry's 2020 (line 5)" in found[0].message


def test_manubot_tags_need_a_definition_in_some_checked_file() -> None:
    doc = parse_markdown("Known [@tag:a] and unknown [@tag:b].\n", Path("/tmp/d.md"), "d.md")
    found, _ = check_document(doc, [], {"tag:a"}, uncited_bib=False)
    assert [(d.span.column, d.code) for d in found] == [(28, "RC201")]


def test_year_mismatch_names_the_entry_whose_url_the_citation_links() -> None:
    text = (
        "[Settles et al. (2008)](https://papers.example/mil.html) introduced EGL.\n\n## References\n\n"
        "[1] Burr Settles. [Active learning literature survey.](https://example.org/survey.pdf) 2010.\n"
        '[2] Settles et al. ["Multiple-Instance Active Learning."](https://papers.example/mil.html) NIPS 2007.\n'
    )
    doc = parse_markdown(text, Path("/tmp/doc.md"), "doc.md")
    found, _ = check_document(doc, [], set(), uncited_bib=False)
    (diag,) = [d for d in found if d.code == "RC203"]
    assert (diag.span.line, diag.span.column) == (1, 1)
    assert diag.message.endswith("differs from the entry's 2007 (line 6)")

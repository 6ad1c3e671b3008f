"""The rule registry: every code, its name, default severity and explanation, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.model import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str  # one line: what it flags
    why: str = ""  # why it matters
    example: str = ""  # Markdown that fires
    fix: str = ""  # how to fix or suppress

    def explanation(self) -> str:
        """The text `--explain` prints, in ruff's fixed shape."""
        parts = [f"# {self.code} ({self.name})", "", f"Default severity: {self.severity.label}", ""]
        parts += ["## What it does", self.summary, ""]
        if self.why:
            parts += ["## Why is this bad?", self.why, ""]
        if self.example:
            parts += ["## Example", "```markdown", self.example.rstrip("\n"), "```", ""]
        if self.fix:
            parts += ["## How to fix", self.fix, ""]
        parts += [
            "## Suppress",
            f"`<!-- refcheck: disable-next-line {self.code} -->` above the line, or "
            f'`ignore = ["{self.code}"]` in `[tool.refcheck]`.',
        ]
        return "\n".join(parts) + "\n"


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: tuple[Rule, ...] = (
    Rule(
        "RC101", "unparsed-reference", _W,
        "A reference-list entry from which neither author and year nor an identifier could be read.",
        "refcheck cannot match citations against an entry it cannot read, so mistakes around it go unseen.",
        "## References\n- Some notes I found useful\n",
        "Give the entry an author and year (`Smith, J. (2020). Title.`) or an arXiv ID / DOI.",
    ),
    Rule(
        "RC102", "unreadable-file", _E,
        "A file that cannot be read as text (binary content, NUL bytes, permissions); it is skipped.",
        "Nothing in the file is checked.",
        "",
        "Exclude the path (`exclude = [\"assets/**\"]`) or fix its permissions or content.",
    ),
    Rule(
        "RC103", "bib-error", _E,
        "A BibTeX entry that fails to parse (the rest of the file still counts), or a `bibliography:` "
        "file that does not exist.",
        "Citations of the broken entry are reported as undefined, and pandoc fails the same way.",
        "---\nbibliography: missing.bib\n---\n",
        "Fix the entry's syntax (braces, commas, quotes) or the path in `bibliography:`.",
    ),
    Rule(
        "RC104", "encoding-replaced", _W,
        "A file that is not valid UTF-8; it is decoded with replacement characters and checked anyway.",
        "Names and titles with replaced characters may not match their entries.",
        "",
        "Re-save the file as UTF-8.",
    ),
    Rule(
        "RC105", "file-too-large", _W,
        "A file larger than `max_file_size`; it is skipped.",
        "Nothing in the file is checked.",
        "",
        "Raise `max_file_size` or exclude the file.",
    ),
    Rule(
        "RC201", "undefined-citation", _E,
        "An in-text citation (author–year, numeric, footnote, `[@key]`, link label, or a link to an "
        "arXiv/DOI address) with no matching entry or definition.",
        "The reader cannot find the work; with LLM-drafted text the cited work may not exist at all.",
        "As shown by Smith et al. (2020), ...\n\n## References\n- Jones, A. (2019). Other work.\n",
        "Add the missing entry, or correct the citation's author, year, key or link.",
    ),
    Rule(
        "RC202", "uncited-reference", _W,
        "An entry of the document's own reference list, a footnote definition or a link definition that "
        "nothing cites. Not reported for BibTeX files unless `uncited_bib = true`, nor for documents "
        "that cite nothing (reading lists).",
        "An uncited entry often means a citation was dropped or mistyped during editing.",
        "Transformers (Vaswani et al., 2017).\n\n## References\n- Vaswani, A. et al. (2017). Attention.\n"
        "- Kaplan, J. et al. (2020). Scaling laws.\n",
        "Cite the entry or remove it; a list meant as further reading belongs under a "
        "'Further reading' heading.",
    ),
    Rule(
        "RC203", "year-mismatch", _E,
        "A citation whose author matches an entry but whose year differs.",
        "One of the two years is wrong; readers looking up the work will not find it.",
        "(Kaplan et al., 2021)\n\n## References\n- Kaplan, J. et al. (2020). Scaling laws.\n",
        "Make the citation's year agree with the entry (or fix the entry).",
    ),
    Rule(
        "RC204", "ambiguous-citation", _W,
        "A citation that matches more than one entry (two 'Smith 2020' without a/b suffixes).",
        "The reader cannot tell which work is meant.",
        "(Smith, 2020)\n\n## References\n- Smith, A. (2020). One.\n- Smith, B. (2020). Two.\n",
        "Add year suffixes (2020a, 2020b) to the entries and the citations.",
    ),
    Rule(
        "RC205", "duplicate-reference", _W,
        "Two entries for the same work (same arXiv ID, DOI or normalised title), or a BibTeX key "
        "defined twice.",
        "Duplicates split citations between two entries and one of them is usually stale.",
        "## References\n- Vaswani, A. (2017). Attention is all you need. arXiv:1706.03762\n"
        "- Vaswani, A. (2017). Attention Is All You Need. arXiv:1706.03762\n",
        "Keep one entry.",
    ),
    Rule(
        "RC206", "identifier-mismatch", _E,
        "A citation links to an arXiv ID or DOI other than its entry's, or an entry's link and text "
        "identifiers disagree.",
        "The link sends readers to a different paper than the one named.",
        "[Kaplan et al., 2020](https://arxiv.org/abs/2001.08362)\n\n## References\n"
        "- Kaplan, J. et al. (2020). Scaling laws. arXiv:2001.08361\n",
        "Correct the link or the entry so both carry the same identifier.",
    ),
    Rule(
        "RC207", "author-mismatch", _E,
        "A citation whose year and link fit an entry but whose author name does not ('Kaplin et al.').",
        "A misspelt or wrong author name is the commonest slip in drafted citations.",
        "[Kaplin et al., 2020](https://arxiv.org/abs/2001.08361)\n\n## References\n"
        "- Kaplan, J. et al. (2020). Scaling laws. arXiv:2001.08361\n",
        "Spell the author as the entry does.",
    ),
    Rule(
        "RC209", "implausible-year", _W,
        "An entry's year before its arXiv ID allows (IDs record the announcement month, so January "
        "allows the year before), or a year in the future.",
        "The year or the identifier is wrong.",
        "## References\n- Kaplan, J. (2018). Scaling laws. arXiv:2001.08361\n",
        "Correct the year or the identifier.",
    ),
    Rule(
        "RC301", "malformed-arxiv-id", _E,
        "An arXiv identifier that cannot exist: bad month, wrong digit count, unknown old-style archive.",
        "The link or identifier leads nowhere.",
        "## References\n- Kaplan, J. (2020). Scaling laws. arXiv:2013.08361\n",
        "Copy the identifier again from the paper's arXiv page.",
    ),
    Rule(
        "RC302", "malformed-doi", _E,
        "A DOI that does not follow the DOI syntax (`10.` + registrant + `/` + suffix).",
        "The DOI cannot resolve.",
        "## References\n- Smith, A. (2020). Title. doi:10.abc/xyz\n",
        "Copy the DOI again from the publisher's page.",
    ),
    Rule(
        "RC401", "broken-link", _E,
        "HTTP 4xx/5xx after retries, a DNS failure, a refused connection, a TLS failure, a redirect "
        "loop or too many redirects; the message says which.",
        "Readers following the link get nothing.",
        "[docs](https://example.com/removed-page)\n",
        "Update or remove the link; `accept` adds status codes that count as working.",
    ),
    Rule(
        "RC402", "link-timeout", _W,
        "No answer within the timeout, after retries.",
        "The server may be down or slow; it is not known to be broken.",
        "",
        "Raise `timeout`, or exclude the URL with `exclude_urls`.",
    ),
    Rule(
        "RC403", "redirected-link", _I,
        "A permanent redirect (301/308); the message gives the final URL.",
        "Permanent redirects break eventually; linking the final address is sturdier.",
        "[page](http://example.com/old)\n",
        "Replace the URL with the final one.",
    ),
    Rule(
        "RC404", "missing-file", _E,
        "A relative link or image whose file does not exist.",
        "Readers get a 404 and images do not render.",
        "![plot](./figures/plot.png)\n",
        "Fix the path or add the file; root-relative paths need `root_dir`.",
    ),
    Rule(
        "RC405", "missing-anchor", _W,
        "A `#fragment` that matches no heading or id in this file, the linked local file, or the "
        "fetched HTML page.",
        "The link opens the page at the top instead of the section meant.",
        "See [setup](#instalation).\n\n## Installation\n",
        "Use the heading's slug (GitHub rules: lower case, spaces to hyphens, punctuation dropped).",
    ),
    Rule(
        "RC406", "bot-protection", _W,
        "A challenge page or bot block (status 999; 403/503 with a challenge marker): not known broken.",
        "The site blocks automated checks; a person may still reach it.",
        "",
        "Check the link by hand, then exclude it with `exclude_urls`.",
    ),
    Rule(
        "RC407", "skipped-link", _I,
        "A link not checked: excluded, an address not allowed, an unsupported scheme, a template, or a "
        "root-relative path with no `root_dir`.",
        "Nothing is known about the link.",
        "[home]({{ site.url }}/about)\n",
        "Nothing to fix; set `root_dir` or `allow_hosts` to have such links checked.",
    ),
    Rule(
        "RC408", "rate-limited", _W,
        "Still HTTP 429 after honouring Retry-After and retries: not known broken.",
        "The server refused to answer now; the link may work.",
        "",
        "Lower `max_per_host` or raise `host_interval` for that host.",
    ),
    Rule(
        "RC501", "identifier-not-found", _E,
        "The arXiv ID or DOI does not exist at its registry.",
        "An identifier that resolves to nothing is a typo or a fabricated reference.",
        "## References\n- Smith, A. (2020). Title. arXiv:2001.99999\n",
        "Look the work up and copy its identifier.",
    ),
    Rule(
        "RC502", "title-mismatch", _E,
        "The entry's title is not the title of the record its identifier points to.",
        "The identifier belongs to another paper: a common sign of a fabricated or mixed-up reference.",
        "## References\n- Kaplan, J. (2020). Attention is all you need. arXiv:2001.08361\n",
        "Fix the identifier or the title; the message gives the record's title.",
    ),
    Rule(
        "RC503", "author-mismatch-record", _E,
        "The entry's first author is not among the authors of the identifier's record.",
        "The identifier belongs to another paper, or the author is wrong.",
        "## References\n- Smith, A. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361\n",
        "Fix the author or the identifier; the message gives the record's authors.",
    ),
    Rule(
        "RC504", "year-mismatch-record", _W,
        "The entry's year is earlier than the record allows.",
        "A work cannot be published before it exists.",
        "## References\n- Kaplan, J. (2018). Scaling Laws for Neural Language Models. arXiv:2001.08361\n",
        "Use the year of the version you cite.",
    ),
    Rule(
        "RC505", "withdrawn-or-retracted", _E,
        "The arXiv paper is withdrawn, or Crossref records a retraction.",
        "Citing withdrawn or retracted work as support misleads readers.",
        "",
        "Cite the replacement, or say in the text that the work was retracted.",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def get(code: str) -> Rule:
    return BY_CODE[code]


def expand_selectors(selectors: list[str] | tuple[str, ...]) -> set[str]:
    """Turn codes, code prefixes (`RC2`, `RC20`), rule names or `ALL` into a set of codes."""
    codes: set[str] = set()
    for raw in selectors:
        sel = raw.strip()
        if sel.upper() == "ALL":
            codes.update(BY_CODE)
        elif sel in BY_NAME:
            codes.add(BY_NAME[sel].code)
        else:
            matched = {code for code in BY_CODE if code.startswith(sel.upper())}
            if not matched:
                raise KeyError(sel)
            codes.update(matched)
    return codes

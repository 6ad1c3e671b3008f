"""The rule registry: every code, its name, default severity and explanation, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from refcheck.model import Diagnostic, Document, Severity, Span


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str  # one line: what it flags
    why: str = ""  # why it matters
    example: str = ""  # Markdown that fires
    fix: str = ""  # how to fix or suppress

    def at(self, path: str, span: Span, message: str, related: tuple[Span, ...] = ()) -> Diagnostic:
        """A finding of this rule: the one way a `Diagnostic` is made, with the rule's severity."""
        return Diagnostic(path, span, self.code, message, self.severity, related)

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
        "RC101",
        "unparsed-reference",
        _W,
        "A reference-list entry from which neither author and year nor an arXiv ID or DOI could be read.",
        "Citations are matched against what an entry says; an entry refcheck cannot read can neither "
        "satisfy a citation nor be reported as uncited, so mistakes around it go unseen.",
        "Scaling matters (Kaplan et al., 2020).\n\n## References\n\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n"
        "- Some slides I found useful\n",
        "Write the entry as author, year and title (`Smith, J. (2020). Title.`), or add its arXiv ID or "
        "DOI. Notes that are not references belong outside the reference section.",
    ),
    Rule(
        "RC102",
        "unreadable-file",
        _E,
        "A file that cannot be read as text (binary content, NUL bytes, no read permission); it is skipped.",
        "Nothing in the file is checked, so a run that looks clean may have checked less than asked.",
        "",
        'Fix the file\'s permissions or content, or leave it out with `exclude = ["assets/**"]`.',
    ),
    Rule(
        "RC103",
        "bib-error",
        _E,
        "A BibTeX entry that fails to parse (the rest of the file still counts), a CSL JSON/YAML file "
        "that is not JSON/YAML, or a `bibliography:` file that is found nowhere the site generator "
        "looks (the message names every place searched), lies outside the project, or is a symlink loop.",
        "Citations of a broken entry are reported as undefined, and pandoc fails on the same file when "
        "it builds the document. The citations that need a missing bibliography are not judged (one "
        "finding, not one per citation); a bibliography declared in a config file (`_quarto.yml`, "
        "`mkdocs.yml`, `_config.yml`, `myst.yml`, `index.Rmd`) that is missing is said as a notice.",
        "---\nbibliography: references.bib\n---\n\nScaling laws [@kaplan2020] hold.\n\n"
        "<!-- references.bib does not exist next to this file nor on the generator's search path -->\n",
        "Fix the entry's syntax (braces, commas, quotes) or the path in `bibliography:`; paths are "
        "relative to the Markdown file, then to the generator's search path (see the README). A "
        "bibliography built elsewhere can be named with `--bib`.",
    ),
    Rule(
        "RC104",
        "encoding-replaced",
        _W,
        "A file that is not valid UTF-8: it is decoded with replacement characters and checked anyway; "
        "the message names the first bad line.",
        "Names and titles with replaced characters (`M�ller`) may not match their entries, and readers "
        "see the same replacement characters.",
        "",
        "Re-save the file as UTF-8 (most editors offer it under 'Save with encoding').",
    ),
    Rule(
        "RC105",
        "file-too-large",
        _W,
        "A file larger than `max_file_size` (default 10 MB); it is skipped.",
        "Nothing in the file is checked; very large Markdown files are usually generated output.",
        "",
        "Raise `max_file_size`, or leave the file out with `exclude`.",
    ),
    Rule(
        "RC106",
        "unread-references",
        _W,
        "A reference section, a bibliography or citation-like text from which nothing could be read: a "
        "`## References` heading with 0 entries under it, a declared bibliography with 0 entries, or a "
        "document whose only citation-like text is in a form refcheck does not read. Said once, instead "
        "of checking nothing in silence.",
        "A check that read nothing reports nothing, which looks the same as a clean document: the "
        "citations of an unread list are never compared with anything.",
        "Transformers rely on attention.\n\n## Sources\n",
        "Fill the section with entries, or remove the empty heading. A section where a generator puts "
        'the bibliography it builds (`{bibliography}`, `<div id="refs"></div>`, `::: {#refs}`) is '
        "not empty. For a bibliography, check its format (BibTeX, CSL JSON or CSL YAML).",
    ),
    Rule(
        "RC201",
        "undefined-citation",
        _E,
        "An in-text citation (author–year, numeric, footnote, `[@key]`, hugo-cite key, link label) with no "
        "matching entry or definition and no link that identifies the work (such a link makes it RC210). "
        "The same citation repeated is one finding that names the other places. Numbers cited in a "
        "document with no numbered reference list at all are one finding, at the first of them, naming how many.",
        "The reader cannot find the work; in drafted text the cited work may not exist at all.",
        "As shown by Smith et al. (2020), scaling helps.\n\n## References\n\n"
        "- Jones, A. (2019). Another study. Journal of Studies.\n",
        "Add the missing entry, or correct the citation's author, year, key or link.",
    ),
    Rule(
        "RC202",
        "uncited-reference",
        _W,
        "An entry of the document's own reference list, a footnote definition or a link definition that "
        "nothing cites. Not reported for BibTeX files unless `uncited_bib = true`, nor for documents "
        "that cite nothing (reading lists).",
        "An uncited entry often means a citation was dropped or mistyped during editing.",
        "Transformers rely on attention (Vaswani et al., 2017).\n\n## References\n\n"
        "- Vaswani, A. et al. (2017). Attention is all you need. arXiv:1706.03762\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Cite the entry or remove it. A list meant as further reading belongs under its own heading "
        "(such as 'Further reading'), which is not expected to be cited.",
    ),
    Rule(
        "RC203",
        "year-mismatch",
        _E,
        "A citation whose author matches an entry but whose year differs; the message names that "
        "entry's own year, and a year cited wrongly in several places is one finding naming them all.",
        "One of the two years is wrong, and readers looking the work up by author and year will not find it.",
        "Loss falls as a power law (Kaplan et al., 2021).\n\n## References\n\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Make the citation's year agree with the entry's, or correct the entry.",
    ),
    Rule(
        "RC204",
        "ambiguous-citation",
        _W,
        "A citation that matches more than one entry (two 'Smith 2020' entries without a/b suffixes). "
        "Co-authors decide first: 'A and B' fits an entry with exactly those two authors, 'A et al.' one "
        "with three or more, and a link to one entry's identifier, URL or anchor picks it.",
        "The reader cannot tell which work is meant.",
        "This was shown before (Smith, 2020).\n\n## References\n\n"
        "- Smith, A. (2020). A first study. Journal A.\n"
        "- Smith, B. (2020). A second study. Journal B.\n",
        "Add year suffixes (2020a, 2020b) to the entries and use them in the citations.",
    ),
    Rule(
        "RC205",
        "duplicate-reference",
        _W,
        "Two entries of a reference list for the same work (the same arXiv ID, the same DOI, the same "
        "address once scheme, `www.`, trailing slash, tracking parameters, arXiv abstract/PDF/version pages "
        "and doi.org forms are set aside, or the same title of at least four words or 25 characters once "
        'case and punctuation are ignored; a scraped error-page title such as "Access Denied" is no '
        "title); one work listed three times is one finding naming every listing; a BibTeX "
        "key defined twice (in one file, in two bibliography files of one document, or in two ```bibtex "
        "blocks), or a Manubot `[@tag:…]:` / `[@alias]:` defined twice. Reported at the second, naming the "
        "first.",
        "Duplicates split citations between two entries, and one of them is usually stale.",
        "## References\n\n"
        "- Vaswani, A. et al. (2017). Attention is all you need. arXiv:1706.03762\n"
        "- Vaswani, A. et al. (2017). Attention Is All You Need. arXiv:1706.03762\n",
        "Keep one entry and point every citation at it.",
    ),
    Rule(
        "RC206",
        "identifier-mismatch",
        _E,
        "A citation links to an arXiv ID or DOI other than its entry's, or an entry's link and the "
        "identifier in its text disagree.",
        "The link sends readers to a different paper from the one named.",
        "Compute-optimal scaling is known [Kaplan et al., 2020](https://arxiv.org/abs/2001.08362).\n\n"
        "## References\n\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Correct the link or the entry so that both carry the same identifier.",
    ),
    Rule(
        "RC207",
        "author-mismatch",
        _E,
        "A citation whose year and link (identifier, URL or `#anchor` of the entry) fit an entry but whose "
        "author name does not ('Kaplin et al.'): one finding, not an undefined citation plus an uncited "
        "entry.",
        "A misspelt or wrong author name is the commonest slip in drafted citations, and it hides the "
        "work from anyone searching by name.",
        "Loss follows a power law [Kaplin et al., 2020](https://arxiv.org/abs/2001.08361).\n\n"
        "## References\n\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Spell the author's name as the entry does, or correct the entry.",
    ),
    Rule(
        "RC209",
        "implausible-year",
        _W,
        "An entry's year (list item, reading-list item, footnote, BibTeX, CSL) before its arXiv ID allows "
        "(IDs record the announcement year and month; January allows the year before), a year in the "
        "future, or a placeholder that is not a year (`20xx`). `n.d.`, `forthcoming` and `in press` are "
        "fine. The finding sits on the year.",
        "A paper cannot be published before it is announced, so the year or the identifier is wrong.",
        "## References\n\n- Kaplan, J. et al. (2018). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Correct the year or the identifier; arXiv:2001.08361 was announced in January 2020.",
    ),
    Rule(
        "RC210",
        "unlisted-linked-work",
        _I,
        "A citation that links to the work itself (an arXiv or DOI address, a paper page such as "
        "OpenReview, ACL Anthology, NeurIPS proceedings, ACM, IEEE, Springer, Semantic Scholar, or a PDF) "
        "but has no entry in the document's reference list, which is selective.",
        "Not an error: the link identifies the work. It is said so that a list meant to be complete can "
        "be completed; a citation with neither an entry nor such a link is RC201.",
        "Contrastive learning [Chen et al., 2020](https://arxiv.org/abs/2002.05709) works.\n\n"
        "## References\n\n"
        "- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Add an entry for the work if the list is meant to be complete, or leave it: the link suffices.",
    ),
    Rule(
        "RC301",
        "malformed-arxiv-id",
        _E,
        "An arXiv identifier that cannot exist: a month outside 01–12, the wrong number of digits, or an "
        "unknown old-style archive (`foo-bar/0601001`).",
        "The link or identifier leads nowhere; often digits were dropped or swapped while copying.",
        "## References\n\n- Kaplan, J. et al. (2020). Scaling laws for neural language models. arXiv:2013.08361\n",
        "Copy the identifier again from the paper's arXiv page (`YYMM.NNNNN`, month 01–12).",
    ),
    Rule(
        "RC302",
        "malformed-doi",
        _E,
        "A DOI that does not follow the DOI syntax: `10.`, a registrant code of digits, `/`, a suffix.",
        "The DOI cannot resolve, so the reference cannot be followed or verified.",
        "## References\n\n- Smith, A. (2020). A study of things. Journal of Things. doi:10.abc/xyz\n",
        "Copy the DOI again from the publisher's page or from doi.org.",
    ),
    Rule(
        "RC401",
        "broken-link",
        _E,
        "HTTP 4xx/5xx after retries, a DNS failure, a refused connection, a TLS failure, a redirect "
        "loop or too many redirects; the message says which.",
        "Readers following the link get an error page or nothing.",
        "Read [the guide](https://example.com/removed-page) first.\n\n<!-- the server answers 404 Not Found -->\n",
        "Update the link (an archived copy may help) or remove it. `accept` adds status codes that count as working.",
    ),
    Rule(
        "RC402",
        "link-timeout",
        _W,
        "No answer within `timeout` seconds, after retries.",
        "The server may be down or slow; the link is not known to be broken.",
        "The data is on [the portal](https://example.com/slow-portal).\n\n"
        "<!-- the server does not answer within `timeout` seconds -->\n",
        "Check the link by hand; raise `timeout`, or exclude the URL with `exclude_urls`.",
    ),
    Rule(
        "RC403",
        "redirected-link",
        _I,
        "A permanent redirect (301/308); the message gives the final URL.",
        "Permanent redirects break eventually; linking the final address is sturdier and faster.",
        "See [the old page](http://example.com/old).\n\n"
        "<!-- the server answers 301 Moved Permanently to https://example.com/new -->\n",
        "Replace the URL with the final one from the message.",
    ),
    Rule(
        "RC404",
        "missing-file",
        _E,
        "A relative link or image whose file does not exist.",
        "Readers get a 404 and images do not render.",
        "![Loss curve](./figures/loss.png)\n\n<!-- figures/loss.png does not exist -->\n",
        "Fix the path or add the file. Root-relative paths (`/img/x.png`) are checked only with `root_dir` set.",
    ),
    Rule(
        "RC405",
        "missing-anchor",
        _W,
        "A `#fragment` that matches no heading or id in this file, in the linked local file, or in the "
        "fetched HTML page.",
        "The link opens the page at the top instead of at the section meant.",
        "See [setup](#instalation).\n\n## Installation\n",
        "Use the heading's slug (GitHub's rules: lower case, spaces to hyphens, most punctuation "
        "dropped), or add an id.",
    ),
    Rule(
        "RC406",
        "bot-protection",
        _W,
        "A challenge page or bot block (status 999; 403/503 with a challenge marker such as "
        "`cf-mitigated: challenge`): the link is not known to be broken.",
        "The site blocks automated checks, but a person with a browser may still reach it.",
        "I worked with [her](https://www.linkedin.com/in/some-name/).\n\n"
        "<!-- LinkedIn answers automated requests with status 999 -->\n",
        "Check the link by hand, then exclude it with `exclude_urls`.",
    ),
    Rule(
        "RC407",
        "skipped-link",
        _I,
        "A link not checked: excluded by `exclude_urls`, an address not allowed, an unsupported scheme, "
        "a template, or a root-relative path with no `root_dir`.",
        "Nothing is known about the link; the finding says why it was not checked.",
        "[About]({{ site.url }}/about)\n",
        "Nothing to fix. Set `root_dir`, `allow_hosts` or `allow_private` to have such links checked.",
    ),
    Rule(
        "RC408",
        "rate-limited",
        _W,
        "Still HTTP 429 after honouring Retry-After and retrying: the link is not known to be broken.",
        "The server refused to answer now; the link may well work.",
        "See [issue 12](https://example.com/api/issues/12).\n\n"
        "<!-- the host keeps answering 429 Too Many Requests -->\n",
        "Lower `max_per_host` or raise `host_interval`; a cached run later will retry only this link.",
    ),
    Rule(
        "RC409",
        "malformed-link",
        _W,
        "Link syntax that renders as text, not as a link: `[text][(url)]`, `(text)[url]`, `[text] (url)` "
        "with a space, or a citation-like `[label]` with no URL and no definition in a paragraph whose "
        "other citations are links; a link to a web address written without its scheme "
        "(`[site](www.example.org)`), which renders as a relative path. Never inside code.",
        "Readers see the brackets and the bare address (or nothing to click, or a link to a file that is "
        "not there), and the link is never checked.",
        "Learning to label is costly ([Yang et al. 2017][(https://arxiv.org/abs/1701.03551)).\n",
        "Write an inline link `[text](url)` with no space and no extra brackets, or define the label.",
    ),
    Rule(
        "RC501",
        "identifier-not-found",
        _E,
        "The arXiv ID or DOI does not exist at its registry (arXiv API, Crossref).",
        "An identifier that resolves to nothing is a typo or a fabricated reference.",
        "## References\n\n- Smith, A. (2020). A study of things. arXiv:2001.99999\n",
        "Look the work up by title and copy its identifier.",
    ),
    Rule(
        "RC502",
        "title-mismatch",
        _E,
        "The entry's title is not the title of the record its identifier points to.",
        "The identifier belongs to another paper: a common sign of a fabricated or mixed-up reference.",
        "## References\n\n- Kaplan, J. et al. (2020). Attention is all you need. arXiv:2001.08361\n",
        "Fix the identifier or the title; the message gives the record's title.",
    ),
    Rule(
        "RC503",
        "author-mismatch-record",
        _E,
        "The entry's first author is not among the authors of the identifier's record.",
        "Either the identifier belongs to another paper or the author is wrong.",
        "## References\n\n- Smith, A. et al. (2020). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Fix the author or the identifier; the message gives the record's authors.",
    ),
    Rule(
        "RC504",
        "year-mismatch-record",
        _W,
        "The entry's year fits none of its record's dates: earlier than a preprint's first version, or "
        "more than a year from a published work's print, online or proceedings dates.",
        "A work cannot be published before it exists, so the year or the identifier is wrong.",
        "## References\n\n- Kaplan, J. et al. (2018). Scaling laws for neural language models. arXiv:2001.08361\n",
        "Use the year of the version you cite.",
    ),
    Rule(
        "RC505",
        "withdrawn-or-retracted",
        _E,
        "The arXiv paper is withdrawn, or Crossref records a retraction of the DOI.",
        "Citing withdrawn or retracted work as support misleads readers.",
        "## References\n\n- Doe, J. (2019). A result that did not hold. doi:10.5555/12345678\n\n"
        "<!-- Crossref lists a retraction notice for this DOI -->\n",
        "Cite the replacement or a later correct work, or say in the text that the work was retracted.",
    ),
    Rule(
        "RC506",
        "reference-not-found",
        _W,
        "A scholarly entry (a title, authors and a year, no identifier) that no enabled source finds by "
        "its title, although every source answered (`verify_sources`: Crossref, OpenAlex, DBLP, arXiv, "
        "and Semantic Scholar with a key). Web pages, software, datasets, blog posts, theses, reports "
        "and manuals are not searched.",
        "A reference to a work that does not exist is the worst slip of drafted text: readers cannot "
        "follow it, and it is often an invented title with real-looking authors. A source that could "
        "not be asked never leads here: the entry is then counted unverified (exit 3).",
        "## References\n\n"
        "- Smith, A., & Jones, B. (2021). Recursive gradient folding for sparse transformers. NeurIPS.\n",
        "Find the work you meant (a library catalogue, the authors' pages) and copy its exact title, "
        "authors and year, best with its DOI or arXiv ID; remove the entry if no such work exists. A "
        "real work none of the sources index (a thesis, a report) can be kept with "
        "`<!-- refcheck: disable-next-line RC506 -->`.",
    ),
    Rule(
        "RC507",
        "identifier-available",
        _I,
        "An entry without an arXiv ID or DOI that a source found by title and authors: the message "
        'gives the identifier ("found as doi:… / arXiv:…").',
        "With an identifier, readers reach the work in one step, and refcheck checks the entry by "
        "lookup instead of by search.",
        "## References\n\n- Vaswani, A. et al. (2017). Attention is all you need. NeurIPS.\n",
        "Paste the identifier from the message into the entry (`doi:10.…`, `arXiv:…`, or a BibTeX "
        "`doi` / `eprint` field), or leave the entry as it is: this is information only.",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
INDEX: dict[str, int] = {rule.code: index for index, rule in enumerate(RULES)}

# Each rule as a named object: `rules.UNDEFINED_CITATION.at(path, span, message)`.
UNPARSED_REFERENCE = BY_CODE["RC101"]
UNREADABLE_FILE = BY_CODE["RC102"]
BIB_ERROR = BY_CODE["RC103"]
ENCODING_REPLACED = BY_CODE["RC104"]
FILE_TOO_LARGE = BY_CODE["RC105"]
UNREAD_REFERENCES = BY_CODE["RC106"]
UNDEFINED_CITATION = BY_CODE["RC201"]
UNCITED_REFERENCE = BY_CODE["RC202"]
YEAR_MISMATCH = BY_CODE["RC203"]
AMBIGUOUS_CITATION = BY_CODE["RC204"]
DUPLICATE_REFERENCE = BY_CODE["RC205"]
IDENTIFIER_MISMATCH = BY_CODE["RC206"]
AUTHOR_MISMATCH = BY_CODE["RC207"]
IMPLAUSIBLE_YEAR = BY_CODE["RC209"]
UNLISTED_LINKED_WORK = BY_CODE["RC210"]
MALFORMED_ARXIV_ID = BY_CODE["RC301"]
MALFORMED_DOI = BY_CODE["RC302"]
BROKEN_LINK = BY_CODE["RC401"]
LINK_TIMEOUT = BY_CODE["RC402"]
REDIRECTED_LINK = BY_CODE["RC403"]
MISSING_FILE = BY_CODE["RC404"]
MISSING_ANCHOR = BY_CODE["RC405"]
BOT_PROTECTION = BY_CODE["RC406"]
SKIPPED_LINK = BY_CODE["RC407"]
RATE_LIMITED = BY_CODE["RC408"]
MALFORMED_LINK = BY_CODE["RC409"]
IDENTIFIER_NOT_FOUND = BY_CODE["RC501"]
TITLE_MISMATCH = BY_CODE["RC502"]
AUTHOR_MISMATCH_RECORD = BY_CODE["RC503"]
YEAR_MISMATCH_RECORD = BY_CODE["RC504"]
WITHDRAWN_OR_RETRACTED = BY_CODE["RC505"]
REFERENCE_NOT_FOUND = BY_CODE["RC506"]
IDENTIFIER_AVAILABLE = BY_CODE["RC507"]

DocumentCheck = Callable[[Document], Iterable[Diagnostic]]
CHECKS: list[DocumentCheck] = []  # checks of one parsed document besides the matcher's, from `register`


def register(rule: Rule, check: DocumentCheck | None = None) -> Rule:
    """Add a rule (and the check that finds it in a parsed document): `--list-rules`, `--explain`,
    selection, the reports and the pipeline all read the registry."""
    global RULES
    if rule.code in BY_CODE or rule.name in BY_NAME:
        raise ValueError(f"rule {rule.code} ({rule.name}) is already registered")
    RULES = (*RULES, rule)
    BY_CODE[rule.code] = BY_NAME[rule.name] = rule
    INDEX[rule.code] = len(RULES) - 1
    if check is not None:
        CHECKS.append(check)
    return rule


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

"""What refcheck and a CommonMark reference (markdown-it-py) each take for links, images, code, math and HTML.

Both views are comparable values: links and images as a multiset of (block, kind, url), where a block is
the line range of the reference's inline token that holds the item; code, math and raw HTML as sets of
source lines. Run `python tests/differential.py [corpus]` for the agreement counts and every disagreement.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from refcheck.model import CitationKind, LinkKind, ReferenceSource
from refcheck.parse.blocks import parse_blocks
from refcheck.parse.document import front_matter_lines, parse_markdown

HERE = Path(__file__).resolve().parent
SPEC = HERE / "commonmark" / "spec-0.31.2.json"
REGION_KINDS = ("code", "math", "html")
MANUBOT_TARGETS = ("doi:", "url:", "arxiv:", "pmid:", "pmcid:", "isbn:", "tag:", "raw:", "wikidata:")
_LABELLED_CLOSE = re.compile(r"^\$\$\s*\{[^{}]*\}$")

Item = tuple[tuple[int, int], str, str]  # (block line range, 1-based and inclusive; kind; url)


@dataclass(frozen=True)
class View:
    links: Counter[Item]
    regions: dict[str, frozenset[int]]


@lru_cache(maxsize=1)
def reference_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.use(front_matter_plugin).use(footnote_plugin).use(deflist_plugin)
    return md.use(dollarmath_plugin, double_inline=True)  # `$$…$$` mid-paragraph is math in pandoc and kramdown


def _normalise(url: str) -> str:
    return str(reference_parser().normalizeLink(url))


def reference_view(text: str) -> tuple[View, list[tuple[int, int]]]:
    """markdown-it-py's view, and the line ranges of its inline tokens (the blocks items are keyed by)."""
    env: dict[str, Any] = {}
    tokens = reference_parser().parse(text, env)
    notes = env.get("footnotes", {}).get("list", {})
    links: Counter[Item] = Counter()
    blocks: list[tuple[int, int]] = []
    regions: dict[str, set[int]] = {kind: set() for kind in REGION_KINDS}
    for token in tokens:
        if token.map is None:
            continue
        first, end = token.map[0] + 1, token.map[1]
        if token.type == "inline":
            block = (first, max(end, first))
            blocks.append(block)
            for kind, url in _inline_items(token.children or [], notes):
                links[(block, kind, url)] += 1
            for child in token.children or []:  # `$$…$$` inside a paragraph: the lines it spans
                at = token.content.find(f"$${child.content}$$") if child.type == "math_inline_double" else -1
                if at >= 0:
                    line = first + token.content.count("\n", 0, at)
                    regions["math"].update(range(line, line + child.content.count("\n") + 1))
        elif token.type == "code_block":
            regions["code"].update(range(first, first + token.content.rstrip("\n").count("\n") + 1))
        elif token.type == "fence" and token.content:
            regions["code"].update(range(first + 1, first + 1 + token.content.count("\n")))
        elif token.type in ("math_block", "math_block_label"):
            regions["math"].update(range(first, end + 1))
        elif token.type == "html_block":
            regions["html"].update(range(first, first + token.content.rstrip("\n").count("\n") + 1))
    return View(links, {k: frozenset(v) for k, v in regions.items()}), blocks


def _inline_items(children: list[Token], notes: dict[int, Any]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for child in children:
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            if child.markup == "autolink":
                if not href.startswith("mailto:"):
                    items.append(("autolink", href))
            else:
                items.append(("link", href))
        elif child.type == "image":
            items.append(("image", str(child.attrs.get("src", ""))))
            items.extend(_inline_items(child.children or [], notes))
        elif child.type == "footnote_ref":  # an inline note `^[…]`: its content is inline tokens
            note = notes.get(child.meta.get("id"), {})
            items.extend(_inline_items(note.get("tokens") or [], notes))
    return items


def refcheck_view(text: str, blocks: list[tuple[int, int]]) -> View:
    """refcheck's view: the Document's links and link-label uses, and the lines of its code, math and HTML
    leaves (blocks.parse_blocks, as parse/document.py calls it)."""
    doc = parse_markdown(text, Path("/nonexistent/doc.md"), "doc.md")
    definitions = {r.key: r.urls[0] for r in doc.references if r.source is ReferenceSource.LINK_DEF and r.urls}
    kinds = {LinkKind.LINK: "link", LinkKind.IMAGE: "image", LinkKind.AUTOLINK: "autolink"}
    links: Counter[Item] = Counter()

    def block_of(line: int) -> tuple[int, int]:
        inside = [b for b in blocks if b[0] <= line <= b[1]]
        return min(inside, key=lambda b: b[1] - b[0]) if inside else (line, -1)

    for link in doc.links:
        if link.kind in kinds:
            links[(block_of(link.span.line), kinds[link.kind], _normalise(link.url))] += 1
    for citation in doc.citations:
        if citation.kind is CitationKind.LINK_LABEL and citation.key in definitions:
            kind = "image" if citation.text.startswith("!") else "link"
            links[(block_of(citation.span.line), kind, _normalise(definitions[citation.key]))] += 1
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front_lines = front_matter_lines(text)
    body_lines = [""] * front_lines + lines[front_lines:]
    leaves, _ = parse_blocks(body_lines, "\n".join(body_lines))
    regions: dict[str, set[int]] = {kind: set() for kind in REGION_KINDS}
    for leaf in leaves:
        if leaf.kind in regions:
            regions[leaf.kind].update(line for line, _ in leaf.lines)
    return View(links, {k: frozenset(v) for k, v in regions.items()})


def compare(text: str, *, pandoc: bool = False) -> dict[str, str]:
    """The aspects on which the two disagree ("links", "code", "math", "html"), each with what differs.

    `pandoc` applies the deliberate differences of DELIBERATE (documents read as pandoc, kramdown or
    mkdocs read them); without it the comparison is strict CommonMark (the spec examples).
    """
    reference, blocks = reference_view(text)
    ours = refcheck_view(text, blocks)
    lines = text.split("\n")
    only_ours, only_reference = ours.links - reference.links, reference.links - ours.links
    ours_regions, reference_regions = dict(ours.regions), dict(reference.regions)
    if pandoc:
        html = reference.regions["html"]
        only_ours = Counter(
            {
                item: n
                for item, n in only_ours.items()
                if not (item[0][1] == -1 and item[0][0] in html) and "%7B%7B" not in item[2]
            }
        )
        only_reference = Counter(
            {item: n for item, n in only_reference.items() if not item[2].lower().startswith(MANUBOT_TARGETS)}
        )
        # refcheck masks `$…$` and `$$…$$` inside paragraphs without a leaf: only math it takes where the
        # reference sees none counts, and a display block closed by `$$ {#eq:id}` is math in pandoc.
        labelled = _labelled_math_lines(lines)
        ours_regions["math"] = frozenset(n for n in ours_regions["math"] if n not in labelled)
        reference_regions["math"] = reference_regions["math"] & ours_regions["math"]
        # Markdown resumes after a closed HTML element: only HTML refcheck takes where the reference does not.
        reference_regions["html"] = reference_regions["html"] & ours_regions["html"]
    for kind in ("code",):  # blank lines in a code block hold nothing either way
        ours_regions[kind] = frozenset(n for n in ours_regions[kind] if lines[n - 1].strip())
        reference_regions[kind] = frozenset(n for n in reference_regions[kind] if lines[n - 1].strip())
    differences: dict[str, str] = {}
    if only_ours or only_reference:
        differences["links"] = (
            f"refcheck only {sorted(only_ours.elements())}; reference only {sorted(only_reference.elements())}"
        )
    for kind in REGION_KINDS:
        if ours_regions[kind] != reference_regions[kind]:
            differences[kind] = (
                f"refcheck only lines {sorted(ours_regions[kind] - reference_regions[kind])[:12]}; "
                f"reference only lines {sorted(reference_regions[kind] - ours_regions[kind])[:12]}"
            )
    return differences


def _labelled_math_lines(lines: list[str]) -> set[int]:
    """Lines of `$$` display blocks closed by `$$ {#eq:id}` (pandoc-crossref, Quarto)."""
    result: set[int] = set()
    start = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            start = None
        elif stripped == "$$" and start is None:
            start = index
        elif start is not None and _LABELLED_CLOSE.match(stripped):
            result.update(range(start + 1, index + 2))
            start = None
    return result


def spec_examples() -> list[dict[str, Any]]:
    examples: list[dict[str, Any]] = json.loads(SPEC.read_text(encoding="utf-8"))
    return examples


def main(argv: list[str]) -> None:
    examples = spec_examples()
    agree = {"links": 0, "regions": 0, "all": 0}
    for example in examples:
        diff = compare(example["markdown"])
        agree["links"] += "links" not in diff
        agree["regions"] += not any(k in diff for k in REGION_KINDS)
        agree["all"] += not diff
        if diff:
            print(f"spec {example['example']} ({example['section']}): {diff}")
    n = len(examples)
    print(
        f"spec: links/images agree on {agree['links']} of {n}; code/math/HTML regions on {agree['regions']} of {n}; "
        f"both on {agree['all']} of {n}"
    )
    for root in map(Path, argv):
        files = sorted(root.rglob("*.md"))
        same = 0
        for path in files:
            diff = compare(path.read_text(encoding="utf-8", errors="replace"), pandoc=True)
            same += not diff
            for aspect, what in diff.items():
                print(f"{path.relative_to(root)} [{aspect}]: {what[:400]}")
        print(f"corpus {root}: {same} of {len(files)} files agree")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main(sys.argv[1:])

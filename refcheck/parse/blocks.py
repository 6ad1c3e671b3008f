"""mistune's block parse, with each leaf block placed back on its exact source lines.

mistune 3's tokens carry no positions and their text has container prefixes (`> `, list indentation)
stripped. Leaves come out in source order, so each one is found by a forward search: the first
source line at or after the previous leaf that ends with the leaf's first text line and whose prefix
is nothing but container markers. Every later text line of the leaf maps to the next source line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import mistune

from refcheck.model import Span

# Container markers before a block's text: spaces, `>`, list bullets and numbers with their space.
_MARKERS = r"(?:[ \t>]|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))*"
_CONTAINER_PREFIX = re.compile(r"^(?:[ \t>]|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]|$))*")  # a bare `1.` too
_HEADING_PREFIX = re.compile(rf"^{_MARKERS}#{{1,6}}[ \t]+")
_SETEXT_UNDERLINE = re.compile(rf"^{_MARKERS}[ \t]*(?:=+|-+)[ \t]*$")
_FENCE = re.compile(rf"^{_MARKERS}(`{{3,}}|~{{3,}})")
_CLOSING_FENCE = re.compile(rf"^{_MARKERS}(`{{3,}}|~{{3,}})[ \t]*$")
# pandoc's display math ends at its closing `$$` (pandoc-crossref and Quarto put `{#eq:id}` after it) and
# holds no blank line; mistune's own block pattern runs on to the next `$$` line (the opening of the next
# equation), hiding the prose between as math.
_BLOCK_MATH = (
    r"^ {0,3}\$\$(?P<math_text_single>[^\n]*?)\$\$[ \t]*(?:\{[^{}\n]*\}[ \t]*)?(?:\n|$)|"
    r"^ {0,3}\$\$[ \t]*\n(?P<math_text_multi>(?:[ \t]*\S[^\n]*\n)*?) {0,3}\$\$[ \t]*(?:\{[^{}\n]*\}[ \t]*)?(?:\n|$)"
)
# An HTML block that opens with a tag (CommonMark's kinds 6 and 7, which run to a blank line).
_HTML_BLOCK_START = re.compile(r"^[ \t]*</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)")
_TAG = re.compile(r"<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
# pandoc's definition list: a term line, then `:` or `~` and spaces before each definition.
_DEFINITION = re.compile(r"^ {0,3}[:~](?=[ \t]+\S)")
_ANY_DEFINITION = re.compile(r"^ {0,3}[:~][ \t]+\S", re.M)
_NOT_TERM = re.compile(r"^(?: {4}|\t| {0,3}(?:[#>|<:~]|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|```|~~~|$))")
_RETRIES = 8
_DEFINITION_LINE = re.compile(r" {0,3}\[[^\]\n]+\]:")  # a footnote or link definition mistune takes out of a paragraph
_CODE_SEARCH = 200  # lines either side where a misplaced code block is looked for


@dataclass(slots=True)
class Leaf:
    """A leaf block: its text as mistune gives it, and where each of its lines sits in the source."""

    kind: str  # paragraph, heading, code, html, math, table_row, thematic_break
    text: str
    lines: list[tuple[int, int]]  # per text line: (1-based source line, 0-based column of its first char;
    # negative when mistune expanded a tab before the content, so that the content's columns are right)
    level: int = 0  # heading level
    info: str = ""  # code block info string
    item: tuple[int, ...] | None = None  # path of the innermost list item holding this leaf
    item_number: int | None = None  # the ordered-list number of that item
    has_sublist: bool = False  # the innermost list item also holds a nested list
    line_starts: list[int] | None = field(default=None, repr=False, compare=False)  # of long texts, built once
    one_line: bool = field(default=False, init=False, repr=False, compare=False)  # text and source: one line

    def __post_init__(self) -> None:
        self.one_line = len(self.lines) == 1 and "\n" not in self.text

    @property
    def first_line(self) -> int:
        return self.lines[0][0] if self.lines else 0

    @property
    def last_line(self) -> int:
        return self.lines[-1][0] if self.lines else 0

    def offset_to_position(self, offset: int) -> tuple[int, int]:
        """(line, 1-based column) of an offset in `text`."""
        line, column = self._position(offset)
        return line, max(column, 1)

    def _position(self, offset: int) -> tuple[int, int]:
        # The column falls before the line (zero or less) inside whitespace mistune expanded from a tab.
        if self.one_line:  # headings, table rows, unwrapped paragraphs: no line to look for
            source_line, column0 = self.lines[0]
            return source_line, column0 + offset + 1
        if len(self.text) < 4096:
            line_index = self.text.count("\n", 0, offset)
            line_start = self.text.rfind("\n", 0, offset) + 1
        else:  # a long block (a 5 MB line): an index instead of a scan per item
            if self.line_starts is None:
                self.line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
            line_index = bisect.bisect_right(self.line_starts, offset) - 1
            line_start = self.line_starts[line_index]
        source_line, column0 = self.lines[min(line_index, len(self.lines) - 1)]
        return source_line, column0 + (offset - line_start) + 1

    def span(self, start: int, end: int) -> Span:
        """The source span of `text[start:end]` (at least one character)."""
        end = max(end, start + 1)
        line, column = self._position(start)
        if self.text.find("\n", start, end) < 0:  # one line: no second lookup
            end_line, end_column = line, column + (end - start)
        else:
            end_line, end_column = self._position(end)
        column = max(column, 1)
        return Span(line, column, end_line, max(end_column, column + 1) if end_line == line else max(end_column, 1))


def _closes(line: str, marker: str) -> bool:
    """Whether `line` closes a code block opened by `marker`: the same character, at least as many,
    and no info string (```` ```bibtex ```` opens the next block, it closes nothing)."""
    m = _CLOSING_FENCE.match(line)
    return m is not None and (not marker or (m.group(1)[0] == marker[0] and len(m.group(1)) >= len(marker)))


@lru_cache(maxsize=1)
def _parser() -> mistune.Markdown:
    md = mistune.create_markdown(renderer=None, plugins=["footnotes", "table", "math"])
    parse_math = md.block._methods["block_math"]
    md.block.register("block_math", _BLOCK_MATH, lambda _block, m, state: parse_math(m, state))
    return md


def _block_tokens(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    md = _parser()
    state = md.block.state_cls()
    state.process(text if text.endswith("\n") else text + "\n")
    md.block.parse(state)
    return state.tokens, dict(state.env)


def parse_blocks(source_lines: list[str], text: str) -> tuple[list[Leaf], dict[str, Any]]:
    """Block-parse `text` (newlines normalised) and return its leaves in order, with mistune's env."""
    if _ANY_DEFINITION.search(text):  # one pass in C; the line loop only for a document that may have one
        source_lines = _definitions_as_items(source_lines)
        text = "\n".join(source_lines)
    tokens, env = _block_tokens(text)
    locator = _Locator(source_lines)
    leaves = list(locator.walk(tokens, ()))
    return leaves, env


def _definitions_as_items(lines: list[str]) -> list[str]:
    """pandoc's definition lists read as list items: each `:   definition` marker becomes `-` (the same
    columns), so that the definition's indented blocks are its body, not indented code (CommonMark)."""
    result = lines
    fence = ""
    for index, line in enumerate(lines):
        m = _FENCE.match(line)
        if m and (not fence or _closes(line, fence)):
            fence = "" if fence else m.group(1)
            continue
        if fence or not _DEFINITION.match(line):
            continue
        term = index - 1
        if term >= 0 and not lines[term].strip():
            term -= 1  # a blank line may sit between the term and its definition
        if term < 0 or (_NOT_TERM.match(lines[term]) and not _DEFINITION.match(lines[term])):
            continue  # no term above: a table caption (`: Caption {#tbl-x}`) or plain text
        if term >= 1 and lines[term - 1].strip() and not _DEFINITION.match(lines[term - 1]):
            continue  # the term is one line, after a blank line or another definition
        if result is lines:
            result = list(lines)
        result[index] = line.replace(line.lstrip()[0], "-", 1)
    return result


def _markdown_after_html(raw: str) -> int:
    """Where Markdown resumes in an HTML block, as pandoc and kramdown read it: the first line after one
    that ends with every element it opened closed, unless that line is HTML again or indented code; -1
    when it does not (CommonMark runs the block on to the next blank line)."""
    if not _HTML_BLOCK_START.match(raw) or "\n" not in raw.rstrip("\n"):
        return -1
    depth = 0
    offset = 0
    tags = _TAG.finditer(raw)
    tag = next(tags, None)
    lines = raw.rstrip("\n").split("\n")
    for index, line in enumerate(lines[:-1]):
        offset += len(line) + 1
        while tag is not None and tag.end() <= offset:
            name = tag.group("name").lower()
            if tag.group("close"):
                depth -= 1
            elif name not in _VOID and not tag.group(0).endswith("/>"):
                depth += 1
            tag = next(tags, None)
        following = lines[index + 1]
        if (
            depth <= 0
            and line.rstrip().endswith(">")
            and (tag is None or tag.start() >= offset)
            and not following.lstrip().startswith("<")
            and not following.startswith(("    ", "\t"))
        ):
            return offset
    return -1


class _Locator:
    def __init__(self, source_lines: list[str]) -> None:
        self.src = source_lines
        self.stripped = [line.rstrip() for line in source_lines]  # compared again and again: strip once
        self.cursor = 0  # 0-based index of the first source line not yet used by a leaf
        self.list_counter = 0

    def walk(
        self, tokens: list[dict[str, Any]], item: tuple[int, ...], number: int | None = None, has_sublist: bool = False
    ) -> Iterator[Leaf]:
        for token in tokens:
            kind = token["type"]
            if kind == "list":
                self.list_counter += 1
                start = token.get("attrs", {}).get("start", 1) if token.get("attrs", {}).get("ordered") else None
                for index, child in enumerate(token["children"]):
                    children = child.get("children", [])
                    sub = any(c.get("type") == "list" for c in children)
                    num = start + index if start is not None else None
                    yield from self.walk(children, (*item, self.list_counter, index), num, sub)
            elif kind == "block_quote":
                yield from self.walk(token["children"], item, number, has_sublist)
            elif kind == "table":
                yield from self._table(token, item)
            elif kind in ("paragraph", "block_text", "heading"):
                leaf = self._place("heading" if kind == "heading" else "paragraph", token["text"], item, number)
                if leaf is not None:
                    leaf.has_sublist = has_sublist
                    if kind == "heading":
                        leaf.level = token["attrs"]["level"]
                    yield leaf
            elif kind == "block_code":
                leaf = self._place_code(token, item)
                if leaf is not None:
                    yield leaf
            elif kind == "block_html":
                raw = token.get("raw", "")
                split = _markdown_after_html(raw)
                leaf = self._place("html", raw[:split] if split >= 0 else raw, item, number)
                if leaf is not None:
                    yield leaf
                if split >= 0:
                    yield from self.walk(_block_tokens(raw[split:])[0], item, number, has_sublist)
            elif kind == "block_math":
                leaf = self._place("math", token.get("raw", ""), item, number)
                if leaf is not None:
                    yield leaf
            elif "children" in token:
                yield from self.walk(token["children"], item, number, has_sublist)

    def _find(
        self, first: str, *, heading: bool = False, start: int | None = None, lines: int = 1
    ) -> tuple[int, int] | None:
        """(line index, column) of the first source line from the cursor that holds `first` after a prefix.

        A heading is an ATX heading (`# first`) or, `lines` lines long, a setext one: text lines after
        container markers only, then an `===` or `---` underline.
        """
        first = first.rstrip()
        if not first:
            return None
        prefix_re = _HEADING_PREFIX if heading else _CONTAINER_PREFIX
        stripped = self.stripped
        for index in range(self.cursor if start is None else start, len(stripped)):
            line = stripped[index]
            if not line.endswith(first) and not (heading and first in line):
                continue
            col = line.rfind(first) if not heading else line.find(first)
            prefix = line[:col]
            m = prefix_re.match(prefix)
            if m and m.end() == len(prefix):
                return index, col
            if heading and self._setext_at(index, prefix, lines):
                return index, col
            expanded = line.expandtabs(4)
            if "\t" in line and expanded.endswith(first):
                return index, len(line) - len(line.lstrip())
        return None

    def _setext_at(self, index: int, prefix: str, lines: int) -> bool:
        """Whether a setext heading of `lines` text lines starts at `index` (after `prefix`)."""
        m = _CONTAINER_PREFIX.match(prefix)
        underline = index + lines
        return (
            m is not None
            and m.end() == len(prefix)
            and underline < len(self.src)
            and _SETEXT_UNDERLINE.match(self.src[underline]) is not None
        )

    def _place(self, kind: str, text: str, item: tuple[int, ...], number: int | None) -> Leaf | None:
        text = text.rstrip("\n")
        text_lines = text.split("\n")
        if kind == "heading" and len(text_lines) > 1 and not text_lines[-1].strip():
            text_lines.pop()
        first_nonblank = next((i for i, t in enumerate(text_lines) if t.strip()), None)
        if first_nonblank is None:
            return None
        heading = kind == "heading"
        lines = len(text_lines) - first_nonblank
        found = self._find(text_lines[first_nonblank], heading=heading, lines=lines)
        if found is None:
            return None
        mapped, fits = self._map(found, text_lines, first_nonblank, heading)
        if not fits:
            # Another candidate line, after the cursor or (mistune emits a list before the lazy block
            # quote above it) before it, where the leaf's later lines fit too; a few tries at most.
            start, wrapped, tries = found[0] + 1, False, 0
            while tries < _RETRIES:
                retry = self._find(text_lines[first_nonblank], heading=heading, start=start, lines=lines)
                if retry is None or (wrapped and retry[0] >= found[0]):
                    if wrapped:
                        break
                    start, wrapped = 0, True
                    continue
                tries += 1
                candidate, candidate_fits = self._map(retry, text_lines, first_nonblank, heading)
                if candidate_fits:
                    mapped = candidate
                    break
                start = retry[0] + 1
        self.cursor = max(self.cursor, mapped[-1][0])  # the next leaf starts after this one's last line
        return Leaf(kind, "\n".join(text_lines), mapped, item=item or None, item_number=number)

    def _map(
        self, found: tuple[int, int], text_lines: list[str], first_nonblank: int, heading: bool
    ) -> tuple[list[tuple[int, int]], bool]:
        """Source (line, column) of each text line when the first non-blank one is at `found`; whether
        every later line sits where it should."""
        index, col = found
        fits = index >= first_nonblank
        index = max(index - first_nonblank, 0)
        mapped: list[tuple[int, int]] = []
        previous = index - 1
        long_scan_done = False
        for offset, line_text in enumerate(text_lines):
            stripped = line_text.rstrip()
            if previous + 1 >= len(self.src):
                fits = False
            source_index = min(previous + 1, len(self.src) - 1)
            content = stripped.lstrip()  # mistune may have expanded a tab in the indentation
            if offset > first_nonblank and content and not self.stripped[source_index].endswith(content):
                # mistune merges a paragraph around blocks it consumed (footnote and link definitions):
                # skip them, however many, and up to 50 other lines it consumed with them.
                ahead, found_at, others = source_index + 1, None, 0
                while ahead < len(self.src):
                    if self.stripped[ahead].endswith(content):
                        found_at = ahead
                        break
                    if not _DEFINITION_LINE.match(self.src[ahead]) or long_scan_done:
                        others += 1
                        if others >= 50:
                            break
                    ahead += 1
                if found_at is None:
                    fits = False
                    # A scan that found nothing is not repeated for the leaf's later lines (they would
                    # rescan the same lines); a successful one only moves forward.
                    long_scan_done = long_scan_done or ahead - source_index >= 50
                else:
                    source_index = found_at
            previous = source_index
            source = self.stripped[source_index]
            if offset == first_nonblank and heading:
                column = max(col - (len(line_text) - len(line_text.lstrip())), 0)
            elif stripped and source.endswith(stripped):
                column = len(source) - len(stripped)
            elif content and source.endswith(content):
                # Align the content, not the expanded whitespace before it (the column may be negative).
                column = len(source) - len(stripped)
            else:
                column = max(len(source) - len(source.lstrip(" \t>")), 0)
            mapped.append((source_index + 1, column))
        return mapped, fits

    def _place_code(self, token: dict[str, Any], item: tuple[int, ...]) -> Leaf | None:
        raw: str = token.get("raw", "")
        info = str(token.get("attrs", {}).get("info", "") or "")
        fenced = token.get("style") == "fenced"
        start_index = self.cursor
        if fenced:
            for index in range(self.cursor, len(self.src)):
                if _FENCE.match(self.src[index]):
                    start_index = index + 1
                    break
        body = raw.rstrip("\n").split("\n") if raw.strip() else []
        if body:
            first_nonblank = next(i for i, t in enumerate(body) if t.strip())
            found = self._find(body[first_nonblank].strip(), start=start_index)
            if found is None and start_index > self.cursor:  # the fence found was not this block's
                found = self._find(body[first_nonblank].strip(), start=self.cursor)
            if found is not None:
                start_index = max(found[0] - first_nonblank, 0)
            if not self._code_fits(start_index, body):
                # mistune emitted the block out of source order (a list after the lazy lines of a fence
                # left open in a quote): the nearest place where every line of the block sits.
                nearby = range(max(0, start_index - _CODE_SEARCH), min(len(self.src), start_index + _CODE_SEARCH))
                start_index = next((i for i in nearby if self._code_fits(i, body)), start_index)
        lines = []
        for offset, line_text in enumerate(body):
            index = min(start_index + offset, len(self.src) - 1)
            source = self.src[index].rstrip()
            stripped = line_text.rstrip()
            column = len(source) - len(stripped) if stripped and source.endswith(stripped) else 0
            lines.append((index + 1, column))
        end_index = start_index + len(body)
        if fenced and end_index < len(self.src) and _closes(self.src[end_index], str(token.get("marker") or "")):
            end_index += 1  # the closing fence (a fence left open in a block quote has none)
        self.cursor = min(max(end_index, self.cursor), len(self.src))
        if not lines:
            return None
        return Leaf("code", "\n".join(body), lines, info=info.strip().lower(), item=item or None)

    def _code_fits(self, index: int, body: list[str]) -> bool:
        """Whether each line of a code block's body ends the source line it would sit on from `index`."""
        if index + len(body) > len(self.src):
            return False
        return all(self.stripped[index + k].endswith(line.strip()) for k, line in enumerate(body))

    def _table(self, token: dict[str, Any], item: tuple[int, ...]) -> Iterator[Leaf]:
        head = token["children"][0]
        first_cell = next((c.get("text", "") for c in head.get("children", []) if c.get("text", "").strip()), "")
        rows = 0
        for part in token["children"][1:]:
            rows += len(part.get("children", []))
        start = None
        for index in range(self.cursor, len(self.src)):
            if "|" in self.src[index] and (not first_cell or first_cell.strip() in self.src[index]):
                start = index
                break
        if start is None:
            return
        for index in [start, *range(start + 2, start + 2 + rows)]:
            if index >= len(self.src):
                break
            line = self.src[index]
            yield Leaf("table_row", line, [(index + 1, 0)], item=item or None)
        self.cursor = min(start + 2 + rows, len(self.src))

"""Mutation recall: inject one known mistake into a copy of a real document and see whether refcheck
reports it with the exact code at the exact place. Prints recall per kind and overall.

Usage: python bench/mutate.py [CORPUS_DIR ...] [--per-kind N]
Documents: the repository's `fixtures/*.md` and, when given (default: ../shared/corpus next to the
repository, when present), every top-level `*.md` of a corpus folder that has a reference list.

Kinds and the finding each must raise (a new finding, or a new place of a repeated one):
  year-shift        a matched author–year citation's year moved by +3       → RC203 at the citation
  author-typo       a matched citation's first surname misspelt             → RC207 if its link names the
                                                                              entry, else RC201
  duplicate-entry   a list entry copied to the end of the list              → RC205 at the copy
  malformed-id      an entry's new-style arXiv ID given month 13            → RC301 at the ID
  undefined-key     a citation of a work absent from the list added        → RC201 at the citation
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refcheck.check.match import _cites_url, _identifies_work, _same_identifier
from refcheck.config import Config
from refcheck.model import Citation, CitationKind, Document, Reference, ReferenceSource
from refcheck.parse.document import parse_markdown
from refcheck.pipeline import check

REPO = Path(__file__).resolve().parents[1]
_NEW_ARXIV = re.compile(r"(?<![\d.])(\d{2})(\d{2})\.(\d{4,5})(?!\d)")
_CONFIG = replace(Config(), offline=True, use_cache=False, jobs=1)


@dataclass(frozen=True)
class Mutation:
    kind: str
    text: str  # the mutated document
    line: int
    column: int
    code: str


def _names(c: Citation, ref: Reference) -> bool:
    if c.url and c.url.startswith("#"):
        return f'"{c.url[1:]}"' in ref.text or f"={c.url[1:]}" in ref.text
    return bool(_same_identifier(c, ref)) or _cites_url(c, ref)


def _places(path: Path) -> set[tuple[int, int, str]]:
    result = check([path], _CONFIG)
    out: set[tuple[int, int, str]] = set()
    for d in result.diagnostics:
        out.add((d.span.line, d.span.column, d.code))
        out.update((s.line, s.column, d.code) for s in d.related)
    return out


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def _cited_text(text: str, lines: list[str], c: Citation) -> tuple[int, int]:
    start = _offset(lines, c.span.line, c.span.column)
    end = _offset(lines, c.span.end_line, c.span.end_column)
    return start, end


def _clean_author_year(doc: Document, baseline: set[tuple[int, int, str]]) -> list[Citation]:
    """Author–year citations of one year that raise nothing today (the places a mutation must change)."""
    at = {(line, column) for line, column, _ in baseline}
    return [
        c
        for c in doc.citations
        if c.kind is CitationKind.AUTHOR_YEAR
        and c.year
        and c.year[:4].isdigit()
        and len(c.year) == 4
        and (c.span.line, c.span.column) not in at
        and c.authors
    ]


def mutations(text: str, doc: Document, baseline: set[tuple[int, int, str]], per_kind: int) -> Iterator[Mutation]:
    lines = text.splitlines(keepends=True)
    clean = _clean_author_year(doc, baseline)
    entry_years = {(r.authors[0] if r.authors else "", r.year) for r in doc.references}
    # year shift
    done = 0
    for c in clean:
        start, end = _cited_text(text, lines, c)
        chunk = text[start:end]
        new_year = str(int(c.year or "0") + 3)
        if chunk.count(c.year or "") != 1 or (c.authors[0], new_year) in entry_years:
            continue
        if (c.authors[0], c.year) not in entry_years:
            continue  # its entry has no year (or another first author): a shift cannot be told
        yield Mutation(
            "year-shift",
            text[:start] + chunk.replace(c.year or "", new_year) + text[end:],
            c.span.line,
            c.span.column,
            "RC203",
        )
        done += 1
        if done >= per_kind:
            break
    # author typo: double the surname's last letter ("Kaplan" → "Kaplann")
    done = 0
    for c in clean:
        start, end = _cited_text(text, lines, c)
        chunk = text[start:end]
        name = re.search(r"[A-Z][a-z]{3,}", chunk)
        if name is None or name.group(0).casefold() != c.authors[0]:
            continue
        typo = name.group(0) + name.group(0)[-1]
        # The rules' exact code: RC207 when the link names the entry, RC210 when it names a work the
        # list does not hold, RC201 otherwise.
        listed = c.url is not None and any(_names(c, r) for r in doc.references)
        code = "RC207" if listed else "RC210" if c.url and _identifies_work(c) else "RC201"
        yield Mutation(
            "author-typo",
            text[:start] + chunk.replace(name.group(0), typo, 1) + text[end:],
            c.span.line,
            c.span.column,
            code,
        )
        done += 1
        if done >= per_kind:
            break
    entries = [r for r in doc.references if r.source is ReferenceSource.LIST and r.span.line == r.span.end_line]
    # duplicate entry: the last one-line entry copied after itself
    for ref in entries[-1:]:
        line_text = lines[ref.span.line - 1]
        copy = line_text if line_text.endswith("\n") else line_text + "\n"
        if re.match(r"\s*(?:\d+\.\s|\[\^)", copy):
            continue  # a renumbered copy would change the numbering; a footnote label defined twice is one
        mutated = "".join(lines[: ref.span.line]) + copy + "".join(lines[ref.span.line :])
        yield Mutation("duplicate-entry", mutated, ref.span.line + 1, ref.span.column, "RC205")
    # malformed arXiv ID: month 13
    done = 0
    for ref in entries:
        line_text = lines[ref.span.line - 1]
        m = _NEW_ARXIV.search(line_text)
        if m is None or not 7 <= int(m.group(1)) <= 30:
            continue
        fixed = line_text[: m.start(2)] + "13" + line_text[m.end(2) :]
        mutated = "".join(lines[: ref.span.line - 1]) + fixed + "".join(lines[ref.span.line :])
        yield Mutation("malformed-id", mutated, ref.span.line, m.start() + 1, "RC301")
        done += 1
        if done >= per_kind:
            break
    # undefined key: a new citation of a work the list does not hold, at the start of the first citing line
    first = next(iter(doc.citations), None)
    if first is not None and (doc.references or doc.bib_files):
        line = first.span.line
        if first.kind in (CitationKind.PANDOC, CitationKind.DISTILL, CitationKind.MYST):
            cite = "[@zzyzx2099missing] "
        elif first.kind is CitationKind.NUMERIC:
            cite = "[987] "
        else:
            cite = "(Zzyzxon et al., 2011) "
        indent = len(lines[line - 1]) - len(lines[line - 1].lstrip(" >-*0123456789."))
        head = lines[line - 1][:indent]
        mutated = "".join(lines[: line - 1]) + head + cite + lines[line - 1][indent:] + "".join(lines[line:])
        yield Mutation("undefined-key", mutated, line, indent + 1, "RC201")


def documents(corpora: list[Path]) -> list[Path]:
    docs = sorted(p for p in (REPO / "fixtures").glob("*.md") if p.name != "README.md")
    docs += [REPO / "fixtures" / "pandoc" / "paper.md"]
    for corpus in corpora:
        docs += sorted(p for p in corpus.glob("*.md") if p.name != "README.md")
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = REPO.parent.parent / "shared" / "corpus"
    parser.add_argument("corpus", nargs="*", type=Path, default=[default] if default.is_dir() else [])
    parser.add_argument("--per-kind", type=int, default=4)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    totals: dict[str, list[int]] = {}
    misses: list[str] = []
    for source in documents(args.corpus):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for sibling in source.parent.glob("*.bib"):
                shutil.copy(sibling, folder / sibling.name)
            target = folder / source.name
            text = source.read_text(encoding="utf-8")
            target.write_text(text, encoding="utf-8")
            baseline = _places(target)
            doc = parse_markdown(text, target, source.name)
            if not any(r.source in (ReferenceSource.LIST, ReferenceSource.BIB) for r in doc.references) and not (
                doc.bib_files
            ):
                continue
            for mutation in mutations(text, doc, baseline, args.per_kind):
                target.write_text(mutation.text, encoding="utf-8")
                found = _places(target) - baseline
                hit = (mutation.line, mutation.column, mutation.code) in found
                counts = totals.setdefault(mutation.kind, [0, 0])
                counts[0] += hit
                counts[1] += 1
                if not hit:
                    near = sorted(f for f in found if f[0] == mutation.line)
                    misses.append(
                        f"{source.name}:{mutation.line}:{mutation.column} {mutation.kind} "
                        f"wanted {mutation.code}, new here: {near}"
                    )
    hits = sum(c[0] for c in totals.values())
    runs = sum(c[1] for c in totals.values())
    for kind, (hit, total) in sorted(totals.items()):
        print(f"{kind:16} {hit:4}/{total:<4} {100 * hit / total:6.1f} %")
    print(f"{'overall':16} {hits:4}/{runs:<4} {100 * hits / max(runs, 1):6.1f} %")
    if args.verbose:
        print("\n".join(misses))


if __name__ == "__main__":
    main()

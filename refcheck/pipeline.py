"""The run: discover → read → parse → match → (network stages) → filter → `RunResult`."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from refcheck import bib, rules
from refcheck.config import Config
from refcheck.errors import UsageError
from refcheck.local_links import check_local_links, is_remote
from refcheck.markdown import parse_markdown, tag_definitions_in
from refcheck.match import check_document
from refcheck.model import Diagnostic, Document, Reference, RunResult, Span, StageResult, Summary
from refcheck.sources import STDIN, discover, display_path, read_source

_PARALLEL_MIN_FILES = 16


def _parse_one(path: Path, max_size: int, stdin_text: str | None) -> tuple[Document | None, list[Diagnostic]]:
    source = read_source(path, max_size, stdin_text)
    if source.text is None:
        return None, source.diagnostics
    doc = parse_markdown(source.text, path if path != STDIN else Path.cwd() / "-", source.display_path)
    doc.diagnostics[:0] = source.diagnostics
    return doc, []


def parse_files(
    paths: Sequence[Path], config: Config, stdin_text: str | None = None
) -> tuple[list[Document], list[Diagnostic]]:
    """Read and parse every file, in parallel when there are many; order is the input order."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    jobs = max(1, config.jobs)
    if jobs > 1 and len(paths) >= _PARALLEL_MIN_FILES and STDIN not in paths:
        chunk = max(1, len(paths) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(
                pool.map(_parse_one, paths, [config.max_file_size] * len(paths), [None] * len(paths), chunksize=chunk)
            )
    else:
        results = [_parse_one(p, config.max_file_size, stdin_text) for p in paths]
    for doc, diags in results:
        if doc is not None:
            documents.append(doc)
        diagnostics.extend(diags)
    return documents, diagnostics


def _tag_keys(documents: Sequence[Document], config: Config) -> set[str]:
    """Manubot tags defined in the checked files, or in Markdown files beside a file that cites them.

    Manubot keeps `[@tag:x]: doi:…` lines in a back-matter file; a pre-commit run that passes only the
    changed chapter must still see them.
    """
    keys = {key for doc in documents for key in doc.tag_definitions}
    checked = {doc.path.resolve() for doc in documents}
    wanted_dirs = {
        doc.path.parent
        for doc in documents
        if any(c.key and c.key.startswith("tag:") and c.key not in keys for c in doc.citations)
    }
    for directory in sorted(wanted_dirs):
        for sibling in sorted(directory.glob("*.md")):
            if sibling.resolve() in checked:
                continue
            source = read_source(sibling, config.max_file_size)
            if source.text is not None:
                keys |= tag_definitions_in(source.text)
    return keys


class _AnchorCache:
    """Anchors of local Markdown files that links point to; checked documents are reused."""

    def __init__(self, documents: Iterable[Document], max_size: int) -> None:
        self.max_size = max_size
        self.known: dict[Path, set[str] | None] = {d.path.resolve(): d.anchors for d in documents}

    def __call__(self, path: Path) -> set[str] | None:
        key = path.resolve()
        if key not in self.known:
            source = read_source(path, self.max_size)
            self.known[key] = (
                parse_markdown(source.text, path, source.display_path).anchors if source.text is not None else None
            )
        return self.known[key]


def _bib_references(doc: Document, config: Config, bib_diags: dict[str, Diagnostic]) -> list[Reference]:
    refs: list[Reference] = []
    for path in [*doc.bib_files, *config.bib]:
        if not path.is_file():
            continue  # a missing front-matter bibliography is reported by the parser
        try:
            result = bib.load_bib(path, display_path(path))
        except bib.BibFileError as exc:
            diag = Diagnostic(display_path(path), Span(1, 1, 1, 2), "RC103", str(exc), rules.get("RC103").severity)
            bib_diags.setdefault(f"{diag.path}:unreadable", diag)
            continue
        refs.extend(result.references)
        for diag in result.diagnostics:
            bib_diags.setdefault(f"{diag.path}:{diag.span.line}:{diag.span.column}:{diag.code}", diag)
    return refs


def _filter(diagnostics: Iterable[Diagnostic], documents: Sequence[Document], config: Config) -> list[Diagnostic]:
    enabled = config.enabled_codes()
    suppressions = {d.display_path: d.suppressions for d in documents}
    kept: list[Diagnostic] = []
    for diag in diagnostics:
        if diag.code not in enabled:
            continue
        if any(
            diag.code in codes
            and (fnmatch.fnmatch(diag.path, glob) or fnmatch.fnmatch(diag.path.rsplit("/", 1)[-1], glob))
            for glob, codes in config.per_file_ignores
        ):
            continue
        if any(s.covers(diag.span.line, diag.code) for s in suppressions.get(diag.path, ())):
            continue
        kept.append(diag)
    unique = {(d.path, d.span, d.code, d.message): d for d in kept}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def check(paths: Sequence[Path], config: Config, *, stdin_text: str | None = None, progress: bool = False) -> RunResult:
    """Check the Markdown files under `paths`; the library entry point the CLI uses."""
    started = time.monotonic()
    missing = [str(p) for p in config.bib if not p.is_file()]
    if missing:
        raise UsageError(f"--bib file not found: {', '.join(missing)}")
    files = discover(paths, config.exclude)
    documents, diagnostics = parse_files(files, config, stdin_text)
    tag_keys = _tag_keys(documents, config)
    anchors = _AnchorCache(documents, config.max_file_size)
    bib_diags: dict[str, Diagnostic] = {}
    bib_used = 0
    for doc in documents:
        diagnostics.extend(doc.diagnostics)
        refs = _bib_references(doc, config, bib_diags)
        found, used = check_document(doc, refs, tag_keys, uncited_bib=config.uncited_bib)
        diagnostics.extend(found)
        bib_used += used
        diagnostics.extend(check_local_links(doc, config.root_dir, anchors))
    diagnostics.extend(bib_diags.values())

    stage = StageResult()
    if not config.offline:
        stage = run_network_stages(documents, config, started, progress=progress)
        diagnostics.extend(stage.diagnostics)

    result = RunResult(notices=list(stage.notices), incomplete=stage.incomplete)
    result.diagnostics = _filter(diagnostics, documents, config)
    result.summary = _summary(files, documents, result.diagnostics, stage)
    result.summary.references += bib_used
    return result


def run_network_stages(documents: Sequence[Document], config: Config, started: float, *, progress: bool) -> StageResult:
    """Metadata verification, then link checking, under one deadline and one cache."""
    from refcheck.network import run_network

    deadline = started + config.timeout_total if config.timeout_total else None
    return run_network(documents, config, deadline=deadline, progress=progress)


def remote_links(documents: Sequence[Document]) -> list[tuple[str, object]]:
    return [(doc.display_path, link) for doc in documents for link in doc.links if is_remote(link.url)]


def _summary(
    files: Sequence[Path], documents: Sequence[Document], diagnostics: Sequence[Diagnostic], stage: StageResult
) -> Summary:
    from refcheck.model import ReferenceSource, Severity

    return Summary(
        files=len(files),
        citations=sum(len(d.citations) for d in documents),
        references=sum(sum(1 for r in d.references if r.source is not ReferenceSource.TAG_DEF) for d in documents),
        links=sum(len(d.links) for d in documents),
        errors=sum(1 for d in diagnostics if d.severity is Severity.ERROR),
        warnings=sum(1 for d in diagnostics if d.severity is Severity.WARNING),
        infos=sum(1 for d in diagnostics if d.severity is Severity.INFO),
        unchecked_links=stage.unchecked_links,
        unverified_references=stage.unverified_references,
    )


def usage_span() -> Span:
    return Span(1, 1, 1, 2)


__all__ = ["check", "parse_files", "rules"]

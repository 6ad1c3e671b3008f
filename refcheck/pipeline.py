"""The run: discover → (shard) → read, parse and match each file (in worker processes) → local links
across files → network stages → filter → `RunResult`.

Each file is checked on its own (`_check_file`), in the main process or in a pool of workers; results
come back in input order, so a parallel run equals a serial one. Only what later steps need is kept
of a file once it is checked (`_Checked`), which bounds memory on large trees. What depends on other
files is finished in the main process: Manubot `[@tag:…]` citations (tags may be defined in any file)
and `#fragment` links into other Markdown files (their anchors).
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from refcheck import rules
from refcheck.check.match import check_document
from refcheck.config import Config
from refcheck.errors import UsageError
from refcheck.local_links import PathStatus, check_local_links, is_remote
from refcheck.model import (
    CitationKind,
    Diagnostic,
    Document,
    FileCounts,
    Link,
    Reference,
    ReferenceSource,
    RunResult,
    Severity,
    Span,
    StageResult,
    Summary,
    Suppression,
)
from refcheck.parse import bib, bibliographies
from refcheck.parse.document import parse_markdown
from refcheck.sources import STDIN, discover, display_path, read_source, text_bytes

if TYPE_CHECKING:
    from refcheck.network import NetworkRun

_PARALLEL_MIN_FILES = 16
_WORKER_NICENESS = 10  # added to the workers' niceness while the main process checks links
_STREAMED_CHUNK = 4  # files per worker task when each result is used as soon as it comes


@dataclass(frozen=True, slots=True)
class _Job:
    """What every file's check needs besides the file; sent to each worker once."""

    config: Config
    stdin: bytes | None = None  # standard input's bytes, decoded like a file's
    keep_documents: bool = False  # the network stages read references, identifiers and links
    # The main process checks links while the workers parse: the workers yield the CPU to it.
    workers_yield: bool = False
    path_status: PathStatus = field(default_factory=PathStatus)  # link targets, stat'ed once per process


@dataclass(slots=True)
class _Checked:
    """What the run keeps of one file once it is checked."""

    path: Path
    display_path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    bib_diagnostics: list[Diagnostic] = field(default_factory=list)  # in .bib files, shared by documents
    readable: bool = True
    anchors: set[str] = field(default_factory=set)
    suppressions: list[Suppression] = field(default_factory=list)
    tag_keys: tuple[str, ...] = ()
    citations: int = 0
    references: int = 0
    links: int = 0
    bib_used: int = 0
    bib_cited: list[Reference] = field(default_factory=list)  # the bibliography entries cited, verified too
    notices: list[str] = field(default_factory=list)  # config files' bibliography problems, said once per run
    fragment_links: list[Link] = field(default_factory=list)  # `file.md#x`: anchors of another file
    unmatched: Document | None = None  # cites Manubot tags: matched once every file's tags are known
    document: Document | None = None  # for the network stages


def shard_of(files: Sequence[Path], shard: tuple[int, int]) -> list[Path]:
    """The `K/N` slice of the (sorted) files: every N-th file from the K-th; the slices partition them."""
    index, count = shard
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {index}/{count}: expected K/N with 1 <= K <= N")
    return [path for position, path in enumerate(files) if position % count == index - 1]


def _bib_references(doc: Document, config: Config, out: _Checked) -> list[Reference]:
    refs: list[Reference] = []
    seen: set[str] = set()
    for path in [*doc.bib_files, *config.bib]:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        try:
            result = bibliographies.load_bibliography(path, display_path(path))
        except bib.BibFileError as exc:  # unreadable: said once per file, the documents still checked
            out.bib_diagnostics.append(rules.BIB_ERROR.at(display_path(path), Span(1, 1, 1, 2), str(exc)))
            doc.bib_unavailable = True
            continue
        refs.extend(result.references)
        out.bib_diagnostics.extend(result.diagnostics)
        doc.bib_unavailable |= bibliographies.unreadable(result)
        if not result.references and not result.diagnostics:  # read, but nothing in it was an entry
            message = f"bibliography {path.name}: 0 entries read"
            if path.suffix.lower() not in (".bib", ".json", ".yaml", ".yml"):
                message += " (refcheck reads BibTeX, CSL JSON and CSL YAML; this file's format is not understood)"
                doc.bib_unavailable = True  # its keys are unknown, so the citations that need them are not judged
            out.bib_diagnostics.append(rules.UNREAD_REFERENCES.at(display_path(path), Span(1, 1, 1, 2), message))
    return refs


def _match(doc: Document, config: Config, tag_keys: set[str], out: _Checked) -> None:
    external = _bib_references(doc, config, out)
    found, used = check_document(doc, external, tag_keys, uncited_bib=config.uncited_bib)
    out.diagnostics.extend(found)
    out.bib_used = used
    keys = {c.key for c in doc.citations if c.key}
    out.bib_cited = [r for r in external if config.uncited_bib or r.key in keys]
    if out.document is not None:
        out.document.references.extend(out.bib_cited)


def _cites_tags(doc: Document, manubot: bool) -> bool:
    """Whether a citation may be defined in another file: a Manubot tag, or in a Manubot project any alias."""
    return any(
        c.kind is CitationKind.PANDOC and (manubot or (c.key or "").lower().startswith("tag:")) for c in doc.citations
    )


def _is_fragment_link(url: str) -> bool:
    """A local link with both a path and a `#fragment`: its anchors are another file's."""
    if "#" not in url:
        return False
    url = url.strip()
    if not url or is_remote(url):
        return False
    parts = urlsplit(url)
    return bool(unquote(parts.path)) and bool(parts.fragment)


def _without_second_cause(local: list[Diagnostic], found: Sequence[Diagnostic]) -> list[Diagnostic]:
    """A citation with no entry that links to `#its-entry` is one RC201: the missing anchor is the same
    missing entry, so its RC405 at the same place is not said again."""
    undefined = {
        (span.line, span.column)
        for d in found
        if d.code == rules.UNDEFINED_CITATION.code
        for span in (d.span, *d.related)
    }
    if not undefined:
        return local
    return [d for d in local if d.code != rules.MISSING_ANCHOR.code or (d.span.line, d.span.column) not in undefined]


def _check_file(job: _Job, path: Path) -> _Checked:
    """Read, parse and match one file; local links whose target needs no other file's anchors."""
    source = read_source(path, job.config.max_file_size, job.stdin)
    out = _Checked(path, source.display_path)
    if source.text is None:
        out.readable = False
        out.diagnostics = source.diagnostics
        return out
    doc_path = path if path != STDIN else Path.cwd() / "-"
    project = bibliographies.project_of(doc_path.parent)
    doc = parse_markdown(source.text, doc_path, source.display_path, bibliography=project.declares)
    found = bibliographies.resolve(doc, project, job.config.bib)
    doc.bib_files, doc.bib_unavailable = found.files, found.unavailable
    out.notices = found.notices
    out.diagnostics = [*source.diagnostics, *doc.diagnostics, *found.diagnostics]
    out.anchors = doc.anchors
    out.suppressions = doc.suppressions
    out.tag_keys = tuple(doc.tag_definitions)
    out.citations = len(doc.citations)
    out.references = sum(1 for r in doc.references if r.source is not ReferenceSource.TAG_DEF)
    out.links = len(doc.links)
    if _cites_tags(doc, project.manubot):
        out.unmatched = doc
    else:
        _match(doc, job.config, set(), out)
    local = check_local_links(doc, job.config.root_dir, lambda _target: None, job.path_status)
    out.diagnostics.extend(_without_second_cause(local, out.diagnostics))
    for document_check in rules.CHECKS:
        out.diagnostics.extend(document_check(doc))
    out.fragment_links = [link for link in doc.links if _is_fragment_link(link.url)]
    if job.keep_documents:
        out.document = Document(
            doc.path,
            doc.display_path,
            references=[*doc.references, *out.bib_cited],
            links=doc.links,
            identifiers=doc.identifiers,
        )
    return out


_WORKER_JOB: _Job | None = None


def _worker_init(job: _Job) -> None:
    global _WORKER_JOB
    import signal  # with multiprocessing: only worker processes need it

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and ends the pool
    if job.workers_yield and hasattr(os, "nice"):
        # Parsing can wait a little; an answer the link stage reads late adds its delay to the run's
        # length at every round of requests. A lower priority, not fewer workers: when no answer is
        # waiting, the workers still have every core.
        os.nice(_WORKER_NICENESS)
    _WORKER_JOB = job


def _worker_check(path: Path) -> _Checked:
    assert _WORKER_JOB is not None
    return _check_file(_WORKER_JOB, path)


def check_files(
    paths: Sequence[Path], job: _Job, pool_started: Callable[[], None] | None = None
) -> Generator[_Checked, None, None]:
    """Each file checked, in input order; in `config.jobs` worker processes when there are many files
    (`pool_started` is called once they are forked, before the first result is awaited)."""
    jobs = max(1, job.config.jobs)
    if jobs == 1 or len(paths) < _PARALLEL_MIN_FILES or STDIN in paths:
        for path in paths:
            yield _check_file(job, path)
        return
    import multiprocessing  # imported here: a run of one file never starts a pool

    chunk = max(1, min(32, len(paths) // (jobs * 8)))
    if pool_started is not None:
        chunk = min(chunk, _STREAMED_CHUNK)  # the first links go out after a few files, not after 32
    with multiprocessing.Pool(min(jobs, len(paths)), _worker_init, (job,)) as pool:
        results = pool.imap(_worker_check, paths, chunksize=chunk)
        if pool_started is not None:
            pool_started()
        yield from results


class _AnchorCache:
    """Anchors of local Markdown files that links point to; those of checked files are reused."""

    def __init__(self, checked: Iterable[_Checked], max_size: int) -> None:
        self.max_size = max_size
        self.known: dict[str, set[str] | None] = {}
        for item in checked:
            if item.path != STDIN:
                self.known[_key(item.path)] = item.anchors if item.readable else None
        self.resolved: dict[Path, set[str] | None] | None = None

    def __call__(self, path: Path) -> set[str] | None:
        key = _key(path)
        if key in self.known:
            return self.known[key]
        if self.resolved is None:  # a symlinked path: compare real paths
            self.resolved = {Path(k).resolve(): v for k, v in self.known.items()}
        real = path.resolve()
        if real not in self.resolved:
            source = read_source(path, self.max_size)
            text = source.text
            self.resolved[real] = parse_markdown(text, path, source.display_path).anchors if text is not None else None
        self.known[key] = self.resolved[real]
        return self.known[key]


def _key(path: Path) -> str:
    return os.path.normpath(os.path.abspath(path))


def _tag_sources(checked: Sequence[_Checked], files: Sequence[Path], all_files: Sequence[Path]) -> list[Path]:
    """Where else Manubot tags may be defined: files of other shards, and Markdown files beside a file
    that cites tags (Manubot keeps them in a back-matter file; pre-commit passes only changed chapters)."""
    in_shard = {_key(p) for p in files}
    listed = {_key(p) for p in all_files}
    others = [p for p in all_files if _key(p) not in in_shard]
    siblings = {
        sibling
        for item in checked
        if item.unmatched is not None and item.path != STDIN
        for sibling in item.path.parent.glob("*.md")
        if _key(sibling) not in listed
    }
    return [*others, *sorted(siblings)]


def _tag_definitions_elsewhere(paths: Sequence[Path], config: Config) -> set[str]:
    """Manubot tags and aliases defined in files outside this shard (only files with `[@` are parsed)."""
    keys: set[str] = set()
    for path in paths:
        try:
            if path.stat().st_size > config.max_file_size or b"[@" not in path.read_bytes():
                continue
        except OSError:
            continue
        source = read_source(path, config.max_file_size)
        if source.text is not None:
            keys.update(parse_markdown(source.text, path, source.display_path).tag_definitions)
    return keys


def _filter(
    diagnostics: Iterable[Diagnostic], suppressions: dict[str, list[Suppression]], config: Config
) -> list[Diagnostic]:
    enabled = config.enabled_codes()
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


def check(
    paths: Sequence[Path],
    config: Config,
    *,
    stdin: bytes | None = None,
    stdin_text: str | None = None,
    progress: bool = False,
    shard: tuple[int, int] | None = None,
) -> RunResult:
    """Check the Markdown files under `paths`; the library entry point the CLI uses.

    `-` among `paths` is standard input: its bytes (`stdin`), decoded and checked exactly like a file's;
    `stdin_text` is the same as text (undecodable bytes kept as surrogates come back as bytes).
    `shard=(K, N)` checks the K-th of N slices of the files; files of other slices are still read for
    the anchors their links point to and the Manubot tags they define. Ctrl-C ends the run early with
    the findings of the files checked so far (`RunResult.interrupted`).
    """
    started = time.monotonic()
    missing = [str(p) for p in config.bib if not p.is_file()]
    if missing:
        raise UsageError(f"--bib file not found: {', '.join(missing)}")
    all_files = discover(paths, config.exclude)
    files = shard_of(all_files, shard) if shard else all_files
    network = not config.offline and (config.links or config.verify)
    if stdin is None and stdin_text is not None:
        stdin = text_bytes(stdin_text)
    job = _Job(config, stdin, keep_documents=network, workers_yield=network and config.links)
    checked: list[_Checked] = []
    interrupted = False
    online = _network_run(config, started, progress) if network else None
    # With a worker pool, links are as good as certain: the link stage starts while the workers parse.
    results = check_files(files, job, online.start if online is not None and config.links else None)
    try:
        for item in results:
            checked.append(item)
            if online is not None and item.document is not None:
                online.add(item.document)  # its links are checked while the next files are parsed
    except KeyboardInterrupt:
        interrupted = True
    finally:
        results.close()  # ends the worker pool

    diagnostics: list[Diagnostic] = []
    bib_diags: dict[tuple[str, int, int, str], Diagnostic] = {}
    try:
        tag_keys = {key for item in checked for key in item.tag_keys}
        if any(item.unmatched for item in checked):
            tag_keys |= _tag_definitions_elsewhere(_tag_sources(checked, files, all_files), config)
        anchors = _AnchorCache(checked, config.max_file_size)
        for item in checked:
            if item.unmatched is not None:
                _match(item.unmatched, config, tag_keys, item)
                item.unmatched = None
            if item.fragment_links:
                path = item.path if item.path != STDIN else Path.cwd() / "-"
                doc = Document(path, item.display_path, links=item.fragment_links, anchors=item.anchors)
                found = check_local_links(doc, config.root_dir, anchors, job.path_status)
                item.diagnostics.extend(d for d in found if d.code == rules.MISSING_ANCHOR.code)
            diagnostics.extend(item.diagnostics)
            for diag in item.bib_diagnostics:
                bib_diags.setdefault((diag.path, diag.span.line, diag.span.column, diag.code), diag)
    except KeyboardInterrupt:
        interrupted = True
    diagnostics.extend(bib_diags.values())
    notices = list(dict.fromkeys(notice for item in checked for notice in item.notices))

    stage = StageResult()
    if online is not None and interrupted:
        online.cancel()
    elif online is not None:
        try:
            stage = online.finish([item.document for item in checked if item.document is not None])
            diagnostics.extend(stage.diagnostics)
        except KeyboardInterrupt:
            interrupted = True

    result = RunResult(notices=[*notices, *stage.notices], incomplete=stage.incomplete, interrupted=interrupted)
    if interrupted:
        result.notices.append(f"interrupted: {len(checked)} of {len(files)} files checked")
    suppressions = {item.display_path: item.suppressions for item in checked}
    result.diagnostics = _filter(diagnostics, suppressions, config)
    result.summary = _summary(len(files), checked, result.diagnostics, stage)
    result.files = sorted(
        (
            FileCounts(item.display_path, item.citations, item.references + item.bib_used, item.links)
            for item in checked
            if item.readable
        ),
        key=lambda counts: counts.path,
    )
    return result


def _network_run(config: Config, started: float, progress: bool) -> NetworkRun:
    """The network stages under one deadline and one cache, started before the first file is parsed."""
    from refcheck.network import NetworkRun

    deadline = started + config.timeout_total if config.timeout_total else None
    return NetworkRun(config, deadline=deadline, progress=progress)


def _summary(files: int, checked: Sequence[_Checked], diagnostics: Sequence[Diagnostic], stage: StageResult) -> Summary:
    return Summary(
        files=files,
        citations=sum(item.citations for item in checked),
        references=sum(item.references + item.bib_used for item in checked),
        links=sum(item.links for item in checked),
        errors=sum(1 for d in diagnostics if d.severity is Severity.ERROR),
        warnings=sum(1 for d in diagnostics if d.severity is Severity.WARNING),
        infos=sum(1 for d in diagnostics if d.severity is Severity.INFO),
        unchecked_links=stage.unchecked_links,
        unverified_references=stage.unverified_references,
    )


__all__ = ["check", "check_files", "rules", "shard_of"]

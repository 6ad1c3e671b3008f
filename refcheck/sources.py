"""Finding the files to check and reading them as text (RC102 unreadable, RC104 bad UTF-8, RC105 too large)."""

from __future__ import annotations

import codecs
import fnmatch
import functools
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from refcheck import rules
from refcheck.errors import UsageError
from refcheck.model import Diagnostic, Span

MARKDOWN_SUFFIXES = (".md", ".markdown", ".qmd", ".rmd")
STDIN = Path("-")


@dataclass(slots=True)
class Source:
    path: Path
    display_path: str
    text: str | None  # None: not readable, see diagnostics
    diagnostics: list[Diagnostic] = field(default_factory=list)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Relative to the working directory when inside it, always with `/`."""
    if path == STDIN:
        return "-"
    return _display_path(os.fspath(path), os.fspath(cwd.resolve()) if cwd else os.getcwd())


@functools.lru_cache(maxsize=65536)
def _display_path(path: str, cwd: str) -> str:
    # Memoised per run (`discover` clears it with the directories): a file's path is shown by the
    # walk, the exclusion check, the read and every finding.
    base = _resolved_directory(cwd)
    try:
        rel = os.path.relpath(resolved(Path(path)), base)
    except ValueError:
        rel = path
    return rel.replace(os.sep, "/")


def resolved(path: Path) -> Path:
    """`path.resolve()` with each directory resolved once per run: one `lstat` for the file itself."""
    name = path.name
    if name in ("", ".", "..") or os.path.islink(path):
        return path.resolve()
    return _resolved_directory(os.path.join(os.getcwd(), path.parent)) / name


@functools.lru_cache(maxsize=4096)
def _resolved_directory(directory: str) -> Path:
    return Path(directory).resolve()


def is_excluded(path: Path, patterns: Iterable[str], cwd: Path | None = None) -> bool:
    patterns = list(patterns)
    if not patterns:
        return False
    rel = display_path(path, cwd)
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) or fnmatch.fnmatch(rel, pat + "/*"):
            return True
        if any(fnmatch.fnmatch(part, pat) for part in Path(rel).parts[:-1]):
            return True
        if rel.startswith(pat + "/"):
            return True
    return False


def discover(paths: Iterable[Path], exclude: Iterable[str]) -> list[Path]:
    """Files to check: explicit files as given, directories walked for Markdown, hidden ones skipped."""
    exclude = list(exclude)
    _resolved_directory.cache_clear()  # directories resolved in an earlier run may have moved since
    _display_path.cache_clear()
    found: list[Path] = []
    for path in paths:
        if path == STDIN:
            found.append(path)
            continue
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        if not path.is_dir():  # a file, or a pipe such as bash's <(…)
            if not is_excluded(path, exclude):
                found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            root_path = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_excluded(root_path / d, exclude))
            for name in sorted(files):
                file = root_path / name
                if name.startswith(".") or not name.lower().endswith(MARKDOWN_SUFFIXES) or not file.is_file():
                    continue  # hidden, not Markdown, or not a regular file (a FIFO would block the walk)
                if not is_excluded(file, exclude):
                    found.append(file)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(resolved(path)) if path != STDIN else "-", path)
    return [path for _, path in sorted((display_path(p), p) for p in unique.values())]


def non_regular_file(where: Path) -> str | None:
    """Why `where` cannot be a file refcheck writes: it exists and is not a regular file (following a
    symlink); None when it is a regular file or absent."""
    try:
        info = os.lstat(where)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"cannot be examined ({getattr(exc, 'strerror', None) or exc})"
    link = stat.S_ISLNK(info.st_mode)
    if link:
        try:
            info = os.stat(where)
        except OSError:
            return "is a symbolic link to nothing"
    if stat.S_ISREG(info.st_mode):
        return None
    kind = file_kind(info.st_mode)
    return f"is a symbolic link to {kind}" if link else f"is {kind}"


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages: "a directory", "a FIFO", …"""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _diag(display: str, rule: rules.Rule, message: str, line: int = 1) -> Diagnostic:
    return rule.at(display, Span(line, 1, line, 2), message)


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Text of a file's bytes: BOMs honoured, binary refused (RC102), bad UTF-8 replaced (RC104)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            return None, [_diag(display, rules.UNREADABLE_FILE, "not readable as text: invalid UTF-16")]
    if b"\x00" in data[:8192] or b"\x00" in data:
        message = "not readable as text: binary content (NUL bytes); skipped"
        return None, [_diag(display, rules.UNREADABLE_FILE, message)]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1  # \r\n, \r and \n end lines
        text = data.decode("utf-8", errors="replace")
        message = f"invalid UTF-8 (first at line {line}); decoded with replacement characters"
        return text, [_diag(display, rules.ENCODING_REPLACED, message, line)]


_CHUNK = 1 << 20


def read_bounded(handle: BinaryIO, limit: int, first: int = _CHUNK) -> bytes:
    """At most `limit + 1` bytes of a stream (one more than allowed says it is too large), read in
    chunks: a pipe has no size, and a large limit must not allocate a buffer of that size."""
    chunks: list[bytes] = []
    total = 0
    want = first
    while total <= limit:
        chunk = handle.read(max(1, min(want, limit + 1 - total)))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = _CHUNK
    return b"".join(chunks)


def read_stdin(limit: int) -> bytes:
    """Standard input as bytes, up to `limit + 1` of them; decoded later exactly like a file's."""
    stream = sys.stdin
    if stream is None:  # closed (`refcheck - <&-`)
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # replaced by a text-only stream (an embedding program, a test)
        return text_bytes(stream.read(limit + 1))
    return read_bounded(buffer, limit)


def text_bytes(text: str) -> bytes:
    """Bytes of text that may carry undecodable input as surrogates (`surrogateescape`): those bytes
    come back as they were, so the decoding reports them (RC104)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _too_large(path: Path, display: str, max_size: int, size: int | None = None) -> Source:
    what = "standard input" if path == STDIN else "file"
    told = (
        f"{what} is {size:,} bytes, over max_file_size ({max_size:,})"
        if size is not None
        else (f"{what} is over max_file_size ({max_size:,} bytes)")
    )
    return Source(path, display, None, [_diag(display, rules.FILE_TOO_LARGE, f"{told}; skipped")])


def read_source(path: Path, max_size: int, stdin: bytes | None = None) -> Source:
    """A file (or standard input's bytes, `stdin`) read and decoded: RC102, RC104, RC105 alike."""
    display = display_path(path)
    if path == STDIN:
        data = stdin or b""
        if len(data) > max_size:
            return _too_large(path, display, max_size)
    else:
        try:
            size = path.stat().st_size
            if size > max_size:
                return _too_large(path, display, max_size, size)
            with path.open("rb") as handle:
                # Bounded: a pipe or a growing file has no reliable size. Asking for the size first
                # spares a large buffer for every small file.
                data = read_bounded(handle, max_size, first=size + 1)
            if len(data) > max_size:
                return _too_large(path, display, max_size)
        except OSError as exc:
            return Source(
                path, display, None, [_diag(display, rules.UNREADABLE_FILE, f"cannot read: {exc.strerror or exc}")]
            )
    text, diagnostics = decode(data, display)
    return Source(path, display, text, diagnostics)

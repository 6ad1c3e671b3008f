"""refcheck: check the references and citations of Markdown documents.

The public API (everything else is internal and may change between versions)::

    import refcheck

    result = refcheck.check_text("As shown by Smith (2020).\\n")
    for d in result.diagnostics:
        print(d.path, d.span.line, d.span.column, d.code, d.message)

`check_text` and `check_paths` run offline and write no cache unless the `Config` passed says
otherwise; `Config()` itself has the command line's defaults (network stages on, the user cache).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from refcheck import rules
from refcheck._about import DISTRIBUTION, __version__
from refcheck.config import Config
from refcheck.model import Diagnostic, Severity, Span
from refcheck.model import RunResult as Result


def _library_defaults() -> Config:
    """The library's default: no network, no cache file (made per call: rules registered later count)."""
    return Config(offline=True, use_cache=False)


def check_text(text: str, *, path: str | None = None, config: Config | None = None) -> Result:
    """Check one Markdown document given as text; `path` names it in the findings (default `-`).

    Relative links and bibliographies resolve against the working directory, as for standard input.
    """
    from dataclasses import replace

    from refcheck.pipeline import check
    from refcheck.sources import STDIN

    result = check([STDIN], config or _library_defaults(), stdin_text=text)
    if path is not None:
        result.diagnostics = [replace(d, path=path) if d.path == "-" else d for d in result.diagnostics]
        result.files = [replace(f, path=path) if f.path == "-" else f for f in result.files]
    return result


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    stdin: bytes | None = None,
    shard: tuple[int, int] | None = None,
    progress: bool = False,
) -> Result:
    """Check the Markdown files under `paths` (files or directories), as `refcheck PATHS` does.

    `-` among `paths` is standard input, whose bytes `stdin` gives (decoded like a file's);
    `shard=(K, N)` checks only the K-th of N slices of the files, as `--shard K/N`; `progress` shows
    a progress bar on standard error while the files are checked.
    """
    from pathlib import Path

    from refcheck.pipeline import check

    files = [Path(p) for p in paths]
    return check(files, config or _library_defaults(), stdin=stdin, progress=progress, shard=shard)


def formats() -> tuple[str, ...]:
    """The output format names `render` (and `--format`) accept."""
    from refcheck.report import FORMATS

    return tuple(FORMATS)


def render(result: Result, fmt: str) -> str:
    """`result` as text in the format named `fmt` (see `formats()`); the CLI's `--format` output."""
    from refcheck.report import render as render_format

    return render_format(result, fmt)


def read_json(data: object, *, incomplete: bool = False) -> Result:
    """A `Result` back from `--format json` output (parsed), e.g. to render it in another format."""
    from refcheck.report.json_format import from_json_object

    if not isinstance(data, Mapping):
        raise ValueError("not a refcheck JSON report (expected an object)")
    return from_json_object(data, incomplete=incomplete)


__all__ = [
    "DISTRIBUTION",
    "Config",
    "Diagnostic",
    "Result",
    "Severity",
    "Span",
    "__version__",
    "check_paths",
    "check_text",
    "formats",
    "read_json",
    "render",
    "rules",
]

"""Output formats: each turns a `RunResult` into text; nothing else in refcheck formats output.

`FORMATS` maps a `--format` name to its renderer: it is the registry `--format`'s choices, the
action's check and the docs' tests read, so a new format is one module and one entry here.
`STREAMING` holds the formats that can also be written in pieces. `console` is the plain-text form of
the rich report; the CLI prints the styled one with `render_console(result, make_console())`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from refcheck.errors import UsageError
from refcheck.model import RunResult
from refcheck.report.console import make_console, render_console, render_console_text
from refcheck.report.github import render_github
from refcheck.report.gitlab import render_gitlab
from refcheck.report.json_format import iter_json, render_json
from refcheck.report.markdown import render_markdown
from refcheck.report.sarif import render_sarif

Renderer = Callable[[RunResult], str]

FORMATS: dict[str, Renderer] = {
    "console": render_console_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "markdown": render_markdown,
    "gitlab": render_gitlab,
}
STREAMING: dict[str, Callable[[RunResult], Iterator[str]]] = {"json": iter_json}


def render_chunks(result: RunResult, fmt: str) -> Iterator[str]:
    """`render` in pieces where the format allows it (`STREAMING`), so a large report is streamed."""
    if fmt in STREAMING:
        return STREAMING[fmt](result)
    return iter([render(result, fmt)])


def render(result: RunResult, fmt: str) -> str:
    """`result` in the format named `fmt`; an unknown name is a `UsageError` listing the known ones."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}") from None
    return renderer(result)


__all__ = [
    "FORMATS",
    "STREAMING",
    "Renderer",
    "make_console",
    "render",
    "render_chunks",
    "render_console",
    "render_console_text",
    "render_github",
    "render_gitlab",
    "render_json",
    "render_markdown",
    "render_sarif",
]

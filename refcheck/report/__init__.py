"""Output formats: each turns a `RunResult` into text; nothing else in refcheck formats output.

`FORMATS` maps a `--format` name to its renderer: it is the registry `--format`'s choices, the
action's check and the docs' tests read, so a new format is one module and one entry here.
`STREAMING` holds the formats that can also be written in pieces. `console` is the plain-text form of
the rich report; the CLI prints the styled one with `console.render_console(result, console.make_console())`.
Each format's module is imported when its renderer is first called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any

from refcheck.errors import UsageError
from refcheck.model import RunResult

Renderer = Callable[[RunResult], str]


def _imported(module: str, name: str) -> Callable[[RunResult], Any]:
    """`refcheck.report.<module>.<name>`, imported on its first call: a run loads only the format it
    writes (rich alone is ~20 ms of start-up, needless for `--format json`)."""

    def renderer(result: RunResult, **options: Any) -> Any:
        return getattr(import_module(f"refcheck.report.{module}"), name)(result, **options)

    renderer.__name__ = renderer.__qualname__ = name
    return renderer


render_console_text: Renderer = _imported("console", "render_console_text")
render_json: Renderer = _imported("json_format", "render_json")
render_sarif: Renderer = _imported("sarif", "render_sarif")
render_github: Renderer = _imported("github", "render_github")
render_markdown: Renderer = _imported("markdown", "render_markdown")
render_gitlab: Renderer = _imported("gitlab", "render_gitlab")

FORMATS: dict[str, Renderer] = {
    "console": render_console_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "markdown": render_markdown,
    "gitlab": render_gitlab,
}
STREAMING: dict[str, Callable[[RunResult], Iterator[str]]] = {"json": _imported("json_format", "iter_json")}


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
    "render",
    "render_chunks",
    "render_console_text",
    "render_github",
    "render_gitlab",
    "render_json",
    "render_markdown",
    "render_sarif",
]

"""Human-readable output through rich: findings grouped by file, notices, a summary line."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import IO

from rich.console import Console
from rich.text import Text

from refcheck.model import Diagnostic, FileCounts, RunResult, Severity, Summary
from refcheck.report._words import count

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}


def make_console(
    file: IO[str] | None = None,
    *,
    color: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> Console:
    """A console for reports: styled only on a terminal and without `NO_COLOR`, unless `color` says.

    `color=True` forces styles (`--color always`), `color=False` forbids them; with `None` rich
    decides from the stream (TTY or not, `FORCE_COLOR`), and a non-empty `NO_COLOR` turns every
    escape code off, bold included.
    """
    env = os.environ if environ is None else environ
    if color is None and env.get("NO_COLOR", ""):
        color = False
    return Console(
        file=file,
        force_terminal=color,
        no_color=True if color is False else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
    )


def render_console(
    result: RunResult, console: Console, *, quiet: bool = False, show_infos: bool = True, offline: bool = False
) -> None:
    """Print `result`: per file a header and its findings, then notices and a summary line.

    `quiet` prints the finding lines alone, and nothing at all when there are none. Without
    `show_infos`, info findings are counted in one line per code instead of listed.
    """
    shown = result.diagnostics
    if not show_infos:
        shown = [d for d in result.diagnostics if d.severity is not Severity.INFO]
    for path, group in groupby(shown, key=lambda d: d.path):
        if not quiet:
            console.print(Text(path, style="bold underline"), soft_wrap=True, highlight=False)
        for diagnostic in group:
            console.print(finding_line(diagnostic), soft_wrap=True, highlight=False)
        if not quiet:
            console.print()
    if quiet:
        return
    if not show_infos:
        for line in info_lines(result.diagnostics):
            console.print(line, soft_wrap=True, highlight=False)
    notices = [*result.notices, *([_OFFLINE_NOTICE] if offline and result.summary.links else [])]
    for notice in notices:
        line = Text.assemble(("notice", "bold magenta"), ": ", notice)
        console.print(line, soft_wrap=True, highlight=False)
    for line in file_lines(result.files):
        console.print(line, soft_wrap=True, highlight=False)
    console.print(summary_line(result.summary), soft_wrap=True, highlight=False)


def render_console_text(result: RunResult, *, quiet: bool = False) -> str:
    """The console report as plain text (no escape codes), for `render(result, "console")`."""
    buffer = io.StringIO()
    render_console(result, make_console(buffer, color=False), quiet=quiet)
    return buffer.getvalue()


_OFFLINE_NOTICE = "--offline: remote links and metadata were not checked"
# What one info finding of a code is about, counted: "RC407: 211 links not checked (…)".
_INFO_NOUNS: dict[str, tuple[str, str]] = {
    "RC403": ("link", "permanently redirected"),
    "RC407": ("link", "not checked (excluded, templates, root-relative paths, unsupported schemes)"),
    "RC507": ("entry", "with an identifier available"),
}


def info_lines(diagnostics: Iterable[Diagnostic]) -> Iterable[Text]:
    """One line per info code: how many, what they are about, and how to list them."""
    counts: dict[str, int] = {}
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.INFO:
            counts[diagnostic.code] = counts.get(diagnostic.code, 0) + 1
    for code in sorted(counts):
        noun, what = _INFO_NOUNS.get(code, ("finding", ""))
        about = f"{count(counts[code], noun)} {what}".rstrip()
        yield Text.assemble((code, SEVERITY_STYLES[Severity.INFO]), f": {about}; --show-infos to list")


def finding_line(diagnostic: Diagnostic) -> Text:
    """`path:line:col CODE message`, the code in its severity's colour."""
    span = diagnostic.span
    style = SEVERITY_STYLES[diagnostic.severity]
    return Text.assemble(
        (f"{diagnostic.path}:{span.line}:{span.column}", "bold"),
        " ",
        (diagnostic.code, style),
        " ",
        (diagnostic.message, "dim" if diagnostic.severity is Severity.INFO else ""),
    )


PER_FILE_LINES = 20  # more files than this: one line counting those without citations


def file_lines(files: list[FileCounts]) -> Iterable[Text]:
    """`path: 14 citations, 10 references, 3 links` per file of a run of several, a zero in yellow;
    for a large run only how many files had no citation."""
    if len(files) < 2:
        return
    if len(files) > PER_FILE_LINES:
        none = sum(1 for counts in files if not counts.citations)
        if none:
            yield Text(f"No citations in {none} of {len(files)} files.", style="yellow")
        return
    for counts in files:
        parts = [
            Text(count(number, noun), style="yellow" if not number and noun == "citation" else "")
            for number, noun in (
                (counts.citations, "citation"),
                (counts.references, "reference"),
                (counts.links, "link"),
            )
        ]
        yield Text(f"{counts.path}: ").append_text(Text(", ").join(parts))


def summary_line(summary: Summary) -> Text:
    """`Checked 2 files (5 citations, 4 references, 9 links): 1 error, 0 warnings, 2 infos.`"""
    checked = ", ".join(
        [
            count(summary.citations, "citation"),
            count(summary.references, "reference"),
            count(summary.links, "link"),
        ]
    )
    text = Text(f"Checked {count(summary.files, 'file')} ({checked}): ")
    parts: list[Text] = []
    for number, noun, severity in (
        (summary.errors, "error", Severity.ERROR),
        (summary.warnings, "warning", Severity.WARNING),
        (summary.infos, "info", Severity.INFO),
    ):
        parts.append(Text(count(number, noun), style=SEVERITY_STYLES[severity] if number else ""))
    text.append_text(Text(", ").join(parts))
    extras = list(_unchecked(summary))
    if extras:
        text.append("; " + ", ".join(extras))
    text.append(".")
    return text


def _unchecked(summary: Summary) -> Iterable[str]:
    if summary.unchecked_links:
        yield f"{count(summary.unchecked_links, 'link')} not checked"
    if summary.unverified_references:
        yield f"{count(summary.unverified_references, 'reference')} not verified"

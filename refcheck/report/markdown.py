"""`--format markdown`: a summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`."""

from __future__ import annotations

import re

from refcheck.model import Diagnostic, RunResult, Severity, Summary
from refcheck.report._words import count

COLLAPSE_AFTER = 10  # more findings than this go into a collapsed <details> block
MAX_ROWS = 500  # PR comments are capped at 65,536 characters; the rest is counted, not listed

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}

# Every ASCII punctuation character CommonMark lets a backslash escape and that can start markup
# inside a table cell: emphasis, code, links, HTML, autolinks, strikethrough, the cell separator.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>|~!#&$])")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def render_markdown(result: RunResult, *, collapse_after: int = COLLAPSE_AFTER, max_rows: int = MAX_ROWS) -> str:
    """A headline with counts, a findings table (collapsed when long) and the run's notices."""
    s = result.summary
    parts = [f"### refcheck: {headline(s)}", "", scope(s)]
    if result.diagnostics:
        table = findings_table(result.diagnostics[:max_rows])
        if len(result.diagnostics) > max_rows:
            table += f"\n\n…and {len(result.diagnostics) - max_rows} more not listed here."
        if len(result.diagnostics) > collapse_after:
            count = len(result.diagnostics)
            table = f"<details>\n<summary>All {count} findings</summary>\n\n{table}\n\n</details>"
        parts += ["", table]
    if result.notices:
        parts += ["", "**Notices**", ""]
        parts += [f"- {escape(notice)}" for notice in result.notices]
    return "\n".join(parts) + "\n"


def headline(summary: Summary) -> str:
    if not (summary.errors or summary.warnings or summary.infos):
        return "no problems found"
    return ", ".join(
        [
            count(summary.errors, "error"),
            count(summary.warnings, "warning"),
            count(summary.infos, "info"),
        ]
    )


def scope(summary: Summary) -> str:
    text = (
        f"Checked {count(summary.files, 'file')}: {count(summary.citations, 'citation')}, "
        f"{count(summary.references, 'reference')}, {count(summary.links, 'link')}."
    )
    if summary.unchecked_links:
        text += f" {count(summary.unchecked_links, 'link')} not checked."
    if summary.unverified_references:
        text += f" {count(summary.unverified_references, 'reference')} not verified."
    return text


def findings_table(diagnostics: list[Diagnostic]) -> str:
    rows = ["| Location | Severity | Code | Message |", "| --- | --- | --- | --- |"]
    for d in diagnostics:
        location = escape(f"{d.path}:{d.span.line}:{d.span.column}")
        label = SEVERITY_LABELS[d.severity]
        rows.append(f"| {location} | {label} | {d.code} | {escape(d.message)} |")
    return "\n".join(rows)


def escape(text: str) -> str:
    """Text that renders literally inside a GFM table cell, on one line."""
    return _MARKUP.sub(r"\\\1", _NEWLINES.sub(" ", text))

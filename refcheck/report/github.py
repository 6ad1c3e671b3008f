"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

Escaping follows the runner's own (`@actions/core`, `command.ts`): data escapes `%`, CR and LF;
property values additionally `:` and `,`.
"""

from __future__ import annotations

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Severity
from refcheck.report._words import count

COMMANDS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def render_github(result: RunResult) -> str:
    """One `::error`/`::warning`/`::notice` line per finding, notices as warnings, then a summary."""
    lines = [annotation(d) for d in result.diagnostics]
    lines += [f"::warning title=refcheck::{escape_data(notice)}" for notice in result.notices]
    s = result.summary
    counts = ", ".join([count(s.errors, "error"), count(s.warnings, "warning"), count(s.infos, "info")])
    lines.append(f"refcheck: {counts} in {count(s.files, 'file')}")
    return "\n".join(lines) + "\n"


def annotation(diagnostic: Diagnostic) -> str:
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RC201 (undefined-citation)::message`."""
    span = diagnostic.span
    properties = {
        "file": diagnostic.path,
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{diagnostic.code} ({rules.get(diagnostic.code).name})",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[diagnostic.severity]} {joined}::{escape_data(diagnostic.message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")

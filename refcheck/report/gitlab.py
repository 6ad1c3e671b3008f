"""`--format gitlab`: a GitLab Code Quality report (the CodeClimate subset GitLab reads).

Saved as the `codequality` report artifact of a job, the findings show in the merge request.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from refcheck.model import Diagnostic, RunResult, Severity

SEVERITIES: dict[Severity, str] = {
    Severity.ERROR: "major",
    Severity.WARNING: "minor",
    Severity.INFO: "info",
}


def render_gitlab(result: RunResult) -> str:
    """A JSON array of Code Quality issues, indented, with a trailing newline."""
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for diagnostic in result.diagnostics:
        key = (diagnostic.path, diagnostic.code, diagnostic.message)
        issues.append(issue(diagnostic, occurrence=seen[key]))
        seen[key] += 1
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def issue(diagnostic: Diagnostic, *, occurrence: int = 0) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "type": "issue",
        "check_name": diagnostic.code,
        "description": f"{diagnostic.code} {diagnostic.message}",
        "severity": SEVERITIES[diagnostic.severity],
        "fingerprint": fingerprint(diagnostic, occurrence),
        "location": {
            "path": diagnostic.path,
            "positions": {
                "begin": {"line": span.line, "column": span.column},
                "end": {"line": span.end_line, "column": span.end_column},
            },
        },
    }


def fingerprint(diagnostic: Diagnostic, occurrence: int) -> str:
    """Stable while the finding only moves lines: path, code, message and its repeat count."""
    parts = (diagnostic.path, diagnostic.code, diagnostic.message, str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

"""One bibliography file → `Reference`s, by its format: BibTeX, CSL JSON (`.json`) or CSL YAML (`.yaml`/`.yml`)."""

from __future__ import annotations

from pathlib import Path

from refcheck import rules
from refcheck.parse import bib, csl
from refcheck.parse.bib import BibResult

CSL_SUFFIXES = (".json", ".yaml", ".yml")


def load_bibliography(path: Path, display_path: str) -> BibResult:
    """Parsed once per file and process; `bib.BibFileError` when the file cannot be read."""
    if path.suffix.lower() in CSL_SUFFIXES:
        return csl.load_csl(path, display_path)
    return bib.load_bib(path, display_path)


def unreadable(result: BibResult) -> bool:
    """A file that yielded no entry at all because it could not be parsed: its keys are unknown."""
    return not result.references and any(d.code == rules.BIB_ERROR.code for d in result.diagnostics)

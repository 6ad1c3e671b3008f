"""Where a document's bibliographies are: found the way its site generator finds them.

`project_of` reads the generator's config files upward from a folder (Quarto, bookdown, Jupyter Book,
mystmd, mkdocs-bibtex, jekyll-scholar / al-folio, Manubot); `resolve` turns a document's front matter
and its project's declarations into files, or into one finding naming every place searched;
`load_bibliography` reads a BibTeX, CSL JSON or CSL YAML file.
"""

from __future__ import annotations

from refcheck.parse.bibliographies.formats import load_bibliography, unreadable
from refcheck.parse.bibliographies.front_matter import declarations
from refcheck.parse.bibliographies.project import Project, clear_cache, project_of
from refcheck.parse.bibliographies.resolve import Resolved, resolve

__all__ = [
    "Project",
    "Resolved",
    "clear_cache",
    "declarations",
    "load_bibliography",
    "project_of",
    "resolve",
    "unreadable",
]

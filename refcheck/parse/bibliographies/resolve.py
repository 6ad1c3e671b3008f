"""A document's declared bibliographies → the files to read, or one finding naming every place searched.

Names in front matter are looked up in the document's folder, then along the generator's search path
(hugo-cite's `bibFile:` from the Hugo site's root; its page bundles' `*bib*.json` without one);
names in config files against the config's folder. Nothing outside the project (the git root or the
outermost generator folder, and the working directory) is read; `--bib` files are the user's own.
A declared bibliography that is not read makes the document's keyed citations unjudged.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from refcheck import rules
from refcheck.model import CitationKind, Diagnostic, Document
from refcheck.parse.bibliographies.project import Declared, Project

_MAX_DIRECTORY_FILES = 200
_HUGO_CONFIGS = [f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")]
_NOT_JUDGED = "the citations that need it are not judged"


@dataclass(slots=True)
class Resolved:
    """The bibliographies of one document and what went wrong finding them."""

    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # RC103 at the document's own declarations
    notices: list[str] = field(default_factory=list)  # problems of config files, said once per run
    unavailable: bool = False


@dataclass(slots=True)
class _Look:
    """Where one name was looked for."""

    found: Path | None = None
    places: list[str] = field(default_factory=list)  # inside the project
    outside: list[str] = field(default_factory=list)  # outside the project: not read
    loop: str | None = None


class _Finder:
    def __init__(self, doc: Document, project: Project, extra: Sequence[Path]) -> None:
        self.doc = doc
        self.project = project
        self.extra_names = {p.name for p in extra}
        self.out = Resolved()
        self.seen: set[str] = set()

    @functools.cached_property
    def limits(self) -> list[Path]:
        """The folders nothing outside of is read; resolved (symlinks followed) only when a name is
        looked up: most documents declare none."""
        limits = [Path(os.path.realpath(p)) for p in self.project.limits]
        cwd = Path(os.path.realpath(os.getcwd()))
        if _inside(Path(os.path.realpath(self.doc.path.parent)), [cwd]):
            limits.append(cwd)  # checked from the working directory: the user's project
        return limits

    def add(self, path: Path) -> None:
        real = os.path.realpath(path)
        if real not in self.seen:
            self.seen.add(real)
            self.out.files.append(path)

    def look(self, name: str, folders: Sequence[Path]) -> _Look:
        result = _Look()
        candidates = [Path(name)] if os.path.isabs(name) else [folder / name for folder in folders]
        for index, candidate in enumerate(dict.fromkeys(Path(os.path.abspath(c)) for c in candidates)):
            place = display_path(candidate)
            if not _inside(Path(os.path.realpath(candidate)), self.limits):
                result.outside.append(place)
                if index == 0:
                    break  # the name leaves the project from where it is written: nothing else is tried
                continue
            result.places.append(place)
            try:
                if os.path.isfile(candidate) and os.access(candidate, os.R_OK):
                    result.found = candidate
                    return result
                os.stat(candidate)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    result.loop = result.loop or place
        return result

    def problem(self, name: str, look: _Look) -> str:
        if look.loop is not None:
            return f"bibliography {name}: symlink loop at {look.loop}; {_NOT_JUDGED}"
        if not look.places:
            limit = display_path(self.project.limits[0])
            return f"bibliography {name} is outside the project ({limit}): not read; {_NOT_JUDGED}"
        outside = f"; outside the project, not read: {', '.join(look.outside)}" if look.outside else ""
        return f"bibliography {name} not found (searched: {', '.join(look.places)}{outside}); {_NOT_JUDGED}"

    def front_matter(self) -> None:
        folders = [self.doc.path.parent, *self.project.search]
        for declaration in self.doc.bib_declarations:
            where = [_hugo_site(self.doc.path.parent, self.limits)] if declaration.site_root else folders
            look = self.look(declaration.name, where)
            if look.found is not None:
                self.add(look.found)
            elif Path(declaration.name).name not in self.extra_names:  # `--bib` stands in for it
                self.out.unavailable = True
                self.out.diagnostics.append(
                    rules.BIB_ERROR.at(self.doc.display_path, declaration.span, self.problem(declaration.name, look))
                )

    def hugo_bundle(self) -> None:
        """hugo-cite's default: a page bundle's (`index.md`) first resource named `*bib*.json`, unless
        `bibFile:` names one."""
        doc = self.doc
        if (
            not doc.path.name.startswith(("index.", "_index."))
            or any(d.site_root for d in doc.bib_declarations)
            or not any(c.kind is CitationKind.HUGO for c in doc.citations)
        ):
            return
        try:
            names = sorted(n for n in os.listdir(doc.path.parent) if fnmatch.fnmatch(n.lower(), "*bib*.json"))
        except OSError:
            return
        if names and (found := self.look(names[0], [doc.path.parent]).found) is not None:
            self.add(found)

    def configs(self) -> None:
        for problem in self.project.problems:
            self.out.unavailable = True
            self.out.notices.append(
                f"{display_path(problem.config)}:{problem.line}:{problem.column}: {problem.message}; "
                "the bibliographies it declares are unknown, so citations missing from the others are not judged"
            )
        for declared in self.project.declared:
            if _same_file(declared.config, self.doc.path):
                continue  # a bookdown index.Rmd checked itself: its front matter speaks
            where = f"{display_path(declared.config)}:{declared.line}:{declared.column}"
            if declared.name.lower().startswith(("http://", "https://")):
                self._unread(f"{where}: bibliography {declared.name} is remote: not read; {_NOT_JUDGED}")
                continue
            look = self.look(declared.name, [declared.base])
            if declared.directory:
                self._directory(declared, where, look)
            elif look.found is not None:
                self.add(look.found)
            elif Path(declared.name).name not in self.extra_names:
                self._unread(f"{where}: {self.problem(declared.name, look)}")
        for path in self.project.found:
            look = self.look(str(path), [])
            if look.found is not None:
                self.add(look.found)

    def _directory(self, declared: Declared, where: str, look: _Look) -> None:
        folder = Path(os.path.normpath(declared.base / declared.name))
        if not look.places or look.loop is not None or not folder.is_dir():
            problem = (
                self.problem(declared.name, look)
                if not look.places or look.loop
                else (
                    f"bibliography folder {declared.name} not found (searched: {display_path(folder)}); {_NOT_JUDGED}"
                )
            )
            self._unread(f"{where}: {problem}")
            return
        try:
            names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".bib"))[:_MAX_DIRECTORY_FILES]
        except OSError as error:
            reason = error.strerror or str(error)
            self._unread(f"{where}: bibliography folder {declared.name} cannot be read ({reason}); {_NOT_JUDGED}")
            return
        if not names:
            self._unread(f"{where}: bibliography folder {declared.name} holds no .bib file; {_NOT_JUDGED}")
        for name in names:
            if (found := self.look(name, [folder]).found) is not None:
                self.add(found)

    def _unread(self, notice: str) -> None:
        self.out.unavailable = True
        self.out.notices.append(notice)


def display_path(path: Path) -> str:
    """`path` as the user would write it from the working directory (symlinks not followed: one may loop)."""
    try:
        return os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return str(path)


def _hugo_site(folder: Path, limits: Sequence[Path]) -> Path:
    """The Hugo site root above `folder` (a `hugo.*` or `config.*` beside a `content/` folder), where
    hugo-cite's `bibFile:` paths start; the document's folder when there is none."""
    for candidate in [folder, *folder.parents]:
        if not _inside(Path(os.path.realpath(candidate)), limits):
            break
        if (candidate / "content").is_dir() and any((candidate / name).is_file() for name in _HUGO_CONFIGS):
            return candidate
    return folder


def _inside(path: Path, limits: Sequence[Path]) -> bool:
    return any(path == limit or limit in path.parents for limit in limits)


def _same_file(a: Path, b: Path) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def resolve(doc: Document, project: Project, extra: Sequence[Path] = ()) -> Resolved:
    """The bibliographies of `doc`: its front matter's, then its project's; `extra` are the `--bib` files."""
    finder = _Finder(doc, project, extra)
    finder.front_matter()
    finder.hugo_bundle()
    finder.configs()
    return finder.out


__all__ = ["Resolved", "resolve"]

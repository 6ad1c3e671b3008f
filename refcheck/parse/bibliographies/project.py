"""The project a Markdown file belongs to, found upward from its folder, and what its generator's
config files say about bibliographies: Quarto, bookdown, Jupyter Book, mystmd, mkdocs-bibtex,
jekyll-scholar / al-folio and Manubot.

Each folder's project is worked out once per process; each config file is read once.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from refcheck.parse.bibliographies import yamltree

if TYPE_CHECKING:
    import yaml

_QUARTO = ("_quarto.yml", "_quarto.yaml")
_MKDOCS = ("mkdocs.yml", "mkdocs.yaml")
_MANUAL_REFERENCES = re.compile(r"^manual-references.*\.(?:json|bib|ya?ml)$", re.I)
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$", re.M)
_WALK_LIMIT = 2000  # folders visited when mystmd loads every .bib of its project
_SKIPPED_FOLDERS = {"node_modules", "_build", "site-packages", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Declared:
    """A bibliography a config file declares for the documents under it."""

    name: str  # as written
    config: Path  # the declaring file
    line: int
    column: int
    base: Path  # a relative name resolves against this folder
    directory: bool = False  # mkdocs-bibtex `bib_dir`: every .bib in the folder


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """A config file that could not be read: what it declares is unknown."""

    config: Path
    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class Project:
    """What a folder's generators declare; shared by every document of the folder."""

    root: Path  # the nearest generator's folder, else the git root, else the folder itself
    generators: tuple[str, ...] = ()
    declared: tuple[Declared, ...] = ()
    found: tuple[Path, ...] = ()  # bibliographies by convention (Manubot manual-references, mystmd *.bib)
    search: tuple[Path, ...] = ()  # where a front-matter name is looked up after the document's folder
    limits: tuple[Path, ...] = ()  # nothing outside these folders is read
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def manubot(self) -> bool:
        return "manubot" in self.generators

    @property
    def declares(self) -> bool:
        """Whether any bibliography applies here besides the document's own (bare `@key` is then a citation)."""
        return bool(self.declared or self.found or self.problems)


@dataclass(slots=True)
class _Collect:
    generators: list[str] = field(default_factory=list)
    declared: list[Declared] = field(default_factory=list)
    found: list[Path] = field(default_factory=list)
    search: list[Path] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)
    config_dirs: list[Path] = field(default_factory=list)

    def generator(self, name: str, folder: Path) -> None:
        if name not in self.generators:
            self.generators.append(name)
        self.config_dirs.append(folder)


def project_of(folder: Path) -> Project:
    """The project of the documents in `folder` (cached per folder for the process)."""
    return _project(os.path.abspath(folder))


@functools.lru_cache(maxsize=1024)
def _project(folder_text: str) -> Project:
    folder = Path(folder_text)
    chain = _folders_up(folder)
    out = _Collect()
    quarto_root = next((d for d in chain if _first(d, _QUARTO)), None)
    for index, directory in enumerate(chain):
        _quarto(out, directory, quarto_root, chain[index:])
        _bookdown(out, directory)
        _config_yml(out, directory)
        _mystmd(out, directory)
        _mkdocs(out, directory)
        _manubot(out, directory, folder)
    git_root = next((d for d in chain if (d / ".git").exists()), None)
    root = out.config_dirs[0] if out.config_dirs else git_root or folder
    # al-folio posts name a file of assets/bibliography/; jekyll-scholar's default source is _bibliography/.
    defaults = [root, root / "assets" / "bibliography", root / "_bibliography"]
    search = list(dict.fromkeys([*out.search, *defaults]))
    tops = [d for d in (git_root, *out.config_dirs) if d is not None]
    limit = min(tops, key=lambda d: len(d.parts)) if tops else folder
    return Project(
        root,
        tuple(out.generators),
        tuple(dict.fromkeys(out.declared)),
        tuple(dict.fromkeys(out.found)),
        tuple(search),
        (limit,),
        tuple(dict.fromkeys(out.problems)),
    )


def _folders_up(folder: Path) -> list[Path]:
    """`folder` and its parents, up to the git root, the home folder or the file-system root."""
    home = Path.home()
    chain = [folder]
    while not (chain[-1] / ".git").exists() and chain[-1] != home and chain[-1].parent != chain[-1]:
        chain.append(chain[-1].parent)
    return chain


def _first(directory: Path, names: tuple[str, ...]) -> Path | None:
    return next((directory / n for n in names if (directory / n).is_file()), None)


@functools.lru_cache(maxsize=256)
def _read_yaml(path: Path) -> tuple[yaml.Node | None, ConfigProblem | None]:
    """A config file's YAML tree, or the problem that stopped it being read."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as error:
        return None, ConfigProblem(path, 1, 1, f"cannot be read ({error.strerror or error})")
    try:
        return yamltree.load(text), None
    except yamltree.YamlError as error:
        return None, ConfigProblem(path, error.line, error.column, f"is not valid YAML ({error})")


def _declare(out: _Collect, config: Path, node: yaml.Node | None, base: Path, *, line_offset: int = 0) -> None:
    for scalar in yamltree.strings(node):
        out.declared.append(Declared(scalar.value, config, scalar.line + line_offset, scalar.column, base))


def _config(out: _Collect, path: Path) -> yaml.Node | None:
    node, problem = _read_yaml(path)
    if problem is not None:
        out.problems.append(problem)
    return node


def _quarto(out: _Collect, directory: Path, quarto_root: Path | None, above: list[Path]) -> None:
    """`_quarto.yml` of the project and `_metadata.yml` of the folders from the document's up to it."""
    if quarto_root is None or quarto_root not in above:
        return  # above the Quarto project
    metadata = directory / "_metadata.yml"
    if metadata.is_file():
        _quarto_bibliography(out, metadata, _config(out, metadata), directory)
    config = _first(directory, _QUARTO) if directory == quarto_root else None
    if config is not None:
        out.generator("quarto", directory)
        out.search.append(directory)
        _quarto_bibliography(out, config, _config(out, config), directory)


def _quarto_bibliography(out: _Collect, config: Path, node: yaml.Node | None, base: Path) -> None:
    _declare(out, config, yamltree.get(node, "bibliography"), base)
    formats = yamltree.get(node, "format")
    for name in yamltree.keys(formats):
        _declare(out, config, yamltree.get(formats, name, "bibliography"), base)


def _bookdown(out: _Collect, directory: Path) -> None:
    """A bookdown book: `index.Rmd`'s front matter `bibliography:` applies to every chapter."""
    index = directory / "index.Rmd"
    marked = (directory / "_bookdown.yml").is_file()
    if not marked and not index.is_file():
        return
    front = _front_matter(index) if index.is_file() else None
    if front is None:
        if marked:
            out.generator("bookdown", directory)
        return
    node, line_offset = front
    if not marked and "bookdown" not in str(getattr(yamltree.get(node, "site"), "value", "")):
        return  # an R Markdown index of something else
    out.generator("bookdown", directory)
    out.search.append(directory)
    _declare(out, index, yamltree.get(node, "bibliography"), directory, line_offset=line_offset)


def _front_matter(path: Path) -> tuple[yaml.Node | None, int] | None:
    """The YAML front matter node of a file (`---` … `---`) and the line it starts after."""
    try:
        text = path.read_bytes()[:200_000].decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    except OSError:
        return None
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return None
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        return None
    try:
        return yamltree.load(rest[: end.start()]), 1
    except yamltree.YamlError:
        return None


def _config_yml(out: _Collect, directory: Path) -> None:
    """`_config.yml`: Jupyter Book's `bibtex_bibfiles`, or Jekyll (jekyll-scholar `scholar: source:`)."""
    config = directory / "_config.yml"
    if not config.is_file():
        return
    node = _config(out, config)
    bibfiles = yamltree.get(node, "bibtex_bibfiles")
    if bibfiles is not None or yamltree.get(node, "sphinx") is not None:
        out.generator("jupyter-book", directory)
        _declare(out, config, bibfiles, directory)
        return
    out.generator("jekyll", directory)
    source = yamltree.strings(yamltree.get(node, "scholar", "source"))
    folder = source[0].value.strip("/") if source else "_bibliography"
    out.search.extend([directory / folder, directory / "assets" / "bibliography", directory])


def _mystmd(out: _Collect, directory: Path) -> None:
    """mystmd `myst.yml`: `project.bibliography`, else every .bib file of the project."""
    config = directory / "myst.yml"
    if not config.is_file():
        return
    out.generator("mystmd", directory)
    out.search.append(directory)
    node = _config(out, config)
    declared = yamltree.get(node, "project", "bibliography")
    if declared is not None:
        _declare(out, config, declared, directory)
    elif node is not None:
        out.found.extend(_bib_files_under(directory))


def _bib_files_under(directory: Path) -> list[Path]:
    found: list[Path] = []
    for visited, (current, folders, files) in enumerate(os.walk(directory)):  # symlinks to folders not followed
        if visited >= _WALK_LIMIT:
            break
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in _SKIPPED_FOLDERS)
        found.extend(Path(current) / f for f in sorted(files) if f.lower().endswith(".bib"))
    return found


def _mkdocs(out: _Collect, directory: Path) -> None:
    """mkdocs-bibtex: `plugins: - bibtex: {bib_file: …}` or `{bib_dir: …}`, relative to mkdocs.yml."""
    config = _first(directory, _MKDOCS)
    if config is None:
        return
    out.generator("mkdocs", directory)
    node = _config(out, config)
    plugins = yamltree.get(node, "plugins")
    options = yamltree.get(plugins, "bibtex")  # the mapping form of `plugins:`
    for item in yamltree.items(plugins):
        options = yamltree.get(item, "bibtex") or options
    for scalar in yamltree.strings(yamltree.get(options, "bib_file")):
        out.declared.append(Declared(scalar.value, config, scalar.line, scalar.column, directory))
    for scalar in yamltree.strings(yamltree.get(options, "bib_dir")):
        out.declared.append(Declared(scalar.value, config, scalar.line, scalar.column, directory, directory=True))


def _manubot(out: _Collect, directory: Path, folder: Path) -> None:
    """Manubot's `content/`: every `manual-references*.json|bib|yaml` is a bibliography."""
    if directory != folder or directory.name != "content":
        return
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    manual = [directory / n for n in names if _MANUAL_REFERENCES.match(n)]
    if not manual and "metadata.yaml" not in names:
        return
    out.generator("manubot", directory)
    out.found.extend(manual)


def clear_cache() -> None:
    """Forget projects and configs (tests that rewrite config files)."""
    _project.cache_clear()
    _read_yaml.cache_clear()

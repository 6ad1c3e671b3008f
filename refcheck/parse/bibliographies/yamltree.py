"""YAML read as a tree of positioned values, without constructing Python objects.

Site-generator configs carry tags no safe loader knows (mkdocs.yml's `!!python/name:…`) and the
place of each value matters (a finding sits on the line that declares a bibliography). Composing the
node tree needs no tag to be known, and every scalar keeps its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refcheck.model import Span

# PyYAML (~9 ms of imports) is imported by the functions, first by `load`, which every node they take
# comes from: a run that reads no YAML never imports it.
if TYPE_CHECKING:
    import yaml


class YamlError(Exception):
    """The text is not YAML; `line` and `column` (1-based) say where reading stopped."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Scalar:
    """A string as written in the YAML, with where it starts (1-based)."""

    value: str
    line: int
    column: int

    def span(self, line_offset: int = 0) -> Span:
        return Span.point(self.line + line_offset, self.column, len(self.value))


def load(text: str) -> yaml.Node | None:
    """The root node of the first document of `text`, or None for an empty one; YamlError if not YAML."""
    import yaml

    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlError(" ".join(str(error.problem or error).split()), line, column) from error
    except yaml.YAMLError as error:
        raise YamlError(" ".join(str(error).split()), 1, 1) from error


def get(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    """The value under `keys` of nested mappings, or None where a key is absent or not a mapping."""
    import yaml

    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return node


def strings(node: yaml.Node | None) -> list[Scalar]:
    """A scalar, or the scalars of a sequence: `bibliography: a.bib` and `bibliography: [a.bib, b.bib]`."""
    import yaml

    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    return [
        Scalar(str(item.value), item.start_mark.line + 1, item.start_mark.column + 1 + _quote(item))
        for item in items
        if isinstance(item, yaml.ScalarNode) and str(item.value).strip()
    ]


def _quote(node: yaml.ScalarNode) -> int:
    """A quoted scalar's text starts one column after its mark."""
    return 1 if node.style in ("'", '"') else 0


def items(node: yaml.Node | None) -> list[yaml.Node]:
    """The entries of a sequence (an empty list for anything else)."""
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def keys(node: yaml.Node | None) -> list[str]:
    """The scalar keys of a mapping."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return []
    return [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]

"""A document's front matter `bibliography:` (a name or a list) and hugo-cite's `bibFile:` → declarations
with their exact spans."""

from __future__ import annotations

from refcheck.model import BibDeclaration
from refcheck.parse.bibliographies import yamltree


def declarations(front_lines: list[str]) -> list[BibDeclaration]:
    """`front_lines` are the file's first lines, the opening `---` included."""
    if len(front_lines) < 2:
        return []
    try:
        node = yamltree.load("\n".join(front_lines[1:-1]))
    except yamltree.YamlError:
        return []  # front matter that is not YAML declares nothing refcheck can read
    return [
        BibDeclaration(scalar.value, scalar.span(line_offset=1))
        for scalar in yamltree.strings(yamltree.get(node, "bibliography"))
    ] + [
        BibDeclaration(scalar.value, scalar.span(line_offset=1), site_root=True)
        for scalar in yamltree.strings(yamltree.get(node, "bibFile"))
    ]

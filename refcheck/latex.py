"""LaTeX markup in BibTeX values (accents, braces, commands) → plain Unicode text."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _converter() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text  # ~5 ms of imports, for values with markup only

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=False)


@functools.lru_cache(maxsize=4096)
def latex_to_text(value: str) -> str:
    """Decode accents (`{\\"u}`, `\\'e`), drop grouping braces and commands, squeeze whitespace.

    Values without a backslash or `$` only lose their braces and `~` ties: pylatexenc is
    comparatively slow and most BibTeX values need nothing more.
    """
    if "\\" in value or "$" in value:
        try:
            text = _converter().latex_to_text(value)
        except Exception:  # pylatexenc raises assorted errors on broken markup; keep the raw text
            text = value.replace("{", "").replace("}", "")
    else:
        text = value.replace("{", "").replace("}", "")
    return _SPACES.sub(" ", text.replace("~", " ")).strip()

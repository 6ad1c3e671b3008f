"""Text folding for comparing titles and names: LaTeX, HTML, diacritics, dashes, quotes, case."""

from __future__ import annotations

import html
import re
import unicodedata

# Letters NFKD does not decompose into a base letter plus a combining mark.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "ŀ": "l",
    }
)
# German-style transliteration, tried as an alternative spelling of a name.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})

_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Commands that only format their argument: `\emph{X}` → `X`.
_FORMATTING = {
    "emph",
    "textbf",
    "textit",
    "textrm",
    "textsf",
    "texttt",
    "textsc",
    "textup",
    "textnormal",
    "text",
    "mathrm",
    "mathbf",
    "mathit",
    "mathsf",
    "mathtt",
    "mathcal",
    "mathbb",
    "mathfrak",
    "boldsymbol",
    "bm",
    "mbox",
    "hbox",
    "bf",
    "it",
    "em",
    "rm",
    "sc",
    "sf",
    "tt",
    "sl",
    "url",
    "textsuperscript",
    "textsubscript",
    "operatorname",
    "left",
    "right",
    "big",
    "Big",
    "protect",
    "relax",
    "ensuremath",
}
_LATEX_LETTERS = {
    "ss": "ss",
    "o": "o",
    "O": "O",
    "l": "l",
    "L": "L",
    "ae": "ae",
    "AE": "AE",
    "oe": "oe",
    "OE": "OE",
    "aa": "a",
    "AA": "A",
    "i": "i",
    "j": "j",
}
_LATEX_SYMBOLS = {
    "&": "&",
    "%": "%",
    "_": " ",
    "$": "$",
    "#": "#",
    "{": "",
    "}": "",
    " ": " ",
    ",": " ",
    ";": " ",
    "!": "",
    "-": "",
}
# `\"o`, `\'{e}`, `\v{c}`, `\c c`: the accent is dropped with the other diacritics.
_ACCENT = re.compile(r"""\\(["'`^~=.]|[uvHckdbtr](?![A-Za-z]))\s*(\{\s*(\\?[A-Za-z]+)\s*\}|\\?[A-Za-z])""")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s*|\\(.)")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_NON_WORD = re.compile(r"[^\w]+")


def latex_to_text(text: str) -> str:
    """Undo the LaTeX a title or name may carry: accents, formatting commands, braces, math delimiters."""
    if "\\" not in text and "{" not in text and "$" not in text and "~" not in text:
        return text
    text = _ACCENT.sub(lambda m: (m.group(3) or m.group(2)).lstrip("\\"), text)

    def command(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:
            return _LATEX_SYMBOLS.get(m.group(2), " ")
        if name in _FORMATTING:
            return ""
        if name in _LATEX_LETTERS:
            return _LATEX_LETTERS[name]
        return f" {name} "  # \alpha → alpha, \ell → ell: the same word a Unicode α folds to

    text = _COMMAND.sub(command, text)
    return text.replace("{", "").replace("}", "").replace("$", " ").replace("~", " ")


def _greek_name(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        return f" {name.rsplit(' ', 1)[-1].lower()} "
    return char


def fold(text: str, *, hyphen: str = " ") -> str:
    """Case-, accent- and punctuation-free words separated by single spaces.

    `hyphen` is what a hyphen or dash between letters becomes: " " (`pre-training` → `pre training`) or
    "" (`pretraining`); the comparison tries both.
    """
    text = html.unescape(html.unescape(text))  # Crossref titles are sometimes escaped twice
    text = _HTML_TAG.sub(" ", text)
    text = latex_to_text(text)
    text = text.translate(_LETTERS)
    text = "".join(_greek_name(c) if "\u0370" <= c <= "\u03ff" else c for c in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = _APOSTROPHES.sub("", text)  # don't → dont, O'Brien → obrien
    if hyphen == "":
        text = re.sub(r"(?<=\w)[-‐‑‒–—](?=\w)", "", text)
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return " ".join(text.split())


def umlaut_spelling(text: str) -> str:
    """`Müller` → `Mueller`, the other accepted spelling of a German name."""
    return text.translate(_UMLAUTS)

"""Author names: normalised surnames for comparison, and BibTeX author-field splitting."""

from __future__ import annotations

import functools
import re
import unicodedata

from refcheck.latex import latex_to_text

# Lower-case words that belong to the surname that follows them ("van der Berg", "de la Cruz").
PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "dela",
        "la",
        "le",
        "les",
        "du",
        "da",
        "das",
        "dos",
        "do",
        "di",
        "ten",
        "ter",
        "te",
        "zu",
        "zum",
        "zur",
        "vanden",
        "vander",
        "d'",
        "l'",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "bint",
        "st",
        "st.",
    }
)

# Comparing an entry with a database record (verify/compare.py) also strips these before a surname:
# there, dropping a leading particle only adds a comparison key, so an extra particle can only make
# two spellings of one name agree. The reference parser uses PARTICLES to find where a name starts
# and ends, where "Lo" or "Av" read as a particle would split a real surname, so they stay out of it.
RECORD_PARTICLES = PARTICLES | {"dei", "degli", "lo", "af", "av"}

# Letters NFKD does not split into base letter + mark.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
        "ß": "ss",
        "ʼ": "'",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)
_SPACES = re.compile(r"\s+")
_APOSTROPHE_SPACE = re.compile(r"'\s+")


@functools.lru_cache(maxsize=8192)
def normalise_surname(name: str) -> str:
    """Case-folded, accent-free surname with particles kept: `van der Berg` → `van der berg`.

    LaTeX escapes (`M{\\"u}ller`, `\\'e`, braces) are decoded first; hyphens and apostrophes stay.
    """
    text = latex_to_text(name) if ("\\" in name or "{" in name) else name
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD)
    text = _SPACES.sub(" ", text.casefold()).strip(" .,;:")
    text = _APOSTROPHE_SPACE.sub("'", text)
    # A possessive is not part of the name: "Halpern's (2019)" cites Halpern.
    return text[:-2] if text.endswith("'s") and len(text) > 3 else text


@functools.lru_cache(maxsize=4096)
def surname_keys(name: str) -> frozenset[str]:
    """Lenient comparison keys: the surname with and without particles and apostrophes.

    `van der Berg` → {`van der berg`, `berg`, `vanderberg`}; `O'Neil` → {`o'neil`, `oneil`};
    `The Pile Team` → also `pile team`. Two names match when their key sets intersect.
    """
    full = normalise_surname(name)
    keys = {full}
    words = full.split(" ")
    index = 0
    while index < len(words) - 1 and words[index] in PARTICLES:
        index += 1
    if index:
        keys.add(" ".join(words[index:]))
        keys.add("".join(words))
    if len(words) > 1 and words[0] == "the":
        keys.add(" ".join(words[1:]))
    for key in list(keys):
        if "'" in key:
            keys.add(key.replace("'", ""))
            keys.add(key.rpartition("'")[2])  # d'Alembert → alembert
    keys.discard("")
    return frozenset(keys)


def is_particle(word: str) -> bool:
    return word.casefold() in PARTICLES


# -- BibTeX author fields -----------------------------------------------------------------------


def split_bibtex_names(field: str) -> tuple[list[str], bool]:
    """Split a BibTeX `author`/`editor` value into surnames (not yet normalised) and `and others`.

    Follows BibTeX's rules: names are separated by `and` at brace depth 0; `Last, First`,
    `Last, Jr, First` and `First von Last` forms; a braced name (`{OpenAI}`) is one unit.
    """
    names = _split_top_level_and(field)
    et_al = False
    surnames: list[str] = []
    for name in names:
        if name.strip().casefold() in {"others", "et al.", "et al"}:
            et_al = True
            continue
        surname = _bibtex_surname(name)
        if surname:
            surnames.append(surname)
    return surnames, et_al


def _split_top_level_and(field: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    lower = field.lower()
    while i < len(field):
        ch = field[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch.isspace() and lower.startswith("and", i + 1):
            after = i + 4
            if after < len(field) and field[after].isspace():
                parts.append(field[start:i])
                start = after + 1
                i = after
        i += 1
    parts.append(field[start:])
    return [part.strip() for part in parts if part.strip()]


def _split_top_level(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _bibtex_surname(name: str) -> str:
    """The `von Last` part of one BibTeX name, LaTeX decoded."""
    if name.startswith("{") and name.endswith("}") and _balanced_outer(name):
        return latex_to_text(name)  # {Google Research}: a corporate name, kept whole
    commas = _split_top_level(name, ",")
    if len(commas) > 1:
        return latex_to_text(commas[0])  # "von Last, First" or "von Last, Jr, First"
    words = [w for w in _split_top_level(name, " ") if w]
    if len(words) <= 1:
        return latex_to_text(name)
    # "First von Last": the von part starts at the first lower-case word before the last word.
    last = len(words) - 1
    start = last
    for index in range(len(words) - 1):
        if _starts_lower(words[index]):
            start = index
            break
    return latex_to_text(" ".join(words[start:]))


def _balanced_outer(text: str) -> bool:
    depth = 0
    for index, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return False
    return True


def _starts_lower(word: str) -> bool:
    """BibTeX's test for a von-part word: its first letter at brace depth 0 is lower case."""
    depth = 0
    for ch in word:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch.isalpha():
            return depth == 0 and ch.islower()
    return False

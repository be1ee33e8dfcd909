"""What text from outside may hold: storable characters, no control codes, names that can be seen.

Three rules, each one function the request guard, the forms, the services and the API share:

- ``unstorable``: NUL and lone surrogates can be stored by no database column (PostgreSQL refuses
  NUL in text; a surrogate cannot be encoded as UTF-8), so text holding one is refused outright.
- ``control_problem``: control characters are refused, except tab and line breaks in multi-line text
  (browsers send a textarea's line breaks as CR LF).
- ``clean_name`` and ``clean_filename``: a name shown to others must hold something visible, and
  loses the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069) that
  would let "gnp.exe" read as "exe.png" or reverse the words around it.
"""

from __future__ import annotations

import unicodedata

NUL = "\x00"
# Characters that reorder the text around them: embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
# and isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_BIDI_TABLE = dict.fromkeys(ord(char) for char in BIDI_CONTROLS)
MULTILINE_CONTROLS = frozenset("\t\n\r")
# Letters and symbols that draw nothing, though Unicode does not class them as spaces or formats:
# the Hangul fillers, the Braille blank and the Mongolian vowel separator.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# Categories that draw nothing on their own: controls, formats (zero-width spaces and joiners, marks),
# separators (every kind of space) and combining marks with no letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


class TextError(ValueError):
    """Text that cannot be used; the message says why, in words a person can act on."""


def describe(char: str) -> str:
    """A character as people can look it up: ``U+0000 (NULL)``."""
    name = unicodedata.name(char, "") or {"\x00": "NULL"}.get(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


def unstorable(text: str) -> str | None:
    """The first character no database can store (NUL or a lone surrogate), or None."""
    if NUL in text:
        return NUL
    for char in text:
        if _is_surrogate(char):
            return char
    return None


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def first_control(text: str, *, multiline: bool = False) -> str | None:
    """The first control character ``text`` may not hold (tab and line breaks pass if multi-line)."""
    for char in text:
        if is_control(char) and not (multiline and char in MULTILINE_CONTROLS):
            return char
    return None


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` is refused for the characters it holds, or None when it may be used."""
    bad = unstorable(text) or first_control(text, multiline=multiline)
    if bad is None:
        return None
    if multiline:
        return f"The text contains {describe(bad)}; only tabs and line breaks may stand beside the words."
    return f"The text contains {describe(bad)}, a control character, which is not allowed here."


def without_bidi_controls(text: str) -> str:
    """``text`` with its bidirectional embeddings, overrides and isolates taken out."""
    return text.translate(_BIDI_TABLE)


def is_invisible(char: str) -> bool:
    return char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def clean_name(text: str, *, what: str = "name") -> str:
    """A name fit to show others: spaces collapsed, bidi controls removed; TextError when it holds
    a control character or nothing visible."""
    bad = unstorable(text) or first_control(text)
    if bad is not None:
        raise TextError(f"The {what} contains {describe(bad)}; use letters, digits and punctuation.")
    cleaned = " ".join(without_bidi_controls(text).split())
    if all(is_invisible(char) for char in cleaned):
        raise TextError(f"The {what} has no visible characters; type it with letters or digits.")
    return cleaned


def clean_filename(name: str) -> str:
    """A file name safe to store and show: its last path part, without control characters or bidi
    controls, spaces collapsed; TextError when nothing visible is left."""
    kept = "".join(
        char for char in without_bidi_controls(name) if not is_control(char) and not _is_surrogate(char)
    )
    cleaned = " ".join(kept.replace("\\", "/").rsplit("/", 1)[-1].split())
    if all(is_invisible(char) for char in cleaned):
        raise TextError("The file needs a name with something visible in it.")
    return cleaned


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"

"""Characters that show nothing: whitespace, controls (Unicode category Cc) and format
characters (Cf: zero-width spaces and joiners, the byte-order mark, the soft hyphen, bidi marks).

`str.strip()` keeps all but whitespace: a question of "\\u200b" reached the LLM, and 60 x
"\\u200b" passed for a job description of 50 characters. Client text is judged by these instead.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE_CATEGORIES = ("Cc", "Cf")


def is_invisible(character: str) -> bool:
    """Whether `character` shows nothing: whitespace, a control or a format character."""
    return character.isspace() or unicodedata.category(character) in _INVISIBLE_CATEGORIES


def visible_count(text: str) -> int:
    """Return how many characters of `text` show something."""
    return sum(not is_invisible(character) for character in text)


def reading_length(text: str) -> int:
    """Return how long `text` reads: each run of whitespace one gap, other invisible characters none."""
    # A job description's 50-character minimum (SPEC) counts the spaces between its words, not padding.
    return len(" ".join("".join(c if c.isspace() or not is_invisible(c) else "" for c in text).split()))


def _visible_character_pattern() -> str:
    # Built from the same rule, so the schema cannot drift from the validator. Only the Basic
    # Multilingual Plane: a JSON Schema (ECMA-262) class without the `u` flag holds no astral
    # characters, so the few astral format characters (tags, musical controls) are refused by
    # the validator alone.
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if not 0xD800 <= code <= 0xDFFF and is_invisible(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    spans = (f"\\u{first:04x}" + (f"-\\u{last:04x}" if last > first else "") for first, last in ranges)
    return f"[^{''.join(spans)}]"


# "Holds at least one visible character", as a JSON Schema pattern (matched anywhere in the text).
VISIBLE_CHARACTER_PATTERN = _visible_character_pattern()

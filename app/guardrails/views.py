"""The normalised views of a text that the input guard matches its rules against.

Attackers dress the same words up in many ways, and no single normal form undoes them all:
NFKC folds full-width and mathematical letters but not Cyrillic or Greek look-alikes,
leetspeak needs digits read as letters (which would garble real numbers), s p a c e d
letters need joining (which would glue real words together), and base64 hides the text
entirely. So the guard matches each rule against every view and blocks if any view matches.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re
import unicodedata
from collections.abc import Iterator
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

# Zero-width and other invisible format characters split words without showing.
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
_SPACES = re.compile(r"[^\S\n]+")
# Three or more single letters in a row, split by spaces or punctuation: "i g n o r e", "I.g.n.o.r.e".
_SPACED_LETTERS = re.compile(r"(?<!\w)(?:\w[ \t.\-_*·|/\\]{1,4}){2,}\w(?!\w)")
_LETTER_SEPARATOR = re.compile(r"[ \t.\-_*·|/\\]+")
# Hyphens, dots and the like inside a word: "ig-nore", "in.struc.tions".
_INWORD_SEPARATOR = re.compile(r"(?<=[^\W\d_])[-.*_·'\u2019]+(?=[^\W\d_])")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"})
# "1" and "|" stand for "i" or "l": each word takes the reading the guard knows (see `read_leet`).
_ONE_OR_BAR = re.compile(r"[1|]")
_LEET_WORD = re.compile(r"[\w|@$]+")  # not "...*[1|]...*": that backtracks quadratically on long words
MAX_AMBIGUOUS = 4  # "1"s per word whose readings are tried; more are read as "i"
MAX_DECODED = 4  # base64 payloads decoded per text: enough for real attacks, bounded work
# A text that names ROT13 gets a view read through it: the payload is useless to an attacker
# unless the model is told how to read it, and reading every text so would double the work.
_ROT13_NAMED = re.compile(r"\brot[\W_]?13\b", re.IGNORECASE)


def strip_marks(text: str) -> str:
    """Casefold, apply NFKC, drop invisible characters and accents (é -> e); keep the script."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@cache
def _look_alikes() -> dict[int, str]:
    """Map every non-ASCII letter that looks like an ASCII letter to that letter (Cyrillic U+0430 -> a)."""
    table: dict[int, str] = {}
    for char, entries in confusables_data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        latin = _ascii_letter(entries) or _ascii_letter(
            [deeper for entry in entries for deeper in confusables_data.get(entry["c"], [])]
        )
        if latin:
            table[ord(char)] = latin.lower()
    return table


def _ascii_letter(entries: list[dict[str, str]]) -> str | None:
    return next((e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalpha()), None)


def fold_look_alikes(text: str) -> str:
    """Replace look-alike letters from other scripts by the ASCII letters they imitate."""
    return text.translate(_look_alikes())


def join_spaced_letters(text: str) -> str:
    """Glue letters split by spaces or punctuation back into words ("i g n o r e  y o u r" -> "ignore your")."""
    text = _SPACED_LETTERS.sub(lambda m: _glue(m.group()), text)
    return _INWORD_SEPARATOR.sub("", text)


def _glue(run: str) -> str:
    # Letters are split by the narrowest gap of the run; a wider one is where a word ended.
    narrowest = min(len(gap) for gap in _LETTER_SEPARATOR.findall(run))
    return _LETTER_SEPARATOR.sub(lambda gap: " " if len(gap.group()) > narrowest else "", run)


def decoded_payloads(text: str) -> Iterator[str]:
    """Yield the readable text hidden in base64 runs of `text`."""
    found = 0
    for match in _BASE64_RUN.finditer(text):
        run = match.group().rstrip("=")
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), altchars=b"-_" if "-" in run or "_" in run else None)
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if decoded and sum(c.isprintable() or c.isspace() for c in decoded) / len(decoded) > 0.95:
            yield decoded
            found += 1
            if found >= MAX_DECODED:
                return


def read_leet(text: str, known_words: frozenset[str]) -> str:
    """Read digits and symbols as the letters they imitate: "r3v34l" -> "reveal", "ru13s" -> "rules".

    A "1" may be an "i" or an "l"; each word takes the first reading found in `known_words`,
    else "i".
    """
    return _LEET_WORD.sub(lambda m: _read_word(m.group().translate(_LEET), known_words), text.translate(_LEET))


def _read_word(word: str, known_words: frozenset[str]) -> str:
    pieces = _ONE_OR_BAR.split(word)
    if len(pieces) == 1:
        return word
    ambiguous = min(len(pieces) - 1, MAX_AMBIGUOUS)
    for choice in itertools.product("il", repeat=ambiguous):
        letters = [*choice, *"i" * (len(pieces) - 1 - ambiguous)]
        reading = pieces[0] + "".join(letter + piece for letter, piece in zip(letters, pieces[1:], strict=True))
        if reading in known_words:
            return reading
    return _ONE_OR_BAR.sub("i", word)


def views(text: str, known_words: frozenset[str] = frozenset(), *, decode: bool = True) -> list[str]:
    """Return the distinct normalised views of `text`, the plain one first.

    `known_words` (the words the rules look for) decide how leetspeak's ambiguous "1" is read.
    """
    unmarked = strip_marks(text)
    plain = _SPACES.sub(" ", unmarked)
    latin = fold_look_alikes(plain)
    # Glued before the spaces are folded: a wider gap between letters is where a word ended.
    joined = _SPACES.sub(" ", join_spaced_letters(fold_look_alikes(unmarked)))
    candidates = [plain, latin, joined, read_leet(latin, known_words), read_leet(joined, known_words)]
    if decode:
        if _ROT13_NAMED.search(text):
            candidates.extend(views(codecs.encode(text, "rot13"), known_words, decode=False))
        for payload in decoded_payloads(text):
            candidates.extend(views(payload, known_words, decode=False))
    return list(dict.fromkeys(candidates))

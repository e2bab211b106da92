"""Words of a text: split, folded, stop words dropped, stemmed with the Snowball English stemmer."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import snowballstemmer

# Letters and digits of any script, `_` excluded; a trailing `+` or `#` stays ("c++", "c#").
_WORD = re.compile(r"[^\W_]+[+#]*")
_STEMMER = snowballstemmer.stemmer("english")


def _load_stop_words() -> frozenset[str]:
    text = resources.files(__package__).joinpath("stop_words.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() for word in line.split("#", 1)[0].split())


STOP_WORDS = _load_stop_words()


def words(text: str) -> list[str]:
    """Return the words of `text`, case-folded, in order (repeats kept)."""
    found = _WORD.findall(unicodedata.normalize("NFKC", text))
    # Fold each word after splitting: casefold() can add combining marks (İ -> i + U+0307)
    # that are not word characters and would split the word; drop them instead.
    return ["".join(c for c in word.casefold() if c.isalnum() or c in "+#") for word in found]


def content_words(text: str) -> list[str]:
    """Return the words of `text` that carry meaning, in order, without repeats."""
    kept = (word for word in words(text) if word not in STOP_WORDS and (len(word) > 1 or word[-1] in "+#"))
    return list(dict.fromkeys(kept))


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Return the Snowball English stem of one case-folded word ("salaries" -> "salari")."""
    return str(_STEMMER.stemWord(word))


def content_stems(text: str) -> frozenset[str]:
    """Return the stems of the content words of `text`."""
    return frozenset(stem(word) for word in content_words(text))

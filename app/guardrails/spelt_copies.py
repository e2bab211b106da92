"""Copies spelt out letter by letter, for the output filter (`app.guardrails.output_filter`).

The filter splits an answer into words at anything that is no letter or digit, so a copy of the
instructions written "Y o u   a n s w e r", "Y.o.u a.n.s.w.e.r" or "Y-o-u" reaches it as words of
one letter each, none of which its word-for-word match can follow. Here those letters are
followed through each protected text's letters, with the word breaks of both sides dropped:
where the copy marks the end of a word (a wider gap, another separator, nothing) does not matter.
The input guard rejoins spaced letters into words instead (`views.join_spaced_letters`), but it
finds a word's end by the narrowest gap of the whole run, which a stream has not seen yet, and
it reads "Y.o.u a.n.s.w.e.r" as one word; reading letters needs neither.

A copy starts at two one-letter words in a row and may then go on through whole words ("Y o u
answer r e c r u i t e r s"). It is a leak once it spells as many whole protected words as a
word-for-word copy must repeat. An honest answer's letters ("A W S", "C I / C D", "R & D",
"U.S.", "J. R. R. Tolkien") spell a protected text for a few letters at most.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class _Letters:
    letters: str  # the text's words run together
    word_starts: tuple[int, ...]  # where each word begins in `letters`
    word_ends: tuple[int, ...]  # where each word ends (exclusive)
    pairs: dict[str, tuple[int, ...]]  # two letters in a row -> where they begin


@lru_cache(maxsize=512)  # the same instructions and passages come back turn after turn
def _spell(words: tuple[str, ...]) -> _Letters:
    starts, ends, at = [], [], 0
    for word in words:
        starts.append(at)
        at += len(word)
        ends.append(at)
    letters = "".join(words)
    pairs: dict[str, list[int]] = {}
    for index in range(len(letters) - 1):
        pairs.setdefault(letters[index : index + 2], []).append(index)
    return _Letters(letters, tuple(starts), tuple(ends), {pair: tuple(found) for pair, found in pairs.items()})


class SpeltCopies:
    """Follows one answer's letters through the protected texts; fed one normal word at a time."""

    def __init__(self, protected: Sequence[tuple[tuple[str, ...], int]]) -> None:
        """Watch each `(words of a text, whole words that make a leak)`."""
        self._texts = [(_spell(words), leak) for words, leak in protected]
        self._last_letter = ""  # the previous word, when it was a single letter: a copy may start there
        # (text, index of the next letter to match) -> (answer words in the copy, its first letter)
        self._runs: dict[tuple[int, int], tuple[int, int]] = {}

    @property
    def held(self) -> int:
        """How many of the answer's last words may be part of a copy in progress."""
        if not self._runs:
            return 1 if self._last_letter else 0
        return max(words for words, _ in self._runs.values())

    def judge(self, word: str) -> int:
        """Extend the copies with one word; return the answer words of a copy that became a leak, else 0."""
        pair = self._last_letter + word if len(word) == 1 and self._last_letter else ""  # may start a copy
        self._last_letter = word if len(word) == 1 else ""
        if not self._runs and not pair:  # nearly every word of an honest answer: no work
            return 0
        runs: dict[tuple[int, int], tuple[int, int]] = {}
        for (text, at), (words, first) in self._runs.items():
            if self._texts[text][0].letters.startswith(word, at):
                runs[(text, at + len(word))] = (words + 1, first)
        if pair:
            for text, (spelt, _) in enumerate(self._texts):
                for at in spelt.pairs.get(pair, ()):
                    runs.setdefault((text, at + 2), (2, at))
        # A copy that cannot spell enough whole words before its text ends needs no holding back.
        self._runs = {
            key: run for key, run in runs.items() if self._words_left(key[0], run[1]) >= self._texts[key[0]][1]
        }
        return max(
            (
                words
                for (text, at), (words, first) in self._runs.items()
                if self._whole_words(text, first, at) >= self._texts[text][1]
            ),
            default=0,
        )

    def _words_left(self, text: int, first: int) -> int:
        starts = self._texts[text][0].word_starts
        return len(starts) - bisect.bisect_left(starts, first)

    def _whole_words(self, text: int, first: int, end: int) -> int:
        """How many of the text's words lie whole between letters `first` and `end`."""
        spelt = self._texts[text][0]
        return bisect.bisect_right(spelt.word_ends, end) - bisect.bisect_left(spelt.word_starts, first)

"""The output filter: withholds an answer that starts repeating protected text (the system
prompt, the raw resume context) word for word, or spelt out letter by letter (`spelt_copies`),
as it streams (implements `app.guardrails.types.OutputFilter` and `OutputFilterFactory`).

It follows every place in the protected texts where the answer's last words could be a
verbatim copy, and holds back only those words (plus a word still being typed): once the
copy breaks off they are sent, once it grows long enough to be a leak they are dropped
with the rest of the answer, and a short notice ends it cleanly.

How long a copy must be to count as a leak depends on what is copied. Any few words of the
instructions in a row are a leak. The resume passages are meant to be quoted (a recruiter
asked about them), so only a copy of most of a passage, a dump, is one.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import structlog

from app.guardrails.spelt_copies import SpeltCopies
from app.telemetry.metrics import GUARDRAIL_WITHHELD

log = structlog.get_logger(__name__)

WITHHELD_NOTICE = (
    "\n\n(I can't share my internal instructions or the raw resume notes; please ask about the candidate.)"
)
# Words are runs of letters and digits, whatever joins them: split at whitespace, a prompt copied
# as "You-answer-recruiters'-questions…" was one "word" and matched nothing. Combining marks and
# invisible format characters (zero-width space, soft hyphen) inside a word keep it one word.
_INSIDE_RANGES = ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                  (0xAD, 0xAD), (0x200B, 0x200F), (0x2060, 0x2064), (0xFEFF, 0xFEFF))  # fmt: skip
_MARKS = "".join(chr(code) for low, high in _INSIDE_RANGES for code in range(low, high + 1))
_INSIDE = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _INSIDE_RANGES)
_WORD = re.compile(rf"[^\W_][^\W_{_INSIDE}]*(?:[{_INSIDE}]+[^\W_]+)*")
_LAST_WORD = re.compile(rf"[^\W_]?[^\W_{_INSIDE}]*(?:[{_INSIDE}]+[^\W_]*)*\Z")


def _normal(word: str) -> str:
    """The form words are compared in: NFKC, case-folded, letters and digits only; a number alone
    is no word, so "1 You 2 answer 3 recruiters" copies as "You answer recruiters" does."""
    normal = "".join(c for c in unicodedata.normalize("NFKC", word).casefold() if c.isalnum())
    return "" if normal.isdigit() else normal


@lru_cache(maxsize=512)  # the same instructions and passages come back turn after turn
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (_normal(m) for m in _WORD.findall(text)) if w)


@dataclass(frozen=True, slots=True)
class _Protected:
    words: tuple[str, ...]
    positions: dict[str, tuple[int, ...]]  # word -> where it occurs
    leak_words: int  # a verbatim run this long is a leak


class LeakFilter:
    """One answer's filter; see the module docstring."""

    def __init__(self, protected: Sequence[tuple[str, int]]) -> None:
        """Watch for verbatim runs of each `(text, words that make a leak)`."""
        self.withheld = False
        self._texts = [found for text, leak in protected if (found := _protect(text, leak)).words]
        # Every protected word, sorted: an unfinished word that starts none of them cannot
        # become part of a copy, so its piece need not wait for the next delta.
        self._vocabulary = sorted({word for text in self._texts for word in text.words})
        self._spelt = SpeltCopies([(text.words, text.leak_words) for text in self._texts])  # "Y o u  a n s w e r"
        self._pending = ""  # received, not yet sent
        self._pieces: list[str] = []  # `_pending` as the deltas it arrived in: each is sent whole
        self._judged = 0  # how much of `_pending` the matcher has seen (whole words only)
        self._starts: list[int] = []  # where each judged word still in `_pending` starts
        self._runs: dict[tuple[int, int], int] = {}  # (text, index of its last matched word) -> run length

    def feed(self, text: str) -> list[str]:
        """Take the next piece of the answer; return the pieces that may be sent now (maybe none)."""
        if self.withheld:
            return []
        self._pending += text
        self._pieces.append(text)
        # A word is judged once something that is no letter follows it: "sys" may still become "system".
        for match in _WORD.finditer(self._pending, self._judged):
            if not self._pending[match.end() :].lstrip(_MARKS):  # a mark may still join a letter to it
                break
            if leak := self._judge(match):
                return self._withhold(leak)
        return self._release()

    def finish(self) -> list[str]:
        """The answer ended: return the held pieces, unless the last word completes a leak."""
        if self.withheld:
            return []
        for match in _WORD.finditer(self._pending, self._judged):
            if leak := self._judge(match):
                return self._withhold(leak)
        rest, self._pieces, self._pending = self._pieces, [], ""
        return rest

    def _judge(self, match: re.Match[str]) -> int:
        """Extend the runs with one word; return the length of a run that became a leak, else 0."""
        self._judged = match.end()
        word = _normal(match.group())
        if not word:
            return 0
        self._starts.append(match.start())
        runs: dict[tuple[int, int], int] = {}
        for (text, index), length in self._runs.items():
            words = self._texts[text].words
            if index + 1 < len(words) and words[index + 1] == word:
                runs[(text, index + 1)] = length + 1
        for text, protected in enumerate(self._texts):
            for index in protected.positions.get(word, ()):
                runs.setdefault((text, index), 1)
        # A run that cannot grow into a leak before its text ends needs no holding back.
        self._runs = {
            (text, index): length
            for (text, index), length in runs.items()
            if length + len(self._texts[text].words) - 1 - index >= self._texts[text].leak_words
        }
        leak = max((n for (text, _), n in self._runs.items() if n >= self._texts[text].leak_words), default=0)
        return max(leak, self._spelt.judge(word))

    def _release(self) -> list[str]:
        """Send the whole pieces before the words a live run (or an unfinished word) holds: one event
        per LLM delta, as they came (SPEC §3), only later."""
        held = max(max(self._runs.values(), default=0), self._spelt.held)
        tail = self._pending[self._judged :]
        typing = _LAST_WORD.search(self._pending)
        unfinished = len(self._pending) if self._cannot_grow(tail) or typing is None else typing.start()
        cut = self._starts[-held] if held else unfinished
        sent: list[str] = []
        size = 0
        while self._pieces and size + len(self._pieces[0]) <= cut:
            size += len(self._pieces[0])
            sent.append(self._pieces.pop(0))
        self._starts = [start - size for start in self._starts[len(self._starts) - held :]] if held else []
        self._judged = max(0, self._judged - size)
        self._pending = self._pending[size:]
        return sent

    def _cannot_grow(self, tail: str) -> bool:
        """True when the unfinished word in `tail` is the start of no protected word."""
        start = _normal(tail)
        if not start:
            return True
        found = bisect.bisect_left(self._vocabulary, start)
        return found == len(self._vocabulary) or not self._vocabulary[found].startswith(start)

    def _withhold(self, leak: int) -> list[str]:
        """Drop the leaking run and everything after it; send what came before and the notice."""
        before = self._pending[: self._starts[-leak]]
        self.withheld = True
        self._pending, self._pieces, self._runs, self._starts = "", [], {}, []
        GUARDRAIL_WITHHELD.inc()
        log.warning("guardrail.output_withheld")
        return [before + WITHHELD_NOTICE]


@lru_cache(maxsize=512)
def _protect(text: str, leak_words: int) -> _Protected:
    # Cached: the same instructions and passages come back turn after turn (the retrieval
    # cache), and indexing them cost ~0.75 ms per turn. Callers only read the result.
    words = _words(text)
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(words):
        positions.setdefault(word, []).append(index)
    return _Protected(words, {word: tuple(found) for word, found in positions.items()}, leak_words)


@dataclass(frozen=True, slots=True)
class LeakFilterFactory:
    """Makes one `LeakFilter` per answer (an `OutputFilterFactory`).

    `protected[0]` is the instructions (the system prompt; "" when there are none), the
    rest is the raw context, one passage each: the chat turn passes them in this order.
    """

    instruction_words: int = 8  # this many words of the instructions in a row are a leak
    context_fraction: float = 0.5  # this share of one passage in a row is a dump ...
    # ... but never fewer words than this: a short passage quoted whole is an answer ("her
    # strongest skills" listed as the resume lists them was cut after one line at 24) ...
    context_min_words: int = 80
    context_max_words: int = 120  # ... nor more (they are held back while the copy lasts)

    def __call__(self, protected: Sequence[str]) -> LeakFilter:
        instructions, context = protected[:1], protected[1:]
        # Instructions shorter than `instruction_words` leak when copied whole.
        thresholds = [(text, min(self.instruction_words, len(_words(text)))) for text in instructions]
        thresholds.extend((text, self._dump_words(text)) for text in context)
        return LeakFilter(thresholds)

    def _dump_words(self, passage: str) -> int:
        share = round(self.context_fraction * len(_words(passage)))
        return max(self.context_min_words, min(self.context_max_words, share))

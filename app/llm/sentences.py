"""Sentences and word stems of resume text, for the offline answerer's extractive matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.retrieval.types import Passage

MAX_SENTENCE_CHARS = 400

# Question filler plus common English function words; recruiters' questions are full of
# "what experience does she have", which must not match every sentence of a resume.
_STOP_TEXT = """a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing done during each either else ever
    every few for from further get got had has have having he her here hers him his how i if
    in into is it its itself just know let like many may me might more most much must my
    no nor not of off on once only or other our out over own please same say she should so
    some such tell than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom whose why
    will with within would yes yet you your candidate candidates person someone anything
    something experience experiences describe explain give show example examples kind sort
    thing things work worked working"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
# Tried longest first; one suffix at most, so both sides of a comparison stem alike.
_SUFFIX_TEXT = "ations ation ments ment ness ship ings ing ies ied ers er ed es s"
_SUFFIXES = tuple(_SUFFIX_TEXT.split())
_WORD = re.compile(r"\w+[+#]*")  # keeps "c++", "c#", "f#" as words
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not splitlines(): U+2028 is text, not a break
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?P<rest>.*\S)")
_KEY_VALUE = re.compile(r"^\s*[^\W\d_][\w /&'()-]{0,40}:\s+\S")
# Where a folded snippet had a bullet or a `Label: value` line (e.g. "Technical work: ").
_FOLDED_BULLET = re.compile(r"\s+-\s+(?=\S)")
_FOLDED_LABEL = re.compile(r"\s+(?=[A-Z][a-z]+(?: [a-z]+)?: )")


@dataclass(frozen=True, slots=True)
class Sentence:
    passage: int  # index in request.passages: retrieval rank
    position: int  # index within the passage: keeps the original order
    text: str
    stems: frozenset[str]


def restore_lines(passage: Passage) -> str:
    """Return the passage text without its leading title, with its line structure back.

    memvid returns snippets with all whitespace folded to single spaces, so bullets and
    `Key: value` lines run together; they are split again where they visibly start.
    """
    text = passage.text.strip()
    if passage.title and text.startswith(passage.title):
        text = text[len(passage.title) :].lstrip()
    if "\n" not in text:
        text = _FOLDED_LABEL.sub("\n", _FOLDED_BULLET.sub("\n- ", text))
    # Tag lines are keywords for search, not sentences worth quoting.
    return "\n".join(line for line in _LINE_BREAK.split(text) if not line.startswith("Tags:"))


def split_sentences(passage: int, text: str) -> list[Sentence]:
    """Split passage text into sentences; bullet and `Key: value` lines are one each."""
    pieces: list[str] = []
    paragraph: list[str] = []
    for line in [*_LINE_BREAK.split(text), ""]:
        bullet = _BULLET.match(line)
        standalone = bullet is not None or _KEY_VALUE.match(line) is not None
        if standalone or not line.strip() or line.lstrip().startswith("#"):
            pieces.extend(_SENTENCE_END.split(" ".join(paragraph)) if paragraph else [])
            paragraph = []
            if standalone:
                pieces.append(bullet.group("rest") if bullet else line.strip())
        else:
            paragraph.append(line.strip())
    result: list[Sentence] = []
    for piece in pieces:
        stems = content_stems(piece)
        if stems:
            result.append(Sentence(passage, len(result), clip(piece.strip()), stems))
    return result


def content_stems(text: str) -> frozenset[str]:
    """Return the stems of the content words of `text`."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return frozenset(_stem(w) for w in words if w not in _STOP_WORDS and (len(w) > 1 or w[-1] in "+#"))


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def matches(question: frozenset[str], stems: frozenset[str]) -> set[str]:
    """Return the question stems found in `stems`, allowing a short prefix difference."""
    return {q for q in question if q in stems or any(_prefix_match(q, s) for s in stems)}


def _prefix_match(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    # "lead"/"leader" match; "java"/"javascript" do not.
    return len(short) >= 4 and len(long) - len(short) <= 3 and long.startswith(short)


def clip(text: str) -> str:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    return text[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"

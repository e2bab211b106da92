"""The offline answerer: an honest extractive answer quoted from the retrieved passages.

Used when no LLM is configured (SPEC §2). It never invents text: it picks the passage
sentences that share the most content words with the question, cites where each came
from, and says plainly when nothing matches.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from app.llm.types import AnswerRequest, Finished, LLMEvent, Token
from app.retrieval.query import query_terms
from app.retrieval.types import Passage

PREAMBLE = "No language model is configured, so this answer is quoted directly from the resume."
NOTHING_FOUND = "I could not find anything in the resume that answers this question."
NO_PASSAGES = "The resume search returned nothing for this question."
MAX_SENTENCES = 5
MAX_QUOTE_CHARS = 900
MAX_SENTENCE_CHARS = 400
MAX_SUGGESTIONS = 3
WORDS_PER_TOKEN = 3

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
_CHUNK = re.compile(r"\s*\S+\s*")
# Where a folded snippet had a bullet or a `Label: value` line (e.g. "Technical work: ").
_FOLDED_BULLET = re.compile(r"\s+-\s+(?=\S)")
_FOLDED_LABEL = re.compile(r"\s+(?=[A-Z][a-z]+(?: [a-z]+)?: )")


@dataclass(frozen=True, slots=True)
class _Sentence:
    passage: int  # index in request.passages: retrieval rank
    position: int  # index within the passage: keeps the original order
    text: str
    stems: frozenset[str]


class OfflineAnswerer:
    """Answer by quoting the passages that match the question; no network, no model."""

    name = "offline"

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        """Yield the extractive answer as several tokens, then one `Finished`."""
        answer = compose_answer(request)
        for chunk in _chunks(answer):
            yield Token(chunk)
        yield Finished(finish_reason="stop", usage=None)

    def close(self) -> None:
        """Release nothing: this answerer holds no connection."""


def compose_answer(request: AnswerRequest) -> str:
    """Return the whole offline answer for `request`."""
    chosen = _select(_question_stems(request.question), request.passages)
    if not chosen:
        return "\n\n".join([PREAMBLE, *_nothing_found(request)])
    return "\n\n".join([PREAMBLE, *_cite(chosen, request.passages)])


def _question_stems(question: str) -> frozenset[str]:
    """Return the question's content stems plus the forms retrieval searched it under.

    Retrieval expands "cloud" to "aws", "gcp"...; the sentences it found for those words
    must count as answers here too.
    """
    searched = " ".join(form for term in query_terms(question) for form in term.forms)
    return _content_stems(question) | _content_stems(searched)


def _nothing_found(request: AnswerRequest) -> list[str]:
    parts = [NOTHING_FOUND if request.passages else NO_PASSAGES]
    suggestions = [q.strip() for q in request.suggested_questions if q.strip()][:MAX_SUGGESTIONS]
    if suggestions:
        parts.append("You could ask instead:\n" + "\n".join(f"- {q}" for q in suggestions))
    else:
        parts.append("Try asking about a specific skill, company or role.")
    return parts


def _select(question: frozenset[str], passages: tuple[Passage, ...]) -> list[_Sentence]:
    """Pick the best-matching sentences within the sentence and character budgets."""
    if not question:
        return []
    sentences = [s for i, p in enumerate(passages) for s in _sentences(i, _restore_lines(p))]
    hits = [_matches(question, s.stems) for s in sentences]
    titles = [_matches(question, _content_stems(p.title)) for p in passages]
    # Weigh each question word by its rarity, so a rare skill outranks a common word.
    idf = {q: 1.0 + math.log((len(sentences) + 1) / (1 + sum(q in h for h in hits))) for q in question}
    scored: list[tuple[float, _Sentence]] = []
    for sentence, found in zip(sentences, hits, strict=True):
        # A title match counts for the sentences under it ("at Acme" finds Acme's bullets),
        # but for less than the sentence's own words.
        title_only = titles[sentence.passage] - found
        score = sum(idf[q] for q in found) + 0.5 * sum(idf[q] for q in title_only)
        if score > 0:
            scored.append((score, sentence))
    scored.sort(key=lambda item: (-item[0], item[1].passage, item[1].position))
    chosen: list[_Sentence] = []
    used = 0
    for _, sentence in scored:
        if len(chosen) < MAX_SENTENCES and used + len(sentence.text) <= MAX_QUOTE_CHARS:
            chosen.append(sentence)
            used += len(sentence.text)
    return chosen


def _cite(chosen: list[_Sentence], passages: tuple[Passage, ...]) -> list[str]:
    """Group the sentences by passage, most relevant passage first, original order inside."""
    order = list(dict.fromkeys(s.passage for s in chosen))
    lines = []
    for index in order:
        picked = sorted((s for s in chosen if s.passage == index), key=lambda s: s.position)
        title = passages[index].title.strip() or "the resume"
        lines.append(f"From *{_escape(title)}*: " + " ".join(_terminated(s.text) for s in picked))
    return lines


def _restore_lines(passage: Passage) -> str:
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


def _sentences(passage: int, text: str) -> list[_Sentence]:
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
    result: list[_Sentence] = []
    for piece in pieces:
        stems = _content_stems(piece)
        if stems:
            result.append(_Sentence(passage, len(result), _clip(piece.strip()), stems))
    return result


def _content_stems(text: str) -> frozenset[str]:
    """Return the stems of the content words of `text`."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return frozenset(_stem(w) for w in words if w not in _STOP_WORDS and (len(w) > 1 or w[-1] in "+#"))


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _matches(question: frozenset[str], stems: frozenset[str]) -> set[str]:
    """Return the question stems found in `stems`, allowing a short prefix difference."""
    return {q for q in question if q in stems or any(_prefix_match(q, s) for s in stems)}


def _prefix_match(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    # "lead"/"leader" match; "java"/"javascript" do not.
    return len(short) >= 4 and len(long) - len(short) <= 3 and long.startswith(short)


def _clip(text: str) -> str:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    return text[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _terminated(text: str) -> str:
    return text if text[-1] in ".!?…" else text + "."


def _escape(title: str) -> str:
    return title.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def _chunks(answer: str) -> Iterator[str]:
    """Split `answer` into groups of a few words; concatenated they are `answer`."""
    words = _CHUNK.findall(answer)
    for start in range(0, len(words), WORDS_PER_TOKEN):
        yield "".join(words[start : start + WORDS_PER_TOKEN])

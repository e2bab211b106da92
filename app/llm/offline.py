"""The offline answerer: an honest extractive answer quoted from the retrieved passages.

Used when no LLM is configured (SPEC §2). It never invents text: it picks the passage
sentences that share the most content words with the question, cites where each came
from, and says plainly when nothing matches.
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator, Iterator

from app.llm.sentences import Sentence, content_stems, matches, restore_lines, split_sentences
from app.llm.types import AnswerRequest, Finished, LLMEvent, Token
from app.retrieval.query import query_terms
from app.retrieval.types import Passage

PREAMBLE = "No language model is configured, so this answer is quoted directly from the resume."
NOTHING_FOUND = "I could not find anything in the resume that answers this question."
NO_PASSAGES = "The resume search returned nothing for this question."
MAX_SENTENCES = 5
MAX_QUOTE_CHARS = 900
MAX_SUGGESTIONS = 3
WORDS_PER_TOKEN = 3

_CHUNK = re.compile(r"\s*\S+\s*")


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
    return content_stems(question) | content_stems(searched)


def _nothing_found(request: AnswerRequest) -> list[str]:
    parts = [NOTHING_FOUND if request.passages else NO_PASSAGES]
    suggestions = [q.strip() for q in request.suggested_questions if q.strip()][:MAX_SUGGESTIONS]
    if suggestions:
        parts.append("You could ask instead:\n" + "\n".join(f"- {q}" for q in suggestions))
    else:
        parts.append("Try asking about a specific skill, company or role.")
    return parts


def _select(question: frozenset[str], passages: tuple[Passage, ...]) -> list[Sentence]:
    """Pick the best-matching sentences within the sentence and character budgets."""
    if not question:
        return []
    sentences = [s for i, p in enumerate(passages) for s in split_sentences(i, restore_lines(p))]
    hits = [matches(question, s.stems) for s in sentences]
    titles = [matches(question, content_stems(p.title)) for p in passages]
    # Weigh each question word by its rarity, so a rare skill outranks a common word.
    idf = {q: 1.0 + math.log((len(sentences) + 1) / (1 + sum(q in h for h in hits))) for q in question}
    scored: list[tuple[float, Sentence]] = []
    for sentence, found in zip(sentences, hits, strict=True):
        # A title match counts for the sentences under it ("at Acme" finds Acme's bullets),
        # but for less than the sentence's own words.
        title_only = titles[sentence.passage] - found
        score = sum(idf[q] for q in found) + 0.5 * sum(idf[q] for q in title_only)
        if score > 0:
            scored.append((score, sentence))
    scored.sort(key=lambda item: (-item[0], item[1].passage, item[1].position))
    chosen: list[Sentence] = []
    used = 0
    for _, sentence in scored:
        if len(chosen) < MAX_SENTENCES and used + len(sentence.text) <= MAX_QUOTE_CHARS:
            chosen.append(sentence)
            used += len(sentence.text)
    return chosen


def _cite(chosen: list[Sentence], passages: tuple[Passage, ...]) -> list[str]:
    """Group the sentences by passage, most relevant passage first, original order inside."""
    order = list(dict.fromkeys(s.passage for s in chosen))
    lines = []
    for index in order:
        picked = sorted((s for s in chosen if s.passage == index), key=lambda s: s.position)
        title = passages[index].title.strip() or "the resume"
        lines.append(f"From *{_escape(title)}*: " + " ".join(_terminated(s.text) for s in picked))
    return lines


def _terminated(text: str) -> str:
    return text if text[-1] in ".!?…" else text + "."


def _escape(title: str) -> str:
    return title.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def _chunks(answer: str) -> Iterator[str]:
    """Split `answer` into groups of a few words; concatenated they are `answer`."""
    words = _CHUNK.findall(answer)
    for start in range(0, len(words), WORDS_PER_TOKEN):
        yield "".join(words[start : start + WORDS_PER_TOKEN])

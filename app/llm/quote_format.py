"""How the offline answerer writes out what it quotes: grouped by passage under its title, the
resume's styling marks off, each sentence ended as a sentence, addresses left as they are."""

from __future__ import annotations

import re

from app.llm.quote_context import in_the_resume
from app.resume.sections import is_fit_example
from app.retrieval.types import Passage
from app.text.sentences import Sentence

# Emphasis is the resume's styling, not its words: marks around words ("**transactional**"), a
# mark opening a sentence, or one closing a sentence after its full stop (an italic line cut into
# sentences was quoted "…transactional experience.*."). A lone mark after a letter is a word's
# ("grades A* to C" was quoted "grades A to C"); snake_case and "5 * 3" stay too.
_PAIRED_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*|__|_)(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_EDGE_EMPHASIS = re.compile(r"(?:^|(?<=[.!?…]\s))[*_]{1,2}(?=[^\s*_])|(?<=[.!?…:;,)\"'])[*_]{1,2}(?=\s|$)")
# A sentence ending in an address gets no full stop: "…/in/priya-example." is not its link
# (nor is "priyaraman.design." or "linkedin.com/in/x." without a scheme).
_ENDS_IN_ADDRESS = re.compile(r"(?:://|@|\bwww\.)\S*$|\b[\w-]+\.[a-z]{2,}/\S*$|:\s+[\w-]+(?:\.[\w-]+)+$")
_ENDINGS = ".!?…:\u3002\uff01\uff1f\uff1a"  # and the CJK full stop, exclamation and question marks, colon
_ENDS_IN_QUOTED_STOP = re.compile(r"[.!?…][\"'\u201d\u2019)\]]+$")


def cite(chosen: list[Sentence], passages: tuple[Passage, ...], left_out: dict[int, int]) -> list[str]:
    """Group the sentences by passage, most relevant passage first, original order inside; say
    where a list goes on beyond what is quoted."""
    order = _fit_examples_by_rank(list(dict.fromkeys(s.passage for s in chosen)), passages)
    lines = []
    for index in order:
        picked = in_the_resume(sorted((s for s in chosen if s.passage == index), key=lambda s: s.position))
        title = passages[index].title.strip() or "the resume"
        more = f" (and {left_out[index]} more listed there)" if left_out.get(index) else ""
        lines.append(f"From *{_escape(title)}*: " + _joined([_unmarked(s.text) for s in picked]) + more)
    return lines


def _fit_examples_by_rank(order: list[int], passages: tuple[Passage, ...]) -> list[int]:
    """`order` with its fit examples, in the places they hold, put in retrieval's order.

    Asked "Would she be a good match for a staff platform engineer opening?", the verdict of the
    iOS example ("her experience is in backend and platform engineering") shared more words than
    the platform example's and was quoted first: "Weak fit" led an answer retrieval had ranked a
    strong fit for. The example whose role the search found closest answers such a question.
    """
    places = [place for place, index in enumerate(order) if is_fit_example(passages[index].title)]
    ranked = iter(sorted(order[place] for place in places))
    for place in places:
        order[place] = next(ranked)
    return order


def _joined(sentences: list[str]) -> str:
    # A sentence ending in an address takes no full stop, so a semicolon parts it from the next:
    # "Email: a@b.org LinkedIn: …" read as one line.
    parts = [_terminated(text) for text in sentences]
    return "".join(f"{part}; " if _ENDS_IN_ADDRESS.search(part) else f"{part} " for part in parts[:-1]) + parts[-1]


def _unmarked(text: str) -> str:
    return _EDGE_EMPHASIS.sub("", _PAIRED_EMPHASIS.sub(r"\2", text)).strip() or text


def _terminated(text: str) -> str:
    # A colon announces what follows it; CJK text ends in its own full stops (U+3002, U+FF01, U+FF1F);
    # a title quoted to its full stop ('"Fish on the move."') ends there, not in '."."'.
    ended = text[-1] in _ENDINGS or _ENDS_IN_QUOTED_STOP.search(text) or _ENDS_IN_ADDRESS.search(text)
    return text if ended else text + "."


def _escape(title: str) -> str:
    return title.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")

"""How the input guard's learned detector cuts a text into the pieces it scores on their own.

A short text is one window; a long one (a job description) is cut at sentence ends into runs
of at most WINDOW_WORDS words and WINDOW_CHARS characters, so an injected sentence is judged
by itself and not averaged away by the ordinary text around it. Repeated windows count once.
"""

from __future__ import annotations

import re

# e5 reads up to 512 tokens; a window this size keeps one injected sentence from being
# drowned out by the ordinary text around it.
WINDOW_WORDS = 60
WINDOW_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?;:\u3002\uff01\uff1f])\s+|\n+")


def windows(text: str) -> list[str]:
    """Split `text` into the distinct pieces scored on their own: the text itself when short."""
    text = text.strip()
    if len(text.split()) <= WINDOW_WORDS and len(text) <= WINDOW_CHARS:
        return [text] if text else []
    found: list[str] = []
    current: list[str] = []
    for piece in (cut for sentence in _SENTENCE_END.split(text) for cut in _cut(sentence)):
        joined = " ".join([*current, piece])
        if current and (len(joined.split()) > WINDOW_WORDS or len(joined) > WINDOW_CHARS):
            found.append(" ".join(current))
            current = []
        current.append(piece)
    if current:
        found.append(" ".join(current))
    return list(dict.fromkeys(found))


def _cut(sentence: str) -> list[str]:
    """Cut a sentence longer than a window into window-sized word runs, and those into character runs."""
    words = sentence.split()
    runs = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words), WINDOW_WORDS)]
    return [run[i : i + WINDOW_CHARS] for run in runs for i in range(0, len(run), WINDOW_CHARS)]

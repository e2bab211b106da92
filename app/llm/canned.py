"""An answerer that speaks a text it was given: the guardrail's redirect, for one."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

from app.llm.types import AnswerRequest, Finished, LLMEvent, Token

WORDS_PER_TOKEN = 3
_CHUNK = re.compile(r"\s*\S+\s*")


class CannedAnswerer:
    """Stream `text` as a few words per token, like a model would; no network, no cost."""

    def __init__(self, text: str, *, name: str = "canned") -> None:
        self.text = text
        self.name = name

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        """Yield the text as several tokens, then one `Finished`."""
        for chunk in word_chunks(self.text):
            yield Token(chunk)
        yield Finished(finish_reason="stop", usage=None)

    def close(self) -> None:
        """Release nothing: this answerer holds no connection."""


def word_chunks(text: str) -> Iterator[str]:
    """Split `text` into groups of a few words; concatenated they are `text`."""
    words = _CHUNK.findall(text)
    for start in range(0, len(words), WORDS_PER_TOKEN):
        yield "".join(words[start : start + WORDS_PER_TOKEN])

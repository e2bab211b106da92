"""A whole answer at once, for `stream: false`."""

from __future__ import annotations

from app.chat.turn import PreparedTurn
from app.errors import LLMError
from app.llm.types import Answerer, Finished, Token


def collect_answer(answerer: Answerer, turn: PreparedTurn) -> tuple[str, Finished]:
    """Run the answerer to the end; raise LLMError on any failure."""
    parts: list[str] = []
    stream = answerer.stream(turn.request)
    try:
        for event in stream:
            if isinstance(event, Token):
                parts.append(event.text)
            elif isinstance(event, Finished):
                return "".join(parts), event
    finally:
        stream.close()
    raise LLMError("llm_bad_response")

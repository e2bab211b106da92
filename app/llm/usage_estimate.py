"""What an answer cost when the upstream did not say: an estimate, labelled as one.

An upstream that reports no usage (a server that ignores `stream_options`, a usage chunk that
never came), or an answer cut here at `max_tokens` before its usage could arrive, still spent
tokens: reporting 0 told clients it was free. `tokens_used` then carries this estimate and the
answer says `tokens_estimated: true` (app/api/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from app.llm.types import AnswerRequest, Finished, LLMEvent, Token, Usage

# English averages about 4 characters a token; an estimate, never a bill.
CHARS_PER_TOKEN = 4


def with_usage(events: Iterator[LLMEvent], request: AnswerRequest, max_tokens: int) -> Iterator[LLMEvent]:
    """Pass `events` on; a Finished without usage gets an estimate (`Usage.reported` False)."""
    answer_chars = 0
    for event in events:
        if isinstance(event, Token):
            answer_chars += len(event.text)
        elif event.usage is None:
            event = Finished(
                event.finish_reason, estimated_usage(request, answer_chars, event.finish_reason, max_tokens)
            )
        yield event


def estimated_usage(request: AnswerRequest, answer_chars: int, finish_reason: str, max_tokens: int) -> Usage:
    """Estimate the tokens of a prompt and its answer from their length."""
    prompt = math.ceil(sum(len(message["content"]) for message in request.messages) / CHARS_PER_TOKEN)
    completion = math.ceil(answer_chars / CHARS_PER_TOKEN)
    if finish_reason == "length":
        completion = max(completion, max_tokens)  # stopped by the limit: it generated that many
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion, reported=False)

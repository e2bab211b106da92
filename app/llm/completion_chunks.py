"""The chunks of an OpenAI-style chat-completion stream: content deltas, finish, usage, errors.

`upstream_stream` reads the events off the wire; this module says what each `data:`
payload means, and what the end of the stream amounts to.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import structlog

from app.errors import LLMError
from app.llm.transport import RetryableError
from app.llm.types import Finished, Usage
from app.telemetry.metrics import LLM_MALFORMED_LINES

log = structlog.get_logger(__name__)

# Far beyond any model's context or any one request's price: a larger figure is not a usage.
MAX_PLAUSIBLE_TOKENS = 100_000_000
MAX_PLAUSIBLE_COST = 10_000.0


@dataclass(slots=True)
class CompletionState:
    """What one stream has told us so far: its chunks, finish reason and usage."""

    received_bytes: int = 0
    events: int = 0
    chunks: int = 0
    done: bool = False
    finish_reason: str | None = None
    usage: Usage | None = None
    choice_index: Any = None  # the choice this answer follows: the first one the stream names
    held: str = ""  # a high surrogate that ended the last delta, waiting for its other half

    def consume(self, data: str) -> str:
        """Take in one `data:` payload; return its content delta ("" when none).

        A payload that is not a JSON object ends the answer with `llm_bad_response`: skipping
        it would drop part of the answer and still call it complete. An empty one is a keep-alive.
        """
        if not data.strip():
            return ""
        try:
            # Not strict_json_loads: a server that escapes each chunk on its own splits an
            # emoji's surrogate pair across two events ("\ud83d", then "\ude00"); each half is
            # kept (the encoders replace what cannot be sent) rather than failing the answer.
            chunk = json.loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            LLM_MALFORMED_LINES.inc()
            log.warning("llm.malformed_line", length=len(data), chunks_before=self.chunks)
            raise LLMError("llm_bad_response")
        self.chunks += 1
        if chunk.get("error") or chunk.get("object") == "error":  # OpenRouter / vLLM in-band shapes
            raise _in_band_error(chunk.get("error"))
        self.usage = _usage(chunk.get("usage")) or self.usage
        return self._choice(chunk.get("choices"))

    def _choice(self, choices: Any) -> str:
        if not isinstance(choices, list):
            return ""
        # Several choices may interleave (n > 1, or a proxy's doing): follow the first one named.
        named = [c for c in choices if isinstance(c, dict)]
        if named and self.choice_index is None:
            self.choice_index = named[0].get("index", 0)
        mine = [c for c in named if c.get("index", 0) == self.choice_index]
        if not mine:
            return ""  # e.g. the usage-only final chunk, or another choice's delta
        choice = mine[0]
        reason = choice.get("finish_reason")
        if reason == "error":
            raise _in_band_error(choice.get("error"))
        if isinstance(reason, str) and reason:
            self.finish_reason = reason
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        return self._paired(content) if isinstance(content, str) else ""

    def _paired(self, content: str) -> str:
        # A server that escapes each chunk on its own may split an emoji's surrogate pair across
        # two deltas ("\ud83d", then "\ude00"): the halves are joined before being relayed.
        if self.held:
            joined = (self.held + content).encode("utf-16-le", "surrogatepass")
            content, self.held = joined.decode("utf-16-le", "replace"), ""
        if content and "\ud800" <= content[-1] <= "\udbff":
            content, self.held = content[:-1], content[-1]
        return content

    def held_text(self) -> str:
        """Return what is held back at the stream's end (a lone half of a pair), now released."""
        held, self.held = self.held, ""
        return held

    def finished(self) -> Finished:
        """The terminal event, or the error the stream's end amounts to."""
        if self.chunks == 0 and self.received_bytes and not self.events:
            log.warning("llm.not_an_event_stream", received_bytes=self.received_bytes)
            raise LLMError("llm_bad_response")
        if not self.done and self.finish_reason is None:
            log.warning("llm.stream_cut_off", chunks=self.chunks)
            raise RetryableError(LLMError("llm_unavailable"))
        return Finished(self.finish_reason or "stop", usage=self.usage)


def whole_completion(value: Any) -> tuple[str, Finished]:
    """Read a whole (non-streamed) `chat.completion` body: its text and how it finished.

    Some OpenAI-compatible servers ignore `stream: true` and send this instead; an error
    object in its place is the upstream's failure. Raises LLMError.
    """
    if not isinstance(value, dict):
        log.warning("llm.unreadable_completion", problem="not_an_object")
        raise LLMError("llm_bad_response")
    if value.get("error") or value.get("object") == "error":
        raise _in_band_error(value.get("error"))
    choices = value.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        log.warning("llm.unreadable_completion", problem="no_message_content")
        raise LLMError("llm_bad_response")
    reason = choice.get("finish_reason")
    return content, Finished(reason if isinstance(reason, str) and reason else "stop", usage=_usage(value.get("usage")))


def _in_band_error(error: Any) -> LLMError:
    # Only the code is logged: the upstream's message may quote the prompt.
    code = error.get("code") if isinstance(error, dict) else None
    log.warning("llm.stream_error", upstream_code=str(code)[:40] if isinstance(code, int | str) else None)
    return LLMError("llm_error")


def _usage(value: Any) -> Usage | None:
    if not isinstance(value, dict):
        return None
    prompt, completion = _count(value.get("prompt_tokens")), _count(value.get("completion_tokens"))
    cost = _number(value.get("cost"), MAX_PLAUSIBLE_COST)
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_count(value.get("total_tokens")) or prompt + completion,
        cost=cost,
    )


def _count(value: Any) -> int:
    """A token count as the upstream reported it; 0 (unknown) for anything no answer can have."""
    number = _number(value, MAX_PLAUSIBLE_TOKENS)
    return int(number) if number is not None and number == int(number) and number > 0 else 0


def _number(value: Any, limit: float) -> float | None:
    # JSON allows 1e400 (infinity once parsed) and 10**30: in a counter, either spoils it for
    # good (Prometheus counters only go up), so an implausible value counts as unreported.
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number <= limit else None

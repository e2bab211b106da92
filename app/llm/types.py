"""Plain values and the interface shared by every answerer."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, TypedDict

from app.llm.deadline import AnswerDeadline
from app.retrieval.types import Passage


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None
    reported: bool = True  # False: estimated here, the upstream said nothing (app/llm/usage_estimate.py)


@dataclass(frozen=True, slots=True)
class Token:
    """A non-empty piece of the answer, in order."""

    text: str


@dataclass(frozen=True, slots=True)
class Finished:
    """The answer ended normally; always the last item of a stream."""

    finish_reason: str
    usage: Usage | None = None


LLMEvent = Token | Finished


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    """Everything an answerer may use: the chat messages for a real LLM, and the question as
    searched (the candidate's name read as "the candidate"), passages, the words retrieval
    searched them under and suggested questions for the offline answerer.

    `response_format` (OpenAI-style, e.g. a JSON schema) is sent as is when set. `deadline` is
    that of a task of several answers (a fit assessment's retries and repair share one); None:
    the answerer's own LLM_ANSWER_TIMEOUT from now."""

    messages: list[ChatMessage]
    question: str
    passages: tuple[Passage, ...] = ()
    searched_words: tuple[str, ...] = ()
    suggested_questions: tuple[str, ...] = ()
    response_format: dict[str, Any] | None = None
    resume_searched: bool = True  # False when retrieval was unavailable, not merely empty
    deadline: AnswerDeadline | None = None


# The answer modes a client sees (`mode` in the done event and the JSON body): answers that
# did not come from an LLM. None means the LLM answered.
OFFLINE: Final = "offline"
GUARDRAIL: Final = "guardrail"
AnswerMode = Literal["offline", "guardrail"]


class Answerer(Protocol):
    """Something that streams an answer to chat messages.

    `stream` returns a generator: iterating it performs the request; closing it (or
    killing the greenlet iterating it) closes the upstream connection at once. Failures
    are raised as `app.errors.LLMError` while iterating, never as anything else.
    """

    name: str  # "openrouter" | "offline" (OFFLINE) | "canned"

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]: ...

    def close(self) -> None: ...


def answers_offline(answerer: Answerer) -> bool:
    """Whether `answerer` quotes the resume instead of asking an LLM (no OPENROUTER_API_KEY)."""
    return answerer.name == OFFLINE

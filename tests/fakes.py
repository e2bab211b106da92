"""Scriptable fakes passed into create_app(...) instead of patching import paths."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import gevent

from app.errors import LLMError, RetrievalUnavailable
from app.llm.types import AnswerRequest, Finished, LLMEvent, Token, Usage
from app.retrieval.types import BackendHealth, Passage

PROFILE: dict[str, Any] = {
    "name": "Ada Example",
    "title": "Platform Engineer",
    "email": "ada@example.org",
    "suggested_questions": ["What cloud work has Ada done?", "Is Ada open to remote roles?"],
    "system_prompt": "SECRET PROMPT about {name}",
    "skills": {"strong": ["Kubernetes"], "moderate": [], "gaps": ["COBOL"]},
}


@dataclass
class FakeMemvid:
    """A MemvidBackend with canned passages and profile, that can be switched off."""

    passages: list[Passage] = field(
        default_factory=lambda: [
            Passage("Experience — Cloudco", "Ran Kubernetes on AWS for five years.", 3.5, ("cloud",)),
            Passage("Skills", "Strong: Kubernetes, Terraform.", 2.0),
        ]
    )
    profile_json: str | None = json.dumps(PROFILE)
    available: bool = True
    frame_count: int = 12
    queries: list[str] = field(default_factory=list)
    name: str = "grpc"

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self._check()
        self.queries.append(query)
        return self.passages[:top_k]

    def get_state(self, entity: str, slot: str) -> str | None:
        self._check()
        return self.profile_json if (entity, slot) == ("__profile__", "data") else None

    def health(self, *, timeout: float) -> BackendHealth:
        return BackendHealth(connected=self.available, frame_count=self.frame_count if self.available else 0)

    def close(self) -> None:
        return None

    def _check(self) -> None:
        if not self.available:
            raise RetrievalUnavailable()


class FakeClock:
    """A clock that moves only when a test sets `now`; pass it as `timer=`/`clock=`."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


Step = Token | Finished | LLMError | float


@dataclass
class ScriptedAnswerer:
    """An Answerer that plays scripted steps: tokens, a finish, an error to raise, or a pause (seconds)."""

    name: str = "openrouter"
    scripts: list[list[Step]] = field(default_factory=list)
    requests: list[AnswerRequest] = field(default_factory=list)
    closed_streams: int = 0

    def enqueue(self, *steps: Step) -> None:
        self.scripts.append(list(steps))

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        self.requests.append(request)
        steps = self.scripts.pop(0) if self.scripts else default_answer()
        try:
            for step in steps:
                if isinstance(step, float):
                    gevent.sleep(step)  # cooperative, like a socket read under gevent
                elif isinstance(step, LLMError):
                    raise step
                else:
                    yield step
        finally:
            self.closed_streams += 1

    def close(self) -> None:
        return None


def default_answer(text: str = "Ada ran Kubernetes on AWS.") -> list[Step]:
    """Return the steps of a normal answer: one token per word, then a finish with usage."""
    words = text.split(" ")
    tokens: list[Step] = [Token(word if i == 0 else " " + word) for i, word in enumerate(words)]
    return [*tokens, Finished("stop", Usage(40, 17, 57))]


class BuggyAnswerer:
    """An answerer with a bug: after one token it raises what is no LLMError."""

    name = "openrouter"

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        yield Token("Half")
        raise KeyError("choices")

    def close(self) -> None:
        return None

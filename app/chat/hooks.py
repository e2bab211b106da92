"""The two places a chat turn can be guarded: the question before retrieval, the answer as it streams.

The turn (`app.chat.turn`) calls an `InputGuard` before it retrieves anything or calls the
LLM, and passes every token through an `OutputFilter` made for that turn. The defaults
here let everything through; `app.guardrails` provides the real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """What an input guard decided: `category` names the attack kind when `blocked`."""

    blocked: bool
    category: str = ""


ALLOWED = GuardVerdict(blocked=False)
# The category of a block by a learned detector: it saw something unlike an ordinary text
# and names no kind of attack (a keyboard mash or a placeholder can score like one).
LEARNED = "learned"


class InputGuard(Protocol):
    def check(self, text: str) -> GuardVerdict:
        """Decide whether `text` (a question or a job description) may reach retrieval and the LLM."""
        ...


class OutputFilter(Protocol):
    """Watches one answer as it streams; holds back only the few tokens it needs to decide."""

    withheld: bool  # True once the filter replaced or dropped text

    def feed(self, text: str) -> list[str]:
        """Take the next delta of the answer; return the pieces that may be sent now, each as
        it came (one token event per LLM delta), maybe none."""
        ...

    def finish(self) -> list[str]:
        """The answer ended: return whatever held-back pieces may still be sent."""
        ...


class OutputFilterFactory(Protocol):
    def __call__(self, protected: Sequence[str]) -> OutputFilter:
        """Make a filter for one answer that must not reveal any of `protected` (system prompt, raw context)."""
        ...


class AllowAll:
    """The default input guard: every text passes."""

    def check(self, text: str) -> GuardVerdict:
        return ALLOWED


class PassThrough:
    """The default output filter: every piece is sent as it comes."""

    withheld = False

    def feed(self, text: str) -> list[str]:
        return [text]

    def finish(self) -> list[str]:
        return []


def pass_through(protected: Sequence[str]) -> OutputFilter:
    """Make the default output filter."""
    return PassThrough()


def default_redirect(candidate: str, suggestions: Sequence[str]) -> str:
    """The answer to a question the input guard stopped: what this chat is for, and what to ask."""
    who = candidate or "the candidate"
    lines = [f"I can only answer questions about {who}'s professional background."]
    if suggestions:
        lines.append("You could ask, for example:\n" + "\n".join(f"- {q}" for q in suggestions[:3]))
    return "\n\n".join(lines)


class Redirect(Protocol):
    def __call__(self, candidate: str, suggestions: Sequence[str]) -> str:
        """Compose the answer to a blocked question, naming the candidate and what to ask instead."""
        ...


@dataclass(frozen=True, slots=True)
class TurnHooks:
    """The guard, filter and redirect a chat turn uses; by default nothing is stopped."""

    input_guard: InputGuard = field(default_factory=AllowAll)
    output_filter: OutputFilterFactory = pass_through
    redirect: Redirect = default_redirect

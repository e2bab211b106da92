"""What a guard is, seen from the chat turn and the fit assessment that use one.

`app.chat.turn` calls an `InputGuard` before it retrieves anything or calls the LLM, and
passes every token through an `OutputFilter` made for that turn; `app.fit.service` checks a
job description with the same `InputGuard`. The implementations are this package's
`input_guard` and `output_filter`; `app.chat.hooks` holds the let-everything-through defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

# Where a text arrives: a chat question, or a job description posted to POST /api/v1/assess-fit.
# The learned detector has a threshold for each (honest job ads hold notices that read like
# instructions; questions do not).
Surface = Literal["chat", "fit"]
SURFACES: tuple[Surface, ...] = ("chat", "fit")


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


class Redirect(Protocol):
    def __call__(self, candidate: str, suggestions: Sequence[str]) -> str:
        """Compose the answer to a blocked question, naming the candidate and what to ask instead."""
        ...

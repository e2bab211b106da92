"""The guards a chat turn runs, and the defaults that let everything through.

`TurnHooks` is what `app.factory` hands the chat turn: the real guards from `app.guardrails`
in the service, these defaults where a test or a caller wants nothing stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.guardrails.redirect import redirect_message
from app.guardrails.types import ALLOWED, GuardVerdict, InputGuard, OutputFilter, OutputFilterFactory, Redirect


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


@dataclass(frozen=True, slots=True)
class TurnHooks:
    """The guard, filter and redirect a chat turn uses; by default nothing is stopped."""

    input_guard: InputGuard = field(default_factory=AllowAll)
    output_filter: OutputFilterFactory = pass_through
    redirect: Redirect = redirect_message

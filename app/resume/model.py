"""The parsed resume: searchable frames plus the profile of SPEC §3."""

from __future__ import annotations

from dataclasses import dataclass

from app.resume.profile import Profile


class ResumeFormatError(ValueError):
    """The resume markdown is malformed; the message names the line and the problem."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True, slots=True)
class Frame:
    """One searchable memvid frame: a section, an experience entry, an FAQ answer..."""

    title: str
    text: str
    label: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResumeDocument:
    """A parsed resume: frames in document order and the profile (with its system prompt)."""

    frames: tuple[Frame, ...]
    profile: Profile
    # What the file holds but no frame does ("line 12: the section '## Projects' is empty"):
    # not worth refusing the file for, but the author should hear of it.
    notes: tuple[str, ...] = ()

    def profile_json(self) -> str:
        """Return the profile as the JSON stored in the `__profile__` memory card."""
        return self.profile.model_dump_json()

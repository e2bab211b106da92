"""The candidate profile (SPEC §3): built by the resume parser, stored in memvid as the
`__profile__` card, read back leniently (a missing or null field is empty, not an error)."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

log = structlog.get_logger(__name__)


def _text(value: Any) -> Any:
    return "" if value is None else value


def _items(value: Any) -> Any:
    return [] if value is None else value


# Stored profiles are read leniently: a missing or null field is empty, not an error.
Text = Annotated[str, BeforeValidator(_text)]
TextList = Annotated[list[str], BeforeValidator(_items)]


class AIContext(BaseModel):
    situation: Text = ""
    approach: Text = ""
    technical_work: Text = ""
    lessons_learned: Text = ""


class Experience(BaseModel):
    company: Text = ""
    role: Text = ""
    period: Text = ""
    location: Text = ""
    tags: TextList = Field(default_factory=list)
    highlights: TextList = Field(default_factory=list)
    ai_context: Annotated[AIContext, BeforeValidator(lambda v: {} if v is None else v)] = Field(
        default_factory=AIContext
    )


class Skills(BaseModel):
    strong: TextList = Field(default_factory=list)
    moderate: TextList = Field(default_factory=list)
    gaps: TextList = Field(default_factory=list)


class FitExample(BaseModel):
    title: Text = ""
    fit_level: Text = ""
    role: Text = ""
    job_description: Text = ""
    verdict: Text = ""
    key_matches: Text = ""
    gaps: Text = ""
    recommendation: Text = ""


class PublicProfile(BaseModel):
    """The candidate profile as the web page receives it."""

    name: Text = ""
    title: Text = ""
    email: Text = ""
    linkedin: Text = ""
    location: Text = ""
    status: Text = ""
    suggested_questions: TextList = Field(default_factory=list)
    tags: TextList = Field(default_factory=list)
    experience: Annotated[list[Experience], BeforeValidator(_items)] = Field(default_factory=list)
    skills: Annotated[Skills, BeforeValidator(lambda v: {} if v is None else v)] = Field(default_factory=Skills)
    fit_assessment_examples: Annotated[list[FitExample], BeforeValidator(_items)] = Field(default_factory=list)


class Profile(PublicProfile):
    """The stored profile: the public one plus the chat system prompt, never returned."""

    system_prompt: Text = ""

    def public(self) -> dict[str, Any]:
        """Return the JSON the API may show (no system prompt)."""
        return self.model_dump(exclude={"system_prompt"})


def parse_profile(raw: str) -> Profile | None:
    """Parse the stored profile JSON; None (logged) when it is not a usable profile."""
    try:
        return Profile.model_validate_json(raw)
    except ValidationError as error:  # invalid JSON too
        first = error.errors(include_input=False)[0]
        log.error("profile.invalid", problem=first["type"], field=".".join(map(str, first["loc"])))
        return None

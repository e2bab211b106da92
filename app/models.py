"""Request and response models: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator


def _text(value: Any) -> Any:
    return "" if value is None else value


def _items(value: Any) -> Any:
    return [] if value is None else value


# Stored profiles are read leniently: a missing or null field is empty, not an error.
Text = Annotated[str, BeforeValidator(_text)]
TextList = Annotated[list[str], BeforeValidator(_items)]


class ChatRequest(BaseModel):
    """A recruiter's question. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    message: str = Field(min_length=1, max_length=2000, description="The question, 1-2000 characters.")
    session_id: UUID | None = Field(default=None, description="Continue (or start) this conversation.")
    stream: StrictBool = Field(default=True, description="Stream the answer as Server-Sent Events.")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be only whitespace")
        return value


class ChatResponse(BaseModel):
    """The whole answer, for `stream: false`."""

    session_id: str
    message: str
    chunks_retrieved: int
    tokens_used: int
    mode: Literal["llm", "offline"] | None = None


class ErrorItem(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every non-2xx answer."""

    detail: str
    code: str
    errors: list[ErrorItem] | None = None


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    memvid_connected: bool
    memvid_frame_count: int
    active_sessions: int
    version: str
    memvid_backend: str
    llm: str


class SuggestedQuestion(BaseModel):
    question: str
    category: str = "general"


class SuggestedQuestions(BaseModel):
    questions: list[SuggestedQuestion]


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

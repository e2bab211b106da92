"""HTTP request and response models: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from app.api.event_schemas import FINISH_REASON, TOKENS_ESTIMATED, Source, event_stream_content
from app.api.session_id import SessionId
from app.text.embedding import as_model_reads
from app.text.invisible import VISIBLE_CHARACTER_PATTERN, reading_length, visible_count

MIN_JOB_DESCRIPTION = 50
MAX_EXPANSION = 3.0  # how many times longer NFKC may make a text (past EXPANSION_FLOOR_CHARS)
EXPANSION_FLOOR_CHARS = 600


def _not_blank(value: str) -> str:
    if not visible_count(value):
        raise ValueError("must not be only whitespace or invisible characters")
    return value


def _not_expanding(value: str) -> str:
    # The model reads a text in compatibility form (NFKC), which a few characters make far
    # longer: 1,000 x U+FDFA (18 characters each) in a question cost 12 s of CPU to embed. An
    # ordinary text grows by a few ligatures at most.
    read = len(as_model_reads(value))
    if read > EXPANSION_FLOOR_CHARS and read > MAX_EXPANSION * len(value):
        raise ValueError("holds too many characters that Unicode normalisation (NFKC) expands many times over")
    return value


def _enough_text(value: str) -> str:
    if reading_length(value) < MIN_JOB_DESCRIPTION:  # SPEC's 50 characters: word gaps count, padding does not
        raise ValueError(
            f"must hold at least {MIN_JOB_DESCRIPTION} characters of text, not counting padding or invisible ones"
        )
    return value


# The two texts a client sends, validated alike over HTTP and MCP (app.mcp.tools).
# The pattern documents `_not_blank` for clients and fuzzers; the validator enforces it.
Question = Annotated[
    str,
    Field(min_length=1, max_length=2000, json_schema_extra={"pattern": VISIBLE_CHARACTER_PATTERN}),
    AfterValidator(_not_blank),
    AfterValidator(_not_expanding),
]


JobDescription = Annotated[
    str,
    Field(min_length=MIN_JOB_DESCRIPTION, max_length=20_000),
    AfterValidator(_enough_text),
    AfterValidator(_not_expanding),
]


class ChatRequest(BaseModel):
    """A recruiter's question. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    message: Question = Field(description="The question, 1-2000 characters, not only whitespace or invisible ones.")
    session_id: SessionId = Field(default=None, description="Continue (or start) this conversation.")
    stream: StrictBool = Field(default=True, description="Stream the answer as Server-Sent Events.")


class ChatResponse(BaseModel):
    """The whole answer, for `stream: false`."""

    # The same 200 with `stream: true` is an event stream: documented beside the JSON body,
    # so a client generator (or schemathesis) knows both (app/api/event_schemas.py).
    model_config = ConfigDict(
        openapi_extra={"content": event_stream_content()}  # type: ignore[typeddict-unknown-key]  # read by flask-openapi3
    )

    session_id: str
    message: str
    chunks_retrieved: int
    tokens_used: int
    sources: list[Source] = Field(default_factory=list, description="The passages given to the LLM, best first.")
    mode: Literal["offline", "guardrail"] | None = Field(
        default=None, description="`offline` when no LLM is configured; `guardrail` when the question was declined."
    )
    message_index: int | None = Field(
        default=None,
        description="This answer's position in the conversation (question 0, answer 1, ...): what "
        "feedback names it by. Absent when the answer could not be kept.",
    )
    finish_reason: str = Field(default="stop", description=FINISH_REASON + " (as in `done`).")
    tokens_estimated: bool | None = Field(default=None, description=TOKENS_ESTIMATED)


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
    retrieval_modes: list[str] = []  # e.g. ["lexical", "semantic"]; empty when memvid is unavailable
    # Shared state: "unavailable" makes the status degraded (sessions start over, rate limits
    # count per worker); "not_configured" when REDIS_URL is unset (state in process memory).
    redis: Literal["connected", "unavailable", "not_configured"] = "not_configured"


class SuggestedQuestion(BaseModel):
    question: str
    category: str = "general"


class SuggestedQuestions(BaseModel):
    questions: list[SuggestedQuestion]


def _integral_number(value: object) -> object:
    # JSON Schema's `integer` includes 3.0 (JSON has one number type); a string stays refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


class FeedbackRequest(BaseModel):
    """A rating of one answer. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    rating: Literal["up", "down"]
    message_index: Annotated[StrictInt, Field(ge=0), BeforeValidator(_integral_number)] | None = Field(
        default=None,
        description="The answer's position in the conversation (question 0, answer 1, ...); default: the last answer.",
    )
    comment: str = Field(default="", max_length=500, description="Optional, at most 500 characters.")


class FeedbackResponse(BaseModel):
    """The rating as stored; a later rating of the same answer replaces it."""

    session_id: str
    message_index: int
    rating: Literal["up", "down"]
    comment: str


class VersionResponse(BaseModel):
    version: str = Field(description="The service's version.")
    commit: str = Field(description='The git commit it was built from; "" when unknown.')


class FitRequest(BaseModel):
    """A job description to assess the candidate against. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    job_description: JobDescription = Field(description="The job description as pasted, 50-20,000 characters.")


class FitResponse(BaseModel):
    """How well the candidate fits the job (the shape the web client renders)."""

    verdict: str = Field(description="One-sentence verdict; offline it is labelled as a keyword overlap.")
    key_matches: list[str]
    gaps: list[str]
    recommendation: str
    chunks_retrieved: int = Field(description="Resume passages the assessment used.")
    tokens_used: int = Field(description="LLM tokens spent (0 offline or when the input was refused).")
    tokens_estimated: bool | None = Field(default=None, description=TOKENS_ESTIMATED)

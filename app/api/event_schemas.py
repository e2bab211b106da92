"""The events of a chat stream, as models: they document `text/event-stream` in /openapi.json.

The stream itself is written by `app.chat.events` and `app.errors` (SPEC §3); these models
describe what they write, and a test checks real streams against them, so a client generator
gets typed events, not only "a string of JSON".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

FINISH_REASON = '"stop", or "length" when the answer was cut at the token limit'
TOKENS_ESTIMATED = (
    "true when the LLM reported no usage (or the answer was cut here before it could): "
    "`tokens_used` is then estimated from the text's length; absent when reported."
)


class Source(BaseModel):
    """A passage given to the LLM: its title and its retrieval score (higher is better; listed best first)."""

    title: str
    score: float


class RetrievalEvent(BaseModel):
    """First: what retrieval found, and the conversation the answer belongs to."""

    type: Literal["retrieval"]
    chunks: int
    session_id: str
    sources: list[Source]


class TokenEvent(BaseModel):
    """A piece of the answer, in order."""

    type: Literal["token"]
    content: str


class DoneEvent(BaseModel):
    """Last, when the answer completed."""

    type: Literal["done"]
    session_id: str
    chunks_retrieved: int
    tokens_used: int
    elapsed_seconds: float
    trace_id: str
    finish_reason: str = Field(description=FINISH_REASON + ".")
    mode: Literal["offline", "guardrail"] | None = None
    message_index: int | None = Field(default=None, description="What feedback names this answer by.")
    tokens_estimated: bool | None = Field(default=None, description=TOKENS_ESTIMATED)


class ErrorEvent(BaseModel):
    """Last, when the answer failed after the 200: the same code and sentence as the JSON error."""

    type: Literal["error"]
    code: str
    error: str
    trace_id: str
    retry_after: int | None = Field(default=None, description="Seconds to wait before asking again, when known.")


StreamEvent = Annotated[RetrievalEvent | TokenEvent | DoneEvent | ErrorEvent, Field(discriminator="type")]
STREAM_EVENT = TypeAdapter(StreamEvent)


def event_stream_content() -> dict[str, Any]:
    """Return the OpenAPI content entry of the chat stream: one object per event, its JSON typed."""
    # Per OpenAPI < 3.2, the schema of an event stream describes one event; OpenAPI 3.1's JSON
    # Schema types the JSON inside its `data` string with `contentSchema`.
    events = []
    for model in (RetrievalEvent, TokenEvent, DoneEvent, ErrorEvent):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)  # Source, the one nested model, is a component of the document
        events.append(schema)
    return {
        "text/event-stream": {
            "schema": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"oneOf": events},
                        "description": "One JSON event: `retrieval` first, then `token`s, then one `done` or `error`.",
                    }
                },
            }
        }
    }

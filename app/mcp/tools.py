"""The MCP tools: `ask_question` (one chat turn) and `assess_fit`.

Arguments are validated by pydantic models, whose JSON Schemas are also the tools'
`inputSchema`; the structured results' models are their `outputSchema`. A failure the
calling model could act on (bad arguments, the LLM is down) is a tool result with
`isError: true`, as the MCP tools page asks; only an unknown tool is a protocol error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from mcp_types import CallToolResult, TextContent, Tool, ToolAnnotations
from mcp_types.jsonrpc import INVALID_PARAMS
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.api.model_budget import charge_model_tokens
from app.api.schemas import FitResponse, JobDescription, Question
from app.api.session_id import SessionId
from app.components import components
from app.errors import RateLimited, ServiceError, retry_after_seconds, validation_message
from app.mcp.protocol import RpcError

log = structlog.get_logger(__name__)


class AskQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="A question about the candidate.")
    session_id: SessionId = Field(
        default=None, description="Continue a conversation: the session_id an earlier answer returned."
    )


class AskQuestionResult(BaseModel):
    answer: str = Field(description="The answer, from the candidate's resume only.")
    session_id: str = Field(description="Pass it back to ask a follow-up question.")
    sources: list[str] = Field(description="Titles of the resume passages the answer was built from.")
    mode: str | None = Field(
        default=None, description='"offline": quoted from the resume without an LLM; "guardrail": a redirect.'
    )
    message_index: int | None = Field(
        default=None, description="The answer's position in the conversation, as POST /api/v1/chat gives it."
    )
    finish_reason: str = Field(
        default="stop", description='"stop", or "length" when the answer was cut at the token limit.'
    )


class AssessFit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_description: JobDescription = Field(description="The job description to assess.")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    definition: Tool
    arguments: type[BaseModel]
    run: Callable[[Any], BaseModel]


def ask_question(arguments: AskQuestion) -> AskQuestionResult:
    """Answer one question through the same chat turn as POST /api/v1/chat."""
    charge_model_tokens(arguments.question)
    session_id = str(arguments.session_id) if arguments.session_id else None
    answer = components().chat.answer(arguments.question, session_id)
    titles = [source["title"] for source in answer.sources]
    return AskQuestionResult(
        answer=answer.text,
        session_id=answer.session_id,
        sources=titles,
        mode=answer.mode,
        message_index=answer.message_index,
        finish_reason=answer.finish_reason,
    )


def assess_fit(arguments: AssessFit) -> FitResponse:
    """Assess the candidate against a job description, like POST /api/v1/assess-fit."""
    charge_model_tokens(arguments.job_description)
    return FitResponse.model_validate(components().fit.assess(arguments.job_description).body())


def _spec(
    name: str,
    title: str,
    description: str,
    arguments: type[BaseModel],
    run: Callable[[Any], BaseModel],
    output: type[BaseModel] | None = None,
) -> ToolSpec:
    definition = Tool(
        name=name,
        title=title,
        description=description,
        input_schema=arguments.model_json_schema(),
        output_schema=output.model_json_schema() if output else None,
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False),
    )
    return ToolSpec(definition, arguments, run)


TOOLS: dict[str, ToolSpec] = {
    spec.definition.name: spec
    for spec in (
        _spec(
            "ask_question",
            "Ask about the candidate",
            "Ask a question about the candidate's experience, skills or background. The answer is built "
            "only from their resume and names the resume sections it used.",
            AskQuestion,
            ask_question,
            AskQuestionResult,
        ),
        _spec(
            "assess_fit",
            "Assess fit for a job",
            "Assess how well the candidate fits a job description: verdict, key matches, gaps, recommendation.",
            AssessFit,
            assess_fit,
            FitResponse,
        ),
    )
}


def call(name: str, arguments: dict[str, Any] | None) -> CallToolResult:
    """Run tool `name`; raise RpcError only for a tool this server does not have."""
    spec = TOOLS.get(name)
    if spec is None:
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name[:100]}")
    try:
        output = spec.run(spec.arguments.model_validate(arguments or {}))
    except ValidationError as error:
        return _failure(_describe(error))
    except RateLimited:
        raise  # the model-token budget: refused like the rate limit (429, -32010), not a tool failure
    except ServiceError as error:  # LLM or retrieval failure: its detail is client-safe
        log.warning("mcp.tool_error", tool=name, code=error.code)
        if error.retry_after is None:
            return _failure(error.detail)
        # The calling model reads only this text: the wait HTTP and SSE clients get goes in it.
        return _failure(f"{error.detail} Retry after {retry_after_seconds(error.retry_after)} s.")
    structured = output.model_dump(mode="json")
    return CallToolResult(content=[TextContent(text=_as_text(structured))], structured_content=structured)


def _failure(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(text=message)], is_error=True)


def _describe(error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'arguments'}: {validation_message(item)}"
        for item in error.errors(include_url=False, include_input=False)
    )
    return f"Invalid arguments ({problems})."


def _as_text(structured: dict[str, Any]) -> str:
    """The plain-text form of a structured result, for clients that read only `content`."""
    if "answer" in structured:
        sources = ", ".join(structured["sources"]) or "none"
        return f"{structured['answer']}\n\nSources: {sources}\nsession_id: {structured['session_id']}"
    return json.dumps(structured, ensure_ascii=False)

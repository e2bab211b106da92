"""The assessment's shape: what the LLM must return (validated) and what the service answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_LINE_CHARS = 600
MAX_RECOMMENDATION_CHARS = 2000
MAX_ITEMS = 12
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LINE_CHARS)]


class FitAssessment(BaseModel):
    """The LLM's JSON answer; the wrong shape (no verdict, a number for a list) is rejected.

    Extra keys are forbidden in the schema the LLM is asked to follow (strict JSON schemas
    require it), but a reply is first `tidied`, so one that only says more than asked is used.
    """

    model_config = ConfigDict(extra="forbid")

    verdict: Line = Field(description="One sentence that starts with Strong fit, Good fit, Partial fit or Weak fit.")
    key_matches: list[Line] = Field(
        max_length=MAX_ITEMS, description="Requirements the resume clearly shows, with evidence."
    )
    gaps: list[Line] = Field(max_length=MAX_ITEMS, description="Requirements the resume does not show.")
    recommendation: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_RECOMMENDATION_CHARS)
    ] = Field(description="One to three sentences of advice for the recruiter.")


def tidied(reply: Any) -> Any:
    """Return a reply's assessment fields without what only exceeds the shape: keys not asked
    for, blank items, items past the twelfth, text past its length (cut at a word).

    Models, free ones above all, often ignore `response_format`: a reply with a `score` key or
    thirteen matches is still an assessment, and asking again mostly brings the same reply.
    What is missing or of the wrong type is left for validation to refuse.
    """
    if not isinstance(reply, dict):
        return reply
    kept = {name: reply[name] for name in FitAssessment.model_fields if name in reply}
    for name in ("key_matches", "gaps"):
        if isinstance(items := kept.get(name), list):
            kept[name] = [_cut(i, MAX_LINE_CHARS) for i in items if not (isinstance(i, str) and not i.strip())]
            kept[name] = kept[name][:MAX_ITEMS]
    kept["verdict"] = _cut(kept.get("verdict"), MAX_LINE_CHARS)
    kept["recommendation"] = _cut(kept.get("recommendation"), MAX_RECOMMENDATION_CHARS)
    return {name: value for name, value in kept.items() if value is not None}


def _cut(value: Any, limit: int) -> Any:
    if not isinstance(value, str) or len(value.strip()) <= limit:
        return value
    return value.strip()[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"


def response_format() -> dict[str, Any]:
    """The OpenAI-style `response_format` asking for a `FitAssessment` as strict JSON."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "fit_assessment", "strict": True, "schema": FitAssessment.model_json_schema()},
    }


@dataclass(frozen=True, slots=True)
class FitResult:
    """An assessment with what it cost: the passages used and the LLM tokens spent."""

    assessment: FitAssessment
    chunks_retrieved: int
    tokens_used: int
    tokens_estimated: bool = False  # the upstream reported no usage: tokens_used is an estimate

    def body(self) -> dict[str, Any]:
        """Return the answer of POST /api/v1/assess-fit (and the MCP tool): the assessment and its cost."""
        body = {
            **self.assessment.model_dump(),
            "chunks_retrieved": self.chunks_retrieved,
            "tokens_used": self.tokens_used,
        }
        return {**body, "tokens_estimated": True} if self.tokens_estimated else body

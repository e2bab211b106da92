"""The assessment's shape: what the LLM must return (validated) and what the service answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]


class FitAssessment(BaseModel):
    """The LLM's JSON answer; anything else (extra keys, empty verdict, a number) is rejected."""

    model_config = ConfigDict(extra="forbid")

    verdict: Line = Field(description="One sentence that starts with Strong fit, Good fit, Partial fit or Weak fit.")
    key_matches: list[Line] = Field(max_length=12, description="Requirements the resume clearly shows, with evidence.")
    gaps: list[Line] = Field(max_length=12, description="Requirements the resume does not show.")
    recommendation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="One to three sentences of advice for the recruiter."
    )


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

    def body(self) -> dict[str, Any]:
        """Return the answer of POST /api/v1/assess-fit (and the MCP tool): the assessment and its cost."""
        return {
            **self.assessment.model_dump(),
            "chunks_retrieved": self.chunks_retrieved,
            "tokens_used": self.tokens_used,
        }

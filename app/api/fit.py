"""POST /api/v1/assess-fit: how well the candidate fits a pasted job description."""

from __future__ import annotations

from typing import Any

from app.api.hang_up import answer_only_while_wanted
from app.api.model_budget import charge_model_tokens
from app.api.openapi_doc import api_blueprint
from app.api.request_checks import require_json_body
from app.api.schemas import ErrorBody, FitRequest, FitResponse
from app.components import components

bp = api_blueprint("fit", __name__, "fit", url_prefix="/api/v1")
bp.before_request(require_json_body)

_ERRORS: dict[int | str, Any] = dict.fromkeys((400, 408, 413, 415, 422, 429, 502, 503, 504), ErrorBody)


@bp.post(
    "/assess-fit",
    summary="Assess the candidate against a job description",
    description=(
        "Searches the resume for each of the job's requirements and asks the language model for a "
        "verdict, the requirements the resume shows, the gaps and a recommendation, validated as "
        "JSON. Without a language model the answer is a keyword overlap, labelled as such. A job "
        "description that carries instructions for the assistant (prompt injection) is not "
        "assessed: the answer says so in the same shape. An LLM that twice returns invalid JSON "
        "gives `502 llm_bad_response`."
    ),
    responses={200: FitResponse, **_ERRORS},
)
def assess_fit(body: FitRequest) -> dict[str, Any]:
    charge_model_tokens(body.job_description)
    with answer_only_while_wanted():
        assessment = components().fit.assess(body.job_description)
    return FitResponse.model_validate(assessment.body()).model_dump(
        exclude_none=True
    )  # tokens_estimated only when true

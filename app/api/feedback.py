"""POST /api/v1/chat/{session_id}/feedback: a recruiter rates one answer, up or down."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from pydantic import BaseModel, Field

from app.api.openapi_doc import api_blueprint
from app.api.request_checks import require_json_body
from app.api.schemas import ErrorBody, FeedbackRequest, FeedbackResponse
from app.components import components
from app.errors import RequestError, ServiceError
from app.state.sessions import AnswerNoLongerKept, Feedback, NotAnAnswer, SessionNotFound
from app.telemetry.metrics import FEEDBACK

log = structlog.get_logger(__name__)

bp = api_blueprint("feedback", __name__, "chat", url_prefix="/api/v1")
bp.before_request(require_json_body)


class FeedbackPath(BaseModel):
    # Any text: one that is no UUID names no conversation, so it is SPEC's 404, not a 422.
    session_id: str = Field(
        description="The conversation the rated answer belongs to.", json_schema_extra={"format": "uuid"}
    )


def _session_not_found() -> ServiceError:
    return ServiceError("There is no such conversation (or it expired).", code="session_not_found", status=404)


def _canonical_session_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))  # any spelling of a UUID: upper case, braces, no dashes, urn:uuid:
    except ValueError:
        raise _session_not_found() from None


# 503 `sessions_unavailable`: the shared session store (Redis) is away; the rating can be sent again.
_ERRORS: dict[int | str, Any] = dict.fromkeys((400, 404, 408, 410, 413, 415, 422, 429, 503), ErrorBody)


@bp.post(
    "/chat/<session_id>/feedback",
    summary="Rate an answer",
    description="One rating per answer: a second rating of the same answer replaces the first.",
    responses={200: FeedbackResponse, **_ERRORS},
)
def feedback(path: FeedbackPath, body: FeedbackRequest) -> dict[str, Any]:
    session_id = _canonical_session_id(path.session_id)
    rating = Feedback(rating=body.rating, comment=body.comment, at=time.time())
    try:
        index = components().sessions.set_feedback(session_id, body.message_index, rating)
    except SessionNotFound:
        raise _session_not_found() from None
    except AnswerNoLongerKept:
        raise ServiceError(
            "That answer is no longer kept: a conversation keeps only its latest messages "
            f"(MAX_HISTORY_MESSAGES = {components().settings.max_history_messages}).",
            code="answer_no_longer_kept",
            status=410,
        ) from None
    except NotAnAnswer:
        detail = "message_index names no answer in this conversation"
        errors = [{"field": "message_index", "message": detail}]
        raise RequestError(
            f"The request is not valid ({detail}).", code="validation_error", status=422, errors=errors
        ) from None
    FEEDBACK.labels(rating=body.rating).inc()
    log.info("chat.feedback", rating=body.rating, message_index=index, comment_chars=len(body.comment))
    return FeedbackResponse(
        session_id=session_id, message_index=index, rating=body.rating, comment=body.comment
    ).model_dump()

"""POST /api/v1/chat: an answer streamed as SSE, or whole as JSON."""

from __future__ import annotations

import time
from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from app.api.request_checks import require_json_body
from app.api.schemas import ChatRequest, ChatResponse, ErrorBody
from app.api.trace_id import current_trace_id
from app.chat.answer import collect_answer
from app.chat.stream import StreamContext, stream_answer
from app.components import services
from app.worker.shutdown import stream_deadline_passed

bp = APIBlueprint("chat", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="chat")])
bp.before_request(require_json_body)

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

_ERRORS: dict[int | str, Any] = dict.fromkeys((400, 413, 415, 422, 429, 502, 503, 504), ErrorBody)


@bp.post(
    "/chat",
    summary="Ask a question about the candidate",
    description=(
        "With `stream: true` (default) the answer is a `text/event-stream`: one `retrieval` event, "
        "zero or more `token` events, then exactly one `done` or `error` event. With `stream: false` "
        "the whole answer comes back as JSON."
    ),
    responses={200: ChatResponse, **_ERRORS},
)
def chat(body: ChatRequest) -> Response | dict[str, Any]:
    started = time.perf_counter()
    app_services = services()
    session_id = str(body.session_id) if body.session_id else None
    turn = app_services.chat.prepare(body.message, session_id)
    answerer = app_services.answerer
    if body.stream:
        ctx = StreamContext(
            trace_id=current_trace_id(),
            started=started,
            keepalive_seconds=app_services.settings.sse_keepalive_seconds,
            mode=answerer.name,
            should_stop=stream_deadline_passed,
        )
        stream = stream_answer(turn, answerer, app_services.chat.record, ctx)
        return Response(stream, mimetype="text/event-stream", headers=STREAM_HEADERS)
    answer, finished = collect_answer(answerer, turn)
    app_services.chat.record(turn, answer)
    return ChatResponse(
        session_id=turn.session_id,
        message=answer,
        chunks_retrieved=turn.chunks,
        tokens_used=finished.usage.total_tokens if finished.usage else 0,
        mode="offline" if answerer.name == "offline" else None,
    ).model_dump(exclude_none=True)

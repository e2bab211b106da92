"""POST /api/v1/chat: an answer streamed as SSE, or whole as JSON. Validation and headers only;
the turn itself is `app.chat.turn.ChatService`'s."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, request

from app.api.hang_up import answer_only_while_wanted, client_left_check
from app.api.model_budget import charge_model_tokens
from app.api.openapi_doc import api_blueprint
from app.api.request_checks import require_json_body
from app.api.schemas import ChatRequest, ChatResponse, ErrorBody
from app.api.trace_id import current_trace_id
from app.components import components
from app.errors import RequestError

bp = api_blueprint("chat", __name__, "chat", url_prefix="/api/v1")
bp.before_request(require_json_body)
NOT_ACCEPTABLE = "Accept must allow application/json or text/event-stream: the answer is one or the other."


@bp.before_request
def _require_acceptable() -> None:
    # A client whose Accept admits neither (`image/png`) got an event stream it could not read.
    # A missing (or empty) Accept takes anything; the 406 itself is JSON, as every error is.
    accepted = request.accept_mimetypes
    readable = accepted.quality("application/json") or accepted.quality("text/event-stream")
    if request.method == "POST" and accepted.provided and not readable:
        raise RequestError(NOT_ACCEPTABLE, code="not_acceptable", status=406)


# no-cache: never replayed from a cache; X-Accel-Buffering: nginx passes each event at once.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

_ERRORS: dict[int | str, Any] = dict.fromkeys((400, 406, 408, 413, 415, 422, 429, 502, 503, 504), ErrorBody)


def _streams(body: ChatRequest) -> bool:
    """Whether to answer as an event stream: as `stream` says, else as the client's Accept allows.

    A client generated from /openapi.json sends `Accept: application/json` and leaves `stream`
    out: answered with an event stream, it failed to parse the 200. Browsers and curl accept
    anything (`*/*`) and keep the default, the stream.
    """
    if "stream" in body.model_fields_set:
        return body.stream
    accepted = request.accept_mimetypes  # by quality: `accept_json` is true for "application/json;q=0"
    return not (
        accepted.provided and accepted.quality("application/json") and not accepted.quality("text/event-stream")
    )


@bp.after_request
def _vary_on_accept(response: Response) -> Response:
    # Without `stream`, the Accept header chooses JSON or the event stream: caches must know.
    response.vary.add("Accept")
    return response


@bp.post(
    "/chat",
    summary="Ask a question about the candidate",
    description=(
        "With `stream: true` (default) the answer is a `text/event-stream`: one `retrieval` event "
        "(with the `sources` given to the LLM), zero or more `token` events, then exactly one `done` "
        "or `error` event. With `stream: false` the whole answer comes back as JSON. Without "
        "`stream`, a request whose `Accept` takes JSON but not an event stream gets JSON. A client "
        "generated from this document that reads JSON should send `stream: false`: generators send "
        "the documented default (`true`) and `Accept: */*`."
    ),
    responses={200: ChatResponse, **_ERRORS},
)
def chat(body: ChatRequest) -> Response | dict[str, Any]:
    started = time.perf_counter()
    charge_model_tokens(body.message)
    turns = components().chat
    session_id = str(body.session_id) if body.session_id else None
    if not _streams(body):
        with answer_only_while_wanted():
            answer = turns.answer(body.message, session_id)
        whole = {
            "session_id": answer.session_id,
            "message": answer.text,
            "chunks_retrieved": answer.chunks_retrieved,
            "tokens_used": answer.tokens_used,
            "sources": answer.sources,
            "mode": answer.mode,
            "message_index": answer.message_index,
            "finish_reason": answer.finish_reason,
            "tokens_estimated": answer.tokens_estimated or None,
        }
        return ChatResponse.model_validate(whole).model_dump(exclude_none=True)
    # Retrieval happens here, before the 200: the stream then starts with what it found.
    turn = turns.prepare(body.message, session_id)
    stream = turns.stream(turn, trace_id=current_trace_id(), started=started, client_left=client_left_check())
    return Response(stream, mimetype="text/event-stream", headers=STREAM_HEADERS)

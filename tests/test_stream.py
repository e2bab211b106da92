"""The SSE generator itself: keep-alives, disconnects, shutdown, unexpected failures."""

from __future__ import annotations

import time

from app.chat.stream import StreamContext, stream_answer
from app.chat.turn import PreparedTurn
from app.llm.types import AnswerRequest, Finished, Token
from app.telemetry.metrics import CHAT_STREAMS
from tests.fakes import ScriptedAnswerer
from tests.sse_client import events


def turn() -> PreparedTurn:
    request = AnswerRequest(messages=[{"role": "user", "content": "q"}], question="q")
    return PreparedTurn(session_id="sid-1", question="q", request=request)


def context(**changes) -> StreamContext:
    values = {"trace_id": "t-1", "started": time.perf_counter(), "keepalive_seconds": 0.05, "mode": "openrouter"}
    return StreamContext(**{**values, **changes})


def run(answerer, ctx=None, recorded=None) -> bytes:
    record = (lambda t, answer: recorded.append(answer)) if recorded is not None else (lambda t, a: None)
    return b"".join(stream_answer(turn(), answerer, record, ctx or context()))


def outcome_count(outcome: str) -> float:
    return CHAT_STREAMS.labels(outcome=outcome)._value.get()


def test_keepalives_fill_a_silent_upstream():
    answerer = ScriptedAnswerer()
    answerer.enqueue(0.3, Token("late"), Finished("stop"))

    body = run(answerer)

    first_token = body.index(b'"type":"token"')
    assert body[:first_token].count(b": keepalive\n\n") >= 3
    assert events(body)[-1]["type"] == "done"


def test_answer_is_recorded_only_when_complete():
    recorded: list[str] = []
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), Token("b"), Finished("length"))

    received = events(run(answerer, recorded=recorded))

    assert recorded == ["ab"]
    assert received[-1]["finish_reason"] == "length"
    assert received[-1]["tokens_used"] == 0


def test_closing_the_stream_closes_the_upstream():
    recorded: list[str] = []
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), 5.0, Token("never"), Finished("stop"))
    before = outcome_count("client_disconnected")
    stream = stream_answer(turn(), answerer, lambda t, a: recorded.append(a), context(keepalive_seconds=10))

    next(stream)  # retrieval
    assert b'"content":"a"' in next(stream)
    started = time.monotonic()
    stream.close()  # what the WSGI server does when the client went away

    assert answerer.closed_streams == 1
    assert time.monotonic() - started < 1
    assert recorded == []
    assert outcome_count("client_disconnected") == before + 1


def test_stopping_worker_ends_stream_with_server_shutdown():
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), 5.0, Finished("stop"))
    stop_at = time.monotonic() + 0.2

    started = time.monotonic()
    received = events(run(answerer, context(should_stop=lambda: time.monotonic() > stop_at)))

    assert time.monotonic() - started < 2
    assert received[-1]["type"] == "error"
    assert received[-1]["code"] == "server_shutdown"
    assert answerer.closed_streams == 1


class Exploding:
    name = "openrouter"

    def stream(self, request):
        yield Token("x")
        raise ZeroDivisionError("bug")

    def close(self) -> None:
        return None


def test_unexpected_answerer_failure_is_a_coded_error():
    received = events(run(Exploding()))

    assert received[-1] == {
        "type": "error",
        "code": "llm_error",
        "error": "The language model failed to answer.",
        "trace_id": "t-1",
    }

"""One turn's SSE stream: keep-alives, disconnects, shutdown, failures, and what gets recorded."""

from __future__ import annotations

import time

from app.chat.turn import ChatService
from app.llm.types import Finished, Token
from app.retrieval.retriever import ResumeRetriever
from app.state.memory_sessions import MemorySessionStore
from app.telemetry.metrics import CHAT_STREAMS
from tests.fakes import BuggyAnswerer, FakeMemvid, ScriptedAnswerer
from tests.sse_client import events


class BrokenSessions(MemorySessionStore):
    """A store that loses its connection just when the answer is to be kept."""

    def append_turn(self, session_id: str, question: str, answer: str) -> None:
        raise ConnectionError("store went away")


def service(answerer, *, sessions=None, keepalive=0.05, should_stop=lambda: False) -> ChatService:
    retriever = ResumeRetriever(FakeMemvid(), top_k=5, profile_ttl=0, health_ttl=0)
    store = sessions or MemorySessionStore(ttl=60, max_sessions=10, max_history=10)
    return ChatService(retriever, store, answerer, keepalive_seconds=keepalive, should_stop=should_stop)


def run(chat: ChatService, session_id: str | None = None) -> bytes:
    turn = chat.prepare("What cloud work?", session_id)
    return b"".join(chat.stream(turn, trace_id="t-1", started=time.perf_counter()))


def outcome_count(outcome: str) -> float:
    return CHAT_STREAMS.labels(outcome=outcome)._value.get()


def test_keepalives_fill_a_silent_upstream():
    answerer = ScriptedAnswerer()
    answerer.enqueue(0.3, Token("late"), Finished("stop"))

    body = run(service(answerer))

    first_token = body.index(b'"type":"token"')
    assert body[:first_token].count(b": keepalive\n\n") >= 3
    assert events(body)[-1]["type"] == "done"


def test_answer_is_recorded_only_when_complete():
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), Token("b"), Finished("length"))
    chat = service(answerer)

    received = events(run(chat, "sid-1"))

    assert [m.content for m in chat.sessions.get("sid-1").messages] == ["What cloud work?", "ab"]
    assert received[-1]["finish_reason"] == "length"
    assert received[-1]["tokens_used"] == 0


def test_closing_the_stream_closes_the_upstream():
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), 5.0, Token("never"), Finished("stop"))
    chat = service(answerer, keepalive=10)
    before = outcome_count("client_disconnected")
    stream = chat.stream(chat.prepare("q", "sid-2"), trace_id="t-1", started=time.perf_counter())

    next(stream)  # retrieval
    assert b'"content":"a"' in next(stream)
    started = time.monotonic()
    stream.close()  # what the WSGI server does when the client went away

    assert answerer.closed_streams == 1
    assert time.monotonic() - started < 1
    assert chat.sessions.get("sid-2").messages == []
    assert outcome_count("client_disconnected") == before + 1


def test_stopping_worker_ends_stream_with_server_shutdown():
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("a"), 5.0, Finished("stop"))
    stop_at = time.monotonic() + 0.2

    started = time.monotonic()
    received = events(run(service(answerer, should_stop=lambda: time.monotonic() > stop_at)))

    assert time.monotonic() - started < 2
    assert received[-1]["type"] == "error"
    assert received[-1]["code"] == "server_shutdown"
    assert answerer.closed_streams == 1


def test_unexpected_answerer_failure_is_a_coded_error():
    received = events(run(service(BuggyAnswerer())))

    assert received[-1] == {
        "type": "error",
        "code": "llm_error",
        "error": "The language model failed to answer.",
        "trace_id": "t-1",
    }


def test_a_failure_to_record_ends_the_stream_with_one_coded_error():
    before = outcome_count("internal_error")
    sessions = BrokenSessions(ttl=60, max_sessions=10, max_history=10)

    received = events(run(service(ScriptedAnswerer(), sessions=sessions)))

    assert [e["type"] for e in received].count("error") == 1
    assert received[-1] == {
        "type": "error",
        "code": "internal_error",
        "error": "An unexpected error occurred.",
        "trace_id": "t-1",
    }
    assert "done" not in [e["type"] for e in received]
    assert outcome_count("internal_error") == before + 1
